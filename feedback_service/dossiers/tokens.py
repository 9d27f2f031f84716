"""Signed dossier tokens: what the feedback QR printed beside a receipt carries.

A token is `[dossier_id]` signed with SECRET_KEY under its own salt, so a
counter token can never be replayed as a dossier token (or the reverse). The
dossier code itself is not in the token: receipt codes are sequential and
guessable, the signed id is not.
"""
from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..models import Dossier
from ..ratings.tokens import TokenInvalid, sign_ids, signed_ids

_SALT = "dossier-qr"


class DossierTokenInvalid(TokenInvalid):
    """Unknown or forged dossier token; a TokenInvalid, so one handler catches both kinds."""


def dossier_token(dossier: Dossier) -> str:
    return sign_ids(_SALT, dossier.id)


def dossier_id_from_token(token: str) -> int:
    """The dossier id a token claims, signature checked; no database read."""
    return signed_ids(token, _SALT, 1, DossierTokenInvalid)[0]


def dossier_from_token(token: str) -> Dossier:
    """The dossier a token opens, or DossierTokenInvalid.

    A cancelled dossier is still returned: whether it may be rated is the
    citizen page's decision (it shows its own message), not the token's.
    """
    dossier = db.session.get(Dossier, dossier_id_from_token(token))
    if dossier is None:
        raise DossierTokenInvalid("unknown dossier")
    return dossier


def dossier_url(dossier: Dossier) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/d/{dossier_token(dossier)}"

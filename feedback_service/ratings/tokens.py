"""Signed counter tokens: what a poster's QR code carries.

A token is `[counter_id, qr_version]` signed with SECRET_KEY (HMAC through
itsdangerous): it cannot be guessed or forged, needs no database row to check
its signature, and is revoked by bumping the counter's `qr_version`.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..models import Counter

_SALT = "counter-qr"


class TokenInvalid(Exception):
    """Unknown, forged or revoked token (all look the same to the citizen)."""


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def counter_token(counter: Counter) -> str:
    return sign_ids(_SALT, counter.id, counter.qr_version)


def sign_ids(salt: str, *ids: int) -> str:
    """A URL-safe token carrying `ids`, signed with SECRET_KEY under `salt` (one salt per
    kind of token, so one kind can never be replayed as another)."""
    return _serializer(salt).dumps(list(ids))


def signed_ids(token: str, salt: str, count: int, invalid: type[TokenInvalid] = TokenInvalid) -> list[int]:
    """The `count` integers a token signed under `salt` carries, or `invalid`."""
    try:
        payload = _serializer(salt).loads(token)
    except BadSignature as exc:
        raise invalid("bad signature") from exc
    if (
        not isinstance(payload, list)
        or len(payload) != count
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in payload)
    ):
        raise invalid("malformed payload")
    return payload


def _payload(token: str) -> tuple[int, int]:
    counter_id, version = signed_ids(token, _SALT, 2)
    return counter_id, version


def counter_from_token(token: str) -> Counter:
    """The active counter a token opens, or TokenInvalid."""
    counter_id, version = _payload(token)
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active or counter.qr_version != version:
        raise TokenInvalid("unknown or revoked counter")
    return counter


def counter_url(counter: Counter) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{counter_token(counter)}"

"""Signed counter tokens: what a poster's QR code carries.

A token is `[counter_id, qr_version]` signed with SECRET_KEY (HMAC through
itsdangerous): it cannot be guessed or forged, needs no database row to check
its signature, and is revoked by bumping the counter's `qr_version`.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .extensions import db
from .models import Counter

_SALT = "counter-qr"


class TokenInvalid(Exception):
    """Unknown, forged or revoked token (all look the same to the citizen)."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def counter_token(counter: Counter) -> str:
    return _serializer().dumps([counter.id, counter.qr_version])


def _payload(token: str) -> tuple[int, int]:
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:
        raise TokenInvalid("bad signature") from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in payload)
    ):
        raise TokenInvalid("malformed payload")
    return payload[0], payload[1]


def counter_id_from_token(token: str) -> int:
    """The counter id a token claims, signature checked; no database read."""
    return _payload(token)[0]


def counter_from_token(token: str) -> Counter:
    """The active counter a token opens, or TokenInvalid."""
    counter_id, version = _payload(token)
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active or counter.qr_version != version:
        raise TokenInvalid("unknown or revoked counter")
    return counter


def counter_url(counter: Counter) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{counter_token(counter)}"

"""The integration API (`/api/v1`, API key required): what the one-door e-system
and other machine clients call. Every route here runs after `authenticate`, so a
route cannot forget its auth; each route still checks the unit scope of what it
touches with `require_scope`. Routes: `dossiers.py` (registering dossiers and what
happens to them) and `officers.py` (a unit subtree's officers).
"""
from flask import Blueprint, g, request

from ..errors import ApiError
from ..people.api_clients import client_for_key, in_scope
from ..validation import refuse_nul_characters

integration = Blueprint("integration", __name__)
integration.before_request(refuse_nul_characters)


@integration.before_request
def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "send the API key as 'Authorization: Bearer <key>'", code="unauthorized")
    client = client_for_key(key.strip())
    if client is None:
        raise ApiError(401, "unknown or revoked API key", code="unauthorized")
    g.client = client


def require_scope(unit_id: int) -> None:
    """403 unless the unit is the client's unit or below it."""
    if not in_scope(g.client, unit_id):
        raise ApiError(403, "this API key is not allowed to touch that unit", code="forbidden")


from . import dossiers, officers  # noqa: E402,F401  (routes register on import)

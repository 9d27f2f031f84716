"""API keys for integration clients: issued once, stored hashed, scoped to a unit subtree.

A key syncs dossiers and reads what any reader in its subtree reads; a key created with
the `reports` scope also reads the internal copy of its subtree's reports
(`reports/audience.py`): the province's own reporting system, not the one-door e-system."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import IntegrationClient, Unit
from ..units.tree import in_subtree
from ..audit import audit

KEY_PREFIX = "sk_"
REPORTS_SCOPE = "reports"
SCOPES = (REPORTS_SCOPE,)
_LOOKUP_CHARS = 12


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(unit: Unit, name: str, actor: str = "cli",
                  scopes: tuple[str, ...] = ()) -> tuple[IntegrationClient, str]:
    """A new client and its key; the key is returned once and never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    chosen = " ".join(scope for scope in SCOPES if scope in scopes) or None
    client = IntegrationClient(name=name, unit_id=unit.id, key_prefix=key[len(KEY_PREFIX):][:_LOOKUP_CHARS],
                               key_hash=_hash(key), scopes=chosen)
    db.session.add(client)
    db.session.flush()
    audit(actor, "client.create", f"client:{client.id}", {"unit": unit.code, "name": name, "scopes": chosen})
    db.session.commit()
    return client, key


def client_for_key(key: str) -> IntegrationClient | None:
    """The active client a presented key belongs to, compared in constant time."""
    if not key.startswith(KEY_PREFIX) or len(key) < len(KEY_PREFIX) + _LOOKUP_CHARS:
        return None
    client = db.session.scalar(select(IntegrationClient).where(
        IntegrationClient.key_prefix == key[len(KEY_PREFIX):][:_LOOKUP_CHARS]))
    if client is None or client.revoked_at is not None:
        return None
    return client if hmac.compare_digest(client.key_hash, _hash(key)) else None


def revoke_client(client: IntegrationClient, actor: str = "cli") -> None:
    client.revoked_at = clock.now()
    audit(actor, "client.revoke", f"client:{client.id}", {})
    db.session.commit()


def in_scope(client: IntegrationClient, unit_id: int) -> bool:
    """Whether `unit_id` is the client's unit or below it."""
    return in_subtree(client.unit_id, unit_id)

"""The audit trail: who changed what, written in the same transaction as the change."""
from __future__ import annotations

from .extensions import db
from .models import AuditEntry


def audit(actor: str, action: str, target: str, detail: dict) -> None:
    """Record a write; committed by the caller together with the write itself."""
    db.session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail))

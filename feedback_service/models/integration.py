"""Machine clients of the API (the one-door e-system), and the audit log of writes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Unit, utcnow


class IntegrationClient(db.Model):
    """An API client scoped to one unit's subtree.

    Only a SHA-256 of the key is stored: keys are 32 random bytes, so a slow
    password hash would add latency and no safety. `key_prefix` finds the row
    without scanning; the full hash decides.
    """

    __tablename__ = "integration_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    # Space-separated extra rights beyond syncing dossiers (`people.api_clients.SCOPES`):
    # "reports" reads the internal copy of reports. None: none.
    scopes: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()

    @property
    def actor(self) -> str:
        return f"client:{self.id}"

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple((self.scopes or "").split())


class AuditEntry(db.Model):
    """Who changed what, when. Written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # "client:3", "cli", later "user:5".
    actor: Mapped[str] = mapped_column(String(60), index=True)
    # "dossier.create", "dossier.update", "client.create", "webhook.set" …
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

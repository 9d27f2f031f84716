"""Period reports filed upward: each submitted version frozen, and the scheduler's drafts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Unit, utcnow
from .users import User

# submitted → accepted, or → returned (with a comment) and then a new version.
VERSION_STATUSES = ("submitted", "accepted", "returned")


class ReportVersion(db.Model):
    """One submission of a unit's report for a period, never changed afterwards.

    `document` is the snapshot's canonical JSON text exactly as it was hashed
    (`reports/integrity.py`), so what is served later is byte for byte what was
    submitted, whatever the ratings and dossiers say since. Only the review fields
    change, and they are outside the hash.
    """

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("unit_id", "period", "version", name="uq_report_versions_unit_period_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The period's label, e.g. "2026-Q3/official" (reports/periods.py).
    period: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class ReportDraft(db.Model):
    """A period's draft prepared for a unit when the period closed: one row per unit and
    period, so a scheduler that runs twice prepares and notifies once."""

    __tablename__ = "report_drafts"
    __table_args__ = (UniqueConstraint("unit_id", "period", name="uq_report_drafts_unit_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    period: Mapped[str] = mapped_column(String(24), index=True)
    prepared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()

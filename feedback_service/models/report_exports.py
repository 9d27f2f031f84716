"""Report exports built in the background: the state a poll reads, kept in the database
so a Redis restart loses nothing but queued work, which the poll then reports honestly."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Unit, utcnow

EXPORT_STATUSES = ("queued", "running", "done", "failed")


class ReportExport(db.Model):
    """One requested export file of a unit's report for a period.

    `id` is a random token: it names the export in URLs and is the RQ job id, so a
    poll can ask RQ whether the job is still alive. `path` is the finished file
    (relative to REPORT_EXPORT_DIR), emptied when the sweep deletes it after `expires_at`.
    """

    __tablename__ = "report_exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    period: Mapped[str] = mapped_column(String(24))
    version: Mapped[int | None] = mapped_column(Integer)  # None: the latest, as the JSON report
    format: Mapped[str] = mapped_column(String(8))
    internal: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # responses written so far
    rows: Mapped[int | None] = mapped_column(Integer)  # responses in total
    path: Mapped[str | None] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_client_id: Mapped[int | None] = mapped_column(ForeignKey("integration_clients.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    error: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()

"""Report exports built in the background: the state a poll reads, kept in the database
so a Redis restart loses nothing but queued work, which the poll then reports honestly."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Unit, utcnow

EXPORT_STATUSES = ("queued", "running", "done", "failed")
# A file built in the background (an export, a poster PDF) in one of these holds a job (or
# will): at most one per request key, and they count against its requester's limit.
ACTIVE_STATUSES = ("queued", "running")
ACTIVE_ONLY = text("status IN ('queued', 'running')")


class ReportExport(db.Model):
    """One requested export file of a unit's report for a period.

    `id` is a random token: it names the export in URLs and is the RQ job id, so a
    poll can ask RQ whether the job is still alive. `path` is the finished file
    (relative to REPORT_EXPORT_DIR), emptied when the sweep deletes it after `expires_at`.

    `request_key` names what was asked (unit, period, version, format, copy): the database
    keeps at most one queued or running export per key (a unique partial index), so two
    identical requests at once make one job. `basis` names what the file's figures rest
    on (a submitted version and its status, or the fold generation and day of a live
    draft): a finished file is handed out again while its basis is still the current one.
    """

    __tablename__ = "report_exports"
    __table_args__ = (
        Index("uq_report_exports_active_request", "request_key", unique=True,
              sqlite_where=ACTIVE_ONLY, postgresql_where=ACTIVE_ONLY),
    )

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
    request_key: Mapped[str | None] = mapped_column(String(120))
    basis: Mapped[str | None] = mapped_column(String(120))

    unit: Mapped[Unit] = relationship()

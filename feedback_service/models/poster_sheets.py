"""Poster PDFs built in the background: the state a poll reads, in the database like the
report exports' (`report_exports.py`), so a Redis restart loses only queued work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .report_exports import ACTIVE_ONLY
from .units import Unit, utcnow


class PosterSheet(db.Model):
    """One requested PDF of the posters of every active counter of a unit's subtree.

    `id` is a random token: it names the PDF in URLs and is the RQ job id. `path` is the
    finished file (relative to REPORT_EXPORT_DIR, beside the report exports), emptied when
    the sweep deletes it after `expires_at`. `progress` counts posters drawn of `rows`.

    `request_key` names what was asked (unit and layout): the database keeps at most one
    queued or running PDF per key (a unique partial index), so two identical requests at
    once make one job. `basis` is a digest of everything the PDF shows
    (`poster_runs.basis_of`): a finished PDF is handed out again while a PDF drawn now
    would show the same posters.
    """

    __tablename__ = "poster_sheets"
    __table_args__ = (
        Index("uq_poster_sheets_active_request", "request_key", unique=True,
              sqlite_where=ACTIVE_ONLY, postgresql_where=ACTIVE_ONLY),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    layout: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_client_id: Mapped[int | None] = mapped_column(ForeignKey("integration_clients.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    request_key: Mapped[str | None] = mapped_column(String(40))
    basis: Mapped[str | None] = mapped_column(String(80))

    unit: Mapped[Unit] = relationship()

"""Dossiers (hồ sơ TTHC) registered by the one-door e-system, one feedback QR each."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import local_day
from ..extensions import db
from .units import Counter, Officer, Unit, utcnow

DOSSIER_CHANNELS = ("in_person", "online", "post")


class Dossier(db.Model):
    """A dossier as the receipt (Phiếu tiếp nhận và hẹn trả kết quả) describes it,
    then what happened to it. `received_day` / `returned_day` are local days,
    fixed when the times are set, so denominators count by the same days as ratings.
    """

    __tablename__ = "dossiers"
    # A receipt code is unique within its unit, not across the country: otherwise a key
    # for one commune could register another commune's next code first and block it.
    __table_args__ = (UniqueConstraint("unit_id", "code", name="uq_dossiers_unit_id_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The receipt code, e.g. H15.50.05.13-261008-0975 (TT 01/2018/TT-VPCP).
    code: Mapped[str] = mapped_column(String(60), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(60))
    procedure_name: Mapped[str] = mapped_column(String(500))
    # The procedure's field (lĩnh vực: "Hộ tịch", "Chứng thực", "Đất đai"): the rows of
    # Biểu II.06a. Optional: a dossier the e-system sent without one counts under "Khác".
    field_code: Mapped[str | None] = mapped_column(String(60))
    field_name: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_day: Mapped[date] = mapped_column(Date, index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The local day of due_at, kept in step with it on every write (below): reports compare
    # days, and a province-year's dossiers are counted in SQL, not converted one by one.
    due_day: Mapped[date | None] = mapped_column(Date)
    # When the e-system finished handling it (ngày kết thúc xử lý): what QĐ 766 judges by.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The local day of resolved_at, else of returned_at (finished but no finish date sent:
    # the return is the best date there is), kept in step below like due_day.
    resolved_day: Mapped[date | None] = mapped_column(Date)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_day: Mapped[date | None] = mapped_column(Date, index=True)
    # Late as the e-system judges it (it knows working days and legal extensions).
    late: Mapped[bool | None] = mapped_column(Boolean)
    # Phiếu xin lỗi và hẹn lại ngày trả kết quả.
    apology_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    new_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it was cancelled; a period that ended before that day still counts the dossier.
    # Rows cancelled before this was recorded have none: cancelled from the start, out of
    # every period, as every report already filed counted them (dossiers/timeliness.py).
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_day: Mapped[date | None] = mapped_column(Date)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("integration_clients.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Officer | None] = relationship()


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment is not None else None


@event.listens_for(Dossier, "before_insert")
@event.listens_for(Dossier, "before_update")
def _fix_days(mapper, connection, dossier: Dossier) -> None:
    # Every way a dossier is written (the API, imports, the demo, tests) passes through here.
    dossier.due_day = _day(dossier.due_at)
    dossier.resolved_day = _day(dossier.resolved_at if dossier.resolved_at is not None else dossier.returned_at)
    dossier.cancelled_day = _day(dossier.cancelled_at) if dossier.cancelled else None

"""Complaint cases (phản ánh, kiến nghị): a negative rating the unit must answer."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .ratings import Rating
from .units import Counter, Officer, Unit, utcnow
from .users import User

# new → assigned → answered → closed; reopened back to assigned (or new without an assignee).
CASE_STATUSES = ("new", "assigned", "answered", "closed")
# Still waiting for the unit: these are the ones a due date can be missed on.
OPEN_STATUSES = ("new", "assigned")


class Case(db.Model):
    """One case per rating at most, enforced by the database (`rating_id` unique).

    Unit, counter and officer are copied from the rating so the inbox is scoped and
    listed without touching the ratings table, and stays put if the rating's
    counter is later renamed or moved.
    """

    __tablename__ = "cases"
    # The inbox: a unit subtree's cases, newest first, a page at a time.
    __table_args__ = (Index("ix_cases_unit_created", "unit_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # Why the rating opened a case: "low_overall", "conduct_no", "comment".
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # The last local (Asia/Ho_Chi_Minh) working day on which an answer is on time.
    due_on: Mapped[date] = mapped_column(Date, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the unit's managers were e-mailed about it: a notification job that runs
    # twice sends once.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a worker claimed the notice to send it: two workers holding copies of the
    # job (a sweep racing a slow queue) cannot both send. A stale claim (a worker
    # killed mid-send) is taken over; see worker/notifications.py.
    notifying_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    rating: Mapped[Rating] = relationship()
    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Officer | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseEvent(db.Model):
    """The case's own history, shown on its page; the audit log keeps the same
    facts for the whole service."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # None when the service itself acted (opening a case from a rating, the backfill).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "open", "assign", "answer", "close", "reopen".
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()

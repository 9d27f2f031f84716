"""Reorganisations of the unit tree with their dates: which old unit went into which new
ones (`UnitSuccession`), and which of its counters went where (`CounterMove`).

A row is recorded when the operator loads the plan and applied (`applied_at`) once its
effective date has come: only then does the tree change. A merger is an old unit with one
successor, a split one with several.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Counter, Unit, utcnow


class UnitSuccession(db.Model):
    __tablename__ = "unit_successions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The first local day on which the old unit no longer stands: ratings of earlier days stay its own.
    effective_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    old_unit: Mapped[Unit] = relationship(foreign_keys=[old_unit_id])
    new_unit: Mapped[Unit] = relationship(foreign_keys=[new_unit_id])

    __table_args__ = (UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_successions_pair"),)


class CounterMove(db.Model):
    __tablename__ = "counter_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The counter's code in its new unit, when its own clashed with one there.
    code_after: Mapped[str | None] = mapped_column(String(40))

    counter: Mapped[Counter] = relationship()

    __table_args__ = (UniqueConstraint("counter_id", "from_unit_id", name="uq_counter_moves_counter_from"),)

"""The unit tree (province → commune, or any depth) and its counters and officers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db


def utcnow() -> datetime:
    return clock.now()


class Unit(db.Model):
    """An administrative unit with its official code.

    Codes are zero-padded strings (province "04", commune "01273"); a code is
    never reused, so it is the stable public name. `successor_id` keeps a merged
    unit's ratings attributable to it while they roll up into the unit it was
    merged into.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Free text from the source ("tỉnh", "xã", "phường", "đặc khu", "huyện"…).
    kind: Mapped[str] = mapped_column(String(40), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    counters: Mapped[list[Counter]] = relationship(back_populates="unit")

    @classmethod
    def by_code(cls, code: str) -> Unit | None:
        return db.session.scalar(select(cls).where(cls.code == code))


class Counter(db.Model):
    """A one-stop counter (quầy) with its poster QR.

    `qr_version` is part of the signed token: rotating it revokes every poster
    printed before.
    """

    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The unit's own short name for the counter ("Quầy 1"); unique within the unit.
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    qr_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="counters")
    officers: Mapped[list[Officer]] = relationship(back_populates="counter")

    __table_args__ = (db.UniqueConstraint("unit_id", "code", name="uq_counters_unit_code"),)


class Officer(db.Model):
    """A civil servant (công chức) who serves at a counter."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The code the one-door e-system knows the officer by; unique nationally.
    code: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    counter: Mapped[Counter | None] = relationship(back_populates="officers")
    unit: Mapped[Unit] = relationship()

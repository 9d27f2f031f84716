"""The anonymised responses of a report: one row per rating of the unit's subtree in the
period, read from the database as a stream.

What a row carries: the local time of submission to the hour (the exports cut it,
`disclosure.to_the_hour`: a second would single one visit out), the unit, counter and officer codes,
the channel, whether it was dossier-verified, the overall level, the five elements,
the six behaviours, the comment and the flag reason (flagged ratings are listed, with
their reason, though no figure counts them). Never the call-back phone, the client
hash or any address: the query does not even select them.

A province-year is a million rows: they are read with a server-side cursor in batches
(`yield_per`, on a connection of their own so the caller may commit progress meanwhile)
and handed on one at a time; nothing here holds more than a batch.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

from sqlalchemy import Text, cast, func, select

from ...clock import local_zone
from ...extensions import db
from ...models import Counter, Officer, Rating, Unit
from ...ratings.instrument import current_instrument
from ..periods import ReportingPeriod

BATCH = 5000
COLUMNS = (
    ("Giờ gửi (giờ địa phương, đến giờ)", "submitted_local"), ("Mã đơn vị", "unit_code"), ("Mã quầy", "counter_code"),
    ("Mã cán bộ", "officer_code"), ("Kênh", "channel"), ("Gắn hồ sơ (xác thực)", "verified"),
    ("Mức hài lòng chung", "overall"),
)
TAIL = (("Ý kiến", "comment"), ("Lý do bị loại", "flag_reason"))
YES, NO = "có", "không"


def columns() -> list[tuple[str, str]]:
    """(label, key) of every column, the instrument's elements and behaviours included."""
    instrument = current_instrument()
    elements = [(f"Yếu tố: {item['label']['vi'].split(':')[0]}", f"elements.{item['key']}")
                for item in instrument["elements"]["items"]]
    conduct = [(item["label"]["vi"].split(" — ")[0], f"conduct.{item['key']}")
               for item in instrument["conduct"]["items"]]
    return [*COLUMNS, *elements, *conduct, *TAIL]


def _filters(unit_ids: list[int], period: ReportingPeriod) -> list:
    return [Rating.unit_id.in_(unit_ids), Rating.local_day >= period.date_from, Rating.local_day <= period.date_to]


def count(unit_ids: list[int], period: ReportingPeriod) -> int:
    return db.session.scalar(select(func.count()).select_from(Rating).where(*_filters(unit_ids, period)))


def codes(unit_ids: list[int]) -> tuple[dict, dict, dict]:
    """Unit, counter and officer codes by id: a few thousand rows, read once instead of joined."""
    units = dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())
    counters = dict(db.session.execute(select(Counter.id, Counter.code).where(Counter.unit_id.in_(unit_ids))).all())
    officers = dict(db.session.execute(select(Officer.id, Officer.code).where(Officer.unit_id.in_(unit_ids))).all())
    return units, counters, officers


def serial_utc(dialect: str):
    """The moment of submission as Excel's day number in UTC, computed by the database:
    parsing a million timestamps into datetimes costs more than writing the file."""
    if dialect == "sqlite":
        return func.julianday(Rating.submitted_at) - 2415018.5
    return func.extract("epoch", Rating.submitted_at) / 86400.0 + 25569.0


def stream(unit_ids: list[int], period: ReportingPeriod) -> Iterator[tuple]:
    """Raw rows in submission order (id order, as stored): (Excel day number in UTC, unit
    id, counter id, officer id, channel, verified, overall, elements JSON text, conduct
    JSON text, comment, flag reason). The answers stay JSON text: a few thousand distinct
    texts recur a million times, so the caller decodes each text once."""
    query = (select(serial_utc(db.engine.dialect.name), Rating.unit_id, Rating.counter_id, Rating.officer_id,
                    Rating.channel, Rating.verified, Rating.overall, cast(Rating.elements, Text),
                    cast(Rating.conduct, Text), Rating.comment, Rating.flag_reason)
             .where(*_filters(unit_ids, period)).order_by(Rating.id))
    with db.engine.connect() as connection:
        yield from connection.execution_options(stream_results=True, yield_per=BATCH).execute(query)


def day_offset() -> Callable[[float], float]:
    """From a UTC day number to the local one. Asia/Ho_Chi_Minh has kept +07:00 since
    1975, so that is one addition; a zone with summer time is converted row by row."""
    zone = local_zone()
    probe = [zone.utcoffset(datetime(2000 + y, m, 1)) for y in range(0, 100, 7) for m in (1, 7)]
    if len(set(probe)) == 1:
        shift = probe[0].total_seconds() / 86400
        return lambda day: day + shift

    epoch = datetime(1899, 12, 30, tzinfo=timezone.utc)

    def convert(day: float) -> float:
        moment = (epoch + timedelta(days=day)).astimezone(zone).replace(tzinfo=None)
        return (moment - epoch.replace(tzinfo=None)) / timedelta(days=1)

    return convert

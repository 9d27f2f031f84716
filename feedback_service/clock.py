"""Time: everything stored is UTC, days are the service's local days, and the one clock the app reads.

`LOCAL_TIMEZONE` (Asia/Ho_Chi_Minh) is read here: a rating's day, a dossier's day
and a dashboard's dates must agree.

Everything that records a moment or reasons in calendar days — a rating's
submission time and so its day bucket, the dashboard's "today", a case's due
date, a dossier's rating window, the demo's history — asks `now()` (or
`local_today()`), never `datetime.now` itself. That makes "what day is it" one
question with one answer, which the suite can set: `running_from(moment)` starts
the clock at a chosen moment (the 1st of a month, 31 December, a day in Tết) and
lets it run on from there, so a test sees the calendar edge every day of the year
and not only on the day it falls.

Protocol timestamps checked by another party against its own clock (webhook
signatures, signed cool-down cookies) stay on the system clock: a receiver must
never see a moment the test invented.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

# The days the service reasons about. A period asked for outside them is refused where it
# is read (API, dashboard): year 1 or 9999 would only overflow the period arithmetic.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)

# (moment the clock was set to, time.monotonic() when it was set); None: the system clock.
_set_at: tuple[datetime, float] | None = None


def as_utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    if _set_at is None:
        return datetime.now(timezone.utc)
    moment, since = _set_at
    # It runs on, so consecutive events keep their order and durations stay real.
    return moment + timedelta(seconds=time.monotonic() - since)


def local_today(zone_name: str | None = None) -> date:
    """Today in the service's local days (`LOCAL_TIMEZONE`, Asia/Ho_Chi_Minh by default)."""
    return now().astimezone(ZoneInfo(zone_name or current_app.config["LOCAL_TIMEZONE"])).date()


@contextmanager
def running_from(moment: datetime) -> Iterator[None]:
    """Within the block, `now()` starts at `moment` (aware) and runs on in real time.

    For the suite and for demonstrations only; the setting is process-wide, so a
    live server thread in the same process sees the same day as the test.
    """
    global _set_at
    if moment.tzinfo is None:
        raise ValueError("running_from needs an aware datetime")
    previous, _set_at = _set_at, (as_utc(moment), time.monotonic())
    try:
        yield
    finally:
        _set_at = previous


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LOCAL_TIMEZONE"])


def local_time(moment: datetime) -> datetime:
    """A stored moment in the service's local time."""
    return as_utc(moment).astimezone(local_zone())


def local_day(moment: datetime) -> date:
    """The local day a stored moment falls on (what every per-day figure counts by)."""
    return local_time(moment).date()

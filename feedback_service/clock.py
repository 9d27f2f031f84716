"""Time: everything stored is UTC; days are the service's local days.

`LOCAL_TIMEZONE` (Asia/Ho_Chi_Minh) is read here and nowhere else in the code that
runs per request: a rating's day, a dossier's day and a dashboard's dates must agree.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def as_utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LOCAL_TIMEZONE"])


def local_time(moment: datetime) -> datetime:
    """A stored moment in the service's local time."""
    return as_utc(moment).astimezone(local_zone())


def local_day(moment: datetime) -> date:
    """The local day a stored moment falls on (what every per-day figure counts by)."""
    return local_time(moment).date()

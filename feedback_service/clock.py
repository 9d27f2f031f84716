"""Time in the record store: everything stored is UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)

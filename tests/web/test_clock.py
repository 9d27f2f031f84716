"""The one clock: every date-dependent part of the app reads `clock.now()`, and the
suite can start it on any day."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from calendar_days import CALENDAR_DAYS, HANOI

from feedback_service import clock
from feedback_service.models.units import utcnow

ROOT = Path(__file__).resolve().parents[2]
# Calls that would read the system calendar behind the clock's back.
SYSTEM_CALENDAR = re.compile(r"\bdatetime\.now\(|\bdatetime\.utcnow\(|\bdate\.today\(")


def test_nothing_but_the_clock_reads_the_system_calendar():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for folder in ("feedback_service", "worker")
                 for path in sorted((ROOT / folder).rglob("*.py")) if path.name != "clock.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if SYSTEM_CALENDAR.search(line) and not line.lstrip().startswith("#")]
    assert offenders == []


def test_the_clock_starts_where_it_is_set_runs_on_and_comes_back():
    start = datetime(2028, 2, 29, 23, 59, 59, 500_000, tzinfo=HANOI)
    with clock.running_from(start):
        first = clock.now()
        assert timedelta(0) <= first - start < timedelta(seconds=1) and first.tzinfo == timezone.utc
        time.sleep(0.01)
        assert clock.now() > first  # runs on: events keep their order
        assert utcnow() >= first  # what records are stamped with
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        with clock.running_from(datetime(2026, 12, 1)):
            pass


def test_local_today_is_the_local_calendar_day(calendar_day, app):
    # On the 1st just after midnight UTC still reads the 30th: the local day is what counts.
    assert clock.local_today() == calendar_day.date()
    assert clock.local_today("UTC") == calendar_day.astimezone(timezone.utc).date()


def test_the_chosen_days_include_the_edges():
    days = {moment.date().isoformat() for moment in CALENDAR_DAYS.values()}
    assert {"2028-02-29", "2026-12-31", "2026-02-17"} <= days
    assert any(moment.day == 1 and moment.astimezone(timezone.utc).day != 1 for moment in CALENDAR_DAYS.values())

"""Working days: Monday to Friday, minus the public holidays and plus the make-up Saturdays
the Government announces each year. A complaint's due date (`cases/`) and a period
report's deadline (`reports/filing.py`) both count in them, and both ask `current()`.

Tết and Giỗ Tổ Hùng Vương follow the lunar calendar, the day beside 2/9 and the
make-up days are decided year by year, so no rule can compute them: the operator keeps
them in a small text file (`PUBLIC_HOLIDAYS_FILE`, default config/holidays.txt), one
line per day:

    2026-02-16  off   Tết Nguyên đán Bính Ngọ
    2026-01-03  work  Thứ Bảy làm bù   (a Saturday that is a working day)

The file is read once, at start-up (`init_app`); a malformed file stops the app there with
the line at fault, rather than silently counting due dates wrongly.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)
KINDS = ("off", "work")
EXTENSION = "working_calendar"  # the key in app.extensions


class CalendarError(ValueError):
    """The holidays file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date] = field(default_factory=frozenset)
    working_weekends: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself when count is 0)."""
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def years(self) -> set[int]:
        return {day.year for day in self.days_off | self.working_weekends}


WEEKDAYS_ONLY = WorkingCalendar()


def parse(text: str, source: str = "<holidays>") -> WorkingCalendar:
    days: dict[str, set[date]] = {kind: set() for kind in KINDS}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 2 or parts[1] not in KINDS:
            raise CalendarError(f"{source}:{number}: expected 'YYYY-MM-DD off|work [note]', got {raw.strip()!r}")
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise CalendarError(f"{source}:{number}: {parts[0]!r} is not a date (YYYY-MM-DD)") from None
        if day in days["off"] | days["work"]:
            raise CalendarError(f"{source}:{number}: {day.isoformat()} is listed twice")
        if parts[1] == "work" and day.weekday() < 5:
            raise CalendarError(f"{source}:{number}: {day.isoformat()} is a weekday; only a weekend day can be "
                                "a make-up working day")
        days[parts[1]].add(day)
    return WorkingCalendar(frozenset(days["off"]), frozenset(days["work"]))


def load(path: str | None, today: date) -> WorkingCalendar:
    """The calendar in `path` (none configured: weekdays only), warning when `today`'s
    year has no entry — the operator has not yet added this year's announced days off."""
    if not path:
        return WEEKDAYS_ONLY
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"{file}: cannot read the public holidays file ({exc.strerror})") from None
    calendar = parse(text, str(file))
    if today.year not in calendar.years():
        log.warning("no public holidays listed for %s in %s: complaint due dates count weekdays only",
                    today.year, file)
    return calendar


def init_app(app: Flask) -> None:
    """Read the public holidays once; a broken file stops start-up with the line at fault."""
    from .clock import local_today

    today = local_today(app.config["LOCAL_TIMEZONE"])
    app.extensions[EXTENSION] = load(app.config["PUBLIC_HOLIDAYS_FILE"], today)


def current() -> WorkingCalendar:
    """The running app's calendar (weekdays only in an app that never read one)."""
    return current_app.extensions.get(EXTENSION, WEEKDAYS_ONLY)

"""The calendar days the date-sensitive tests run on (see the `calendar_day` fixture).

A test that depends on what day it is takes `calendar_day` as its first argument
and so runs once on each of these days, with the app's clock set to it.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Local moments on which calendar code goes wrong if it can (the suite once failed only
# on the 1st of a month). Times are local; the 1st is just after midnight, when UTC still
# reads the last day of the month before.
CALENDAR_DAYS = {
    "first-of-month": datetime(2026, 12, 1, 0, 30, tzinfo=HANOI),
    "new-years-eve": datetime(2026, 12, 31, 22, 0, tzinfo=HANOI),
    "leap-day": datetime(2028, 2, 29, 10, 0, tzinfo=HANOI),
    "tet": datetime(2026, 2, 17, 9, 0, tzinfo=HANOI),  # Mùng 1 Tết Bính Ngọ
    "ordinary-day": datetime(2026, 6, 17, 14, 0, tzinfo=HANOI),
}
# Browser tests are slow: the days that have bitten them (an almost empty "this month",
# a year's end, February's extra day).
BROWSER_CALENDAR_DAYS = ("first-of-month", "new-years-eve", "leap-day")


def browser_calendar_days():
    """`@browser_calendar_days()` on a browser test that takes `calendar_day`."""
    return pytest.mark.parametrize("calendar_day", BROWSER_CALENDAR_DAYS, indirect=True)

"""The dashboard's period selector: named periods in local (Asia/Ho_Chi_Minh) days.

`resolve` is pure (today passed in) so every option is testable; `from_request`
reads the query string, flashes what it could not use and falls back to the
default period, so a hand-edited URL never ends in a 500.

The default is the last 30 days, today included, not "this month": on the 1st a
calendar month is one day old and a chair would open the dashboard on an empty
page; 30 days always hold a month's worth of ratings, whatever the date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import flash, request
from flask_babel import gettext as _

from .. import clock

PERIOD_KEYS = ("recent", "month", "last_month", "quarter", "year", "custom")
DEFAULT_PERIOD = "recent"
RECENT_DAYS = 30
# Longer custom periods are refused: a decade of day rows is not a dashboard view.
MAX_CUSTOM_DAYS = 3 * 366
# Up to about a quarter the trend is read by week, beyond by month.
WEEKLY_UP_TO_DAYS = 95


@dataclass(frozen=True)
class Period:
    key: str
    date_from: date
    date_to: date

    @property
    def trend_grain(self) -> str:
        return "week" if (self.date_to - self.date_from).days < WEEKLY_UP_TO_DAYS else "month"

    def query_args(self) -> dict[str, str]:
        """The URL arguments that select this period again (for links)."""
        if self.key == "custom":
            return {"period": "custom", "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        return {"period": self.key}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def resolve(key: str | None, raw_from: str | None, raw_to: str | None, today: date) -> tuple[Period, str | None]:
    """The period the arguments name, or the default and a message saying why."""
    key = key or DEFAULT_PERIOD
    if key == "recent":
        return Period(key, today - timedelta(days=RECENT_DAYS - 1), today), None
    if key == "month":
        return Period(key, _month_start(today), today), None
    if key == "last_month":
        last_day = _month_start(today) - timedelta(days=1)
        return Period(key, _month_start(last_day), last_day), None
    if key == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return Period(key, date(today.year, first_month, 1), today), None
    if key == "year":
        return Period(key, date(today.year, 1, 1), today), None
    default, _unused = resolve(DEFAULT_PERIOD, None, None, today)
    if key != "custom":
        return default, _("Không có khoảng thời gian này; đang xem 30 ngày gần nhất.")
    try:
        date_from, date_to = _strict_date(raw_from), _strict_date(raw_to)
    except ValueError:
        return default, _("Ngày không hợp lệ (cần dạng YYYY-MM-DD); đang xem 30 ngày gần nhất.")
    if date_from > date_to:
        return default, _("Ngày bắt đầu sau ngày kết thúc; đang xem 30 ngày gần nhất.")
    if (date_to - date_from).days > MAX_CUSTOM_DAYS:
        return default, _("Khoảng thời gian dài quá 3 năm; đang xem 30 ngày gần nhất.")
    return Period(key, date_from, date_to), None


def _strict_date(raw: str | None) -> date:
    if not raw or len(raw) != 10:
        raise ValueError(raw)
    day = date.fromisoformat(raw)
    # A custom date outside the service's years is a typo (0202 for 2022).
    if not clock.EARLIEST_DAY <= day <= clock.LATEST_DAY:
        raise ValueError(raw)
    return day


def local_today() -> date:
    return clock.local_today()


def from_request() -> Period:
    period, problem = resolve(request.args.get("period"), request.args.get("from"),
                              request.args.get("to"), local_today())
    if problem:
        flash(problem, "error")
    return period

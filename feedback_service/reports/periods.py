"""Reporting periods: calendar ones, and the official ones of NĐ 09/2019.

A period is written as a label, the one key a report is filed and asked for under
(`?period=` in the API, the dashboard's URL):

    calendar   2026-11   2026-Q3   2026-H1 / 2026-H2   2026-9M   2026
    official   2026-11/official   2026-Q3/official   2026-H1/official   2026-9M/official   2026/official

The official periods close before the month ends so that reports can go upward in
time (NĐ 09/2019 pattern, DOMAIN.md §7): a month runs from the 15th of the previous
month to the 14th; a quarter from the 15th of the month before it to the 14th of its
last month; the first half-year from 15 December to 14 June; the first nine months
from 15 December to 14 September; the year from 15 December of the previous year to
14 December. So official January and the official year both begin in the previous
December. The calendar nine months run from 1 January to 30 September.

Decisions where the decree or the issue is silent:
- No official second half-year. NĐ 09/2019 defines six-month, nine-month and yearly
  reports, all from 15 December; a "15 June → 14 December" period would be ours, not
  the decree's, so `2026-H2/official` is refused, and `period_containing` refuses a day
  no official half covers (15 June .. 14 December). `last_closed` always has an answer:
  the latest official first half that has ended. Nine months are only ever the first
  nine of a year (NĐ 09/2019's "9 tháng"): no period of that kind holds a day of
  October to December (calendar) or 15 September to 14 December (official).
- Labels are canonical and exact: upper-case Q and H, lower-case `/official`, ASCII
  digits, two-digit months, no spaces. "2026-q3" is refused rather than folded, so a
  period has one spelling and a stored report one key.
- Years 2000–2099 (`clock.EARLIEST_DAY` .. `clock.LATEST_DAY`), judged on the label's
  year: the official periods of 2000 begin on 15 December 1999, which is harmless; a
  period labelled 1999 or 2100 is refused, also when a day asks for it.
- Days are plain local (Asia/Ho_Chi_Minh) dates, both ends inclusive; turning a moment
  into a day is the caller's business (`clock.local_today`, `clock.local_time`), so a
  `datetime` is refused here rather than silently read in some zone.
- Titles are Vietnamese text, as reports are printed; not yet through Babel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import EARLIEST_DAY, LATEST_DAY

KINDS = ("month", "quarter", "half", "nine_months", "year")
_PER_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1}

ACCEPTED_FORMS = ("a period is written YYYY-MM (2026-11), YYYY-Qn (2026-Q3), YYYY-H1 or YYYY-H2 (2026-H1), "
                  "YYYY-9M (2026-9M, the first nine months) or YYYY (2026), for a year from 2000 to 2099; the "
                  "official reporting periods of NĐ 09/2019 add /official: 2026-11/official, 2026-Q3/official, "
                  "2026-H1/official, 2026-9M/official, 2026/official (there is no official second half-year)")

# fullmatch + re.ASCII: "\d" would take Arabic-Indic or full-width digits, and "$" a trailing newline.
_LABEL = re.compile(r"(?P<year>[0-9]{4})(?:-(?:(?P<month>[0-9]{2})|Q(?P<quarter>[1-4])|H(?P<half>[12])|(?P<nine>9M)))?"
                    r"(?P<official>/official)?", re.ASCII)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodInvalid(ValueError):
    """A period that cannot be read; the message says the accepted forms (for a 422)."""

    def __init__(self, reason: str):
        super().__init__(f"{reason}: {ACCEPTED_FORMS}")


@dataclass(frozen=True)
class ReportingPeriod:
    label: str          # canonical text, e.g. "2026-Q3/official"
    kind: str           # month, quarter, half or year
    official: bool
    date_from: date     # local days, both inclusive
    date_to: date
    title: str          # printed on the report, e.g. "Quý III/2026 (kỳ báo cáo 15/06/2026 – 14/09/2026)"

    def as_dict(self) -> dict:
        return {"label": self.label, "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                "official": self.official}


def parse_period(text: object) -> ReportingPeriod:
    """The period a label names; PeriodInvalid for anything but the exact forms above."""
    if not isinstance(text, str):
        raise PeriodInvalid("the period must be text")
    found = _LABEL.fullmatch(text)
    if found is None:
        raise PeriodInvalid(f"{text[:40]!r} is not a period")
    year, official = int(found["year"]), found["official"] is not None
    if found["month"] is not None:
        month = int(found["month"])
        if not 1 <= month <= 12:
            raise PeriodInvalid(f"{text!r}: there is no month {month}")
        return _period(year, "month", month, official)
    if found["quarter"] is not None:
        return _period(year, "quarter", int(found["quarter"]), official)
    if found["half"] is not None:
        return _period(year, "half", int(found["half"]), official)
    if found["nine"] is not None:
        return _period(year, "nine_months", 1, official)
    return _period(year, "year", 1, official)


def period_containing(day: date, kind: str, official: bool) -> ReportingPeriod:
    """The period of this kind that holds this local day."""
    year, number = _index_of(day, kind, official)
    if official and kind == "half" and number == 2:
        raise PeriodInvalid(f"no official half-year holds {day.isoformat()}: NĐ 09/2019 defines no "
                            "official second half (H2), only the first, 15 December to 14 June")
    if kind == "nine_months" and number == 2:
        raise PeriodInvalid(f"no nine-month period holds {day.isoformat()}: only the first nine months of a "
                            "year are one")
    return _period(year, kind, number, official)


def last_closed(day: date, kind: str, official: bool) -> ReportingPeriod:
    """The latest period of this kind that ended before this local day (what closes on it, at the latest)."""
    year, number = _index_of(day, kind, official)
    if (official and kind == "half") or kind == "nine_months":
        # Only the first half (official) and the first nine months exist: this year's has
        # closed once the day is past it (number 2: the unnamed rest of the year).
        return _period(year if number == 2 else year - 1, kind, 1, official)
    # The period holding `day` has not ended; the one just before it has, and is the latest.
    # Stepped back by number, so an open period outside 2000–2099 does not hide a closed one inside.
    if number > 1:
        return _period(year, kind, number - 1, official)
    return _period(year - 1, kind, _PER_YEAR[kind], official)


def _index_of(day: date, kind: str, official: bool) -> tuple[int, int]:
    """(year, number within the year) of the period of this kind holding the day; not range-checked."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError("a reporting period is found from a local day (a date), not a moment")
    if kind not in KINDS:
        raise PeriodInvalid(f"{kind!r} is not a kind of period (month, quarter, half, year)")
    year, month = day.year, day.month
    if official and day.day >= 15:
        # From the 15th on, a day belongs to the next month's official period.
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return year, {"month": month, "quarter": (month - 1) // 3 + 1, "half": (month - 1) // 6 + 1,
                  "nine_months": 1 if month <= 9 else 2, "year": 1}[kind]


def _period(year: int, kind: str, number: int, official: bool) -> ReportingPeriod:
    if not EARLIEST_DAY.year <= year <= LATEST_DAY.year:
        raise PeriodInvalid(f"the year {year} is outside {EARLIEST_DAY.year}–{LATEST_DAY.year}")
    if official and kind == "half" and number == 2:
        raise PeriodInvalid("NĐ 09/2019 defines no official second half-year (H2)")
    # The months the period covers, first and last (1..12 of `year`).
    if kind == "nine_months" and number != 1:
        raise PeriodInvalid("only the first nine months of a year are a period (YYYY-9M)")
    first, last = {"month": (number, number), "quarter": (3 * number - 2, 3 * number),
                   "half": (6 * number - 5, 6 * number), "nine_months": (1, 9), "year": (1, 12)}[kind]
    if official:
        date_from = date(year - 1, 12, 15) if first == 1 else date(year, first - 1, 15)
        date_to = date(year, last, 14)
    else:
        date_from = date(year, first, 1)
        date_to = (date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)) - timedelta(days=1)
    suffix = "/official" if official else ""
    if kind == "month":
        label, title = f"{year}-{number:02d}", f"Tháng {number}/{year}"
    elif kind == "quarter":
        label, title = f"{year}-Q{number}", f"Quý {_ROMAN[number]}/{year}"
    elif kind == "half":
        label, title = f"{year}-H{number}", f"6 tháng {'đầu' if number == 1 else 'cuối'} năm {year}"
    elif kind == "nine_months":
        label, title = f"{year}-9M", f"9 tháng đầu năm {year}"
    else:
        label, title = f"{year}", f"Năm {year}"
    if official:
        title += f" (kỳ báo cáo {date_from:%d/%m/%Y} – {date_to:%d/%m/%Y})"
    return ReportingPeriod(label=label + suffix, kind=kind, official=official,
                           date_from=date_from, date_to=date_to, title=title)

"""When a dossier is on time: the one definition, for the summary API (`on_time_pct`), the
period reports (Biểu II.06a, QĐ 766) and the citizen's dossier page.

The rules are written once, in `RULES`, as an ordered list of named conditions; the
database's CASE expression (`classified`) and the Python function (`classify`) are both
built from that list, so the three readers cannot drift apart.

- Days are local days (`received_day`, `due_day`, `resolved_day`, `returned_day`), never
  moments: a result handed over at 16:00 on its due day is on time whatever the due hour.
- The day a dossier is *done*: the e-system's finish date (`resolved_at`, ngày kết thúc
  xử lý, which QĐ 766 judges by), else its return, with REPORT_RESOLVED_BY = `finish`
  (the default); only the return (`returned_day`) with `return`.
- Done by the judging day: the e-system's `late` flag wins both ways (it knows legal
  extensions and supplement requests); with no flag, done after the due day is late,
  before it early, on it on time; with no flag and no due date it is *no_due_date*,
  counted apart, never taken for on time.
- Not done by then: still out and flagged, the flag wins (late: overdue; not late:
  within time; a flag sent with a later result is about that result, not about then);
  otherwise no due date is *no_due_date*, a due day before the judging day is overdue,
  anything else within time.
- Cancelled dossiers are out of every count from the day they were cancelled
  (`cancelled_by`); a period that ended before that day still counts them. A dossier
  cancelled before the cancellation date was recorded has none: cancelled from the start.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import and_, case, or_, true

from ..models import Dossier

EARLY, ON_TIME, LATE, NO_DUE_DATE = "early", "on_time", "late", "no_due_date"
WITHIN_TIME, OVERDUE = "within_time", "overdue"
# Of a dossier done: what counts as on time where early and on time are one figure.
ON_TIME_KINDS = (EARLY, ON_TIME)
RESOLVED_BY = ("finish", "return")

# (classification, conditions that must all hold), first match wins.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (LATE, ("done", "flagged_late")),
    (NO_DUE_DATE, ("done", "unflagged", "no_due_date")),
    (LATE, ("done", "unflagged", "done_after_due")),
    (EARLY, ("done", "done_before_due")),
    (ON_TIME, ("done",)),
    (OVERDUE, ("still_out", "flagged_late")),
    (WITHIN_TIME, ("still_out", "flagged_on_time")),
    (NO_DUE_DATE, ("no_due_date",)),
    (OVERDUE, ("due_before_judging_day",)),
    (WITHIN_TIME, ()),
)


class ResolvedBySettingInvalid(ValueError):
    """REPORT_RESOLVED_BY is neither `finish` nor `return`."""


def resolved_by() -> str:
    setting = str(current_app.config["REPORT_RESOLVED_BY"]).strip().lower()
    if setting not in RESOLVED_BY:
        raise ResolvedBySettingInvalid(f"REPORT_RESOLVED_BY: {setting!r} is not one of {', '.join(RESOLVED_BY)}")
    return setting


def done_day_column():
    """The column holding the day a dossier is done, as REPORT_RESOLVED_BY says."""
    return Dossier.resolved_day if resolved_by() == "finish" else Dossier.returned_day


def done_day(dossier: Dossier) -> date | None:
    return dossier.resolved_day if resolved_by() == "finish" else dossier.returned_day


def _sql_conditions(done_by: date, judged_before: date) -> dict:
    done = done_day_column()
    return {
        "done": and_(done.is_not(None), done <= done_by),
        "still_out": done.is_(None),
        "flagged_late": Dossier.late.is_(True),
        "flagged_on_time": Dossier.late.is_(False),
        "unflagged": Dossier.late.is_(None),
        "no_due_date": Dossier.due_day.is_(None),
        # NULL (no due day) is not true in a CASE, as False is not in Python below.
        "done_after_due": done > Dossier.due_day,
        "done_before_due": done < Dossier.due_day,
        "due_before_judging_day": Dossier.due_day < judged_before,
    }


def _python_conditions(late: bool | None, due: date | None, done: date | None, done_by: date,
                       judged_before: date) -> dict[str, bool]:
    return {
        "done": done is not None and done <= done_by,
        "still_out": done is None,
        "flagged_late": late is True,
        "flagged_on_time": late is False,
        "unflagged": late is None,
        "no_due_date": due is None,
        "done_after_due": done is not None and due is not None and done > due,
        "done_before_due": done is not None and due is not None and done < due,
        "due_before_judging_day": due is not None and due < judged_before,
    }


def classified(done_by: date, judged_before: date):
    """The classification as SQL (a CASE over the dossiers table).

    `done_by`: the last day a result counts as done (a period's last day); `judged_before`:
    the day whose start unfinished work is judged at (the day after the period, or today
    while it runs: a due day that is today has not passed)."""
    conditions = _sql_conditions(done_by, judged_before)

    def all_of(names: tuple[str, ...]):
        return and_(true(), *(conditions[name] for name in names))

    *rules, (fallback, _) = RULES
    return case(*[(all_of(names), name) for name, names in rules], else_=fallback)


def classify(late: bool | None, due: date | None, done: date | None, done_by: date, judged_before: date) -> str:
    """The classification in Python, from the same rules as `classified`."""
    conditions = _python_conditions(late, due, done, done_by, judged_before)
    return next(name for name, names in RULES if all(conditions[n] for n in names))


def of_dossier(dossier: Dossier, today: date) -> str:
    """A dossier's standing today (done by today, unfinished work judged at today's start)."""
    return classify(dossier.late, dossier.due_day, done_day(dossier), today, today)


# --- cancellation ---------------------------------------------------------------------

def cancelled_by(day: date | None):
    """SQL: cancelled on or before `day` (or with no recorded date: from the start);
    `day` None: cancelled at all."""
    if day is None:
        return Dossier.cancelled.is_(True)
    return and_(Dossier.cancelled.is_(True), or_(Dossier.cancelled_day.is_(None), Dossier.cancelled_day <= day))


def not_cancelled_by(day: date | None):
    return or_(Dossier.cancelled.is_(False), Dossier.cancelled.is_(None), *(
        () if day is None else (and_(Dossier.cancelled_day.is_not(None), Dossier.cancelled_day > day),)))


def is_cancelled_by(dossier: Dossier, day: date) -> bool:
    return bool(dossier.cancelled) and (dossier.cancelled_day is None or dossier.cancelled_day <= day)


"""When a complaint case is answered in time: the one rule, for the dashboard's inbox
(overdue cases highlighted and filtered) and the period report's complaint figures.

A case is due on its `due_on` working day (CASE_SLA_WORKING_DAYS after the rating). Judged
at the start of a day (today on the dashboard; the day after the period, or today while
it runs, in a report): answered on or before its due day is on time, after it late; not
answered by then, it is overdue once its due day is before the judging day (a case due
today is not overdue yet), else within time. A case reopened is waiting again: its
earlier answer no longer counts, on the dashboard or in a report.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_

from ..clock import local_day
from ..models import Case
from ..models.cases import OPEN_STATUSES

ANSWERED_ON_TIME, ANSWERED_LATE = "answered_on_time", "answered_late"
PENDING_WITHIN_TIME, PENDING_OVERDUE = "pending_within_time", "pending_overdue"
STANDINGS = (ANSWERED_ON_TIME, ANSWERED_LATE, PENDING_WITHIN_TIME, PENDING_OVERDUE)


def standing(due_on: date, answered_on: date | None, judged_before: date, *, answered_by: date) -> str:
    """One of STANDINGS. `answered_on`: the local day of the standing answer, or None; it
    counts when given by `answered_by` (a period's last day; today on the dashboard)."""
    if answered_on is not None and answered_on <= answered_by:
        return ANSWERED_ON_TIME if answered_on <= due_on else ANSWERED_LATE
    return PENDING_OVERDUE if due_on < judged_before else PENDING_WITHIN_TIME


def answered_on(status: str, answered_at: datetime | None) -> date | None:
    """The local day of the answer that stands: none while the case is open (new, assigned,
    or reopened after an answer)."""
    if status in OPEN_STATUSES or answered_at is None:
        return None
    return local_day(answered_at)


def is_overdue(case: Case, today: date) -> bool:
    """A case still waiting for the unit (new, or assigned, also after a reopening) whose
    due day is before today."""
    answered = answered_on(case.status, case.answered_at)
    return standing(case.due_on, answered, today, answered_by=today) == PENDING_OVERDUE


def overdue_clause(today: date):
    """`is_overdue` as SQL, for the inbox's filter."""
    return and_(Case.status.in_(OPEN_STATUSES), Case.due_on < today)


def on_time_pct(counts: dict[str, int]) -> float | None:
    """Answered on time ÷ (answered + still waiting past the due day) × 100, or None."""
    judged = counts[ANSWERED_ON_TIME] + counts[ANSWERED_LATE] + counts[PENDING_OVERDUE]
    return round(100.0 * counts[ANSWERED_ON_TIME] / judged, 2) if judged else None

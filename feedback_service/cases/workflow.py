"""Complaint cases: opening one per negative rating, moving it through its workflow,
and the due date the unit must answer by.

Every change writes a `CaseEvent` (the case's own history) and an `AuditEntry` (the
service's log) in the same transaction; the caller commits.
"""
from __future__ import annotations

import logging
from datetime import date

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from .. import clock, working_calendar
from ..extensions import db
from ..models import Case, CaseEvent, Rating, User
from ..models.ratings import case_reasons
from ..audit import audit
from ..people import permissions
from ..people.permissions import ACTING_ROLES
from . import timeliness
from ..working_calendar import WEEKDAYS_ONLY, WorkingCalendar

SYSTEM_ACTOR = "system"

log = logging.getLogger(__name__)


class IllegalTransition(Exception):
    """The case is not in a state this action applies to; nothing was changed."""


# --- due dates ----------------------------------------------------------------

def add_working_days(day: date, count: int, calendar: WorkingCalendar = WEEKDAYS_ONLY) -> date:
    """`count` working days after `day` in `calendar` (Monday–Friday by default)."""
    return calendar.add_working_days(day, count)


def local_today() -> date:
    return clock.local_today()


def due_on_for(opened_day: date) -> date:
    days = int(current_app.config["CASE_SLA_WORKING_DAYS"])
    return add_working_days(opened_day, days, working_calendar.current())


def is_overdue(case: Case, today: date | None = None) -> bool:
    return timeliness.is_overdue(case, today or local_today())


overdue_clause = timeliness.overdue_clause


# --- opening --------------------------------------------------------------------

def new_case(rating: Rating) -> Case | None:
    """Add (not commit) the case a rating calls for, or None.

    The case counts from the rating's submission, also when opened later by the
    backfill: the citizen has been waiting since then. A flagged rating's case (one
    that left a call-back number) says so in its opening event; its page shows the flag.
    """
    reasons = case_reasons(rating)  # empty for a positive rating, or a flagged one without a phone
    if not reasons:
        return None
    case = Case(rating_id=rating.id, unit_id=rating.unit_id, counter_id=rating.counter_id,
                officer_id=rating.officer_id, reasons=reasons, status="new",
                created_at=rating.submitted_at, due_on=due_on_for(rating.local_day))
    db.session.add(case)
    db.session.flush()
    detail = {"reasons": reasons}
    if rating.flag_reason is not None:
        detail["flag_reason"] = rating.flag_reason
    db.session.add(CaseEvent(case_id=case.id, at=rating.submitted_at, action="open", from_status=None,
                             to_status="new", detail=detail))
    return case


def open_case(rating: Rating) -> Case | None:
    """Open the rating's case inside its transaction, best-effort.

    A savepoint keeps a failure here from losing the citizen's rating: the rating
    commits without a case and `flask cases backfill` opens it later.
    """
    try:
        with db.session.begin_nested():
            return new_case(rating)
    except SQLAlchemyError as exc:
        log.warning("no case opened for rating %s (the backfill will): %s", rating.id, exc)
        return None


def backfill(batch: int = 500) -> int:
    """Open the missing cases of existing ratings; running it again opens none."""
    opened = 0
    last_id = 0
    while True:
        ratings = list(db.session.scalars(
            select(Rating).outerjoin(Case, Case.rating_id == Rating.id)
            # new_case decides; this only skips the flagged ratings that cannot open a case.
            .where(Case.id.is_(None), or_(Rating.flag_reason.is_(None), Rating.contact_phone.is_not(None)),
                   Rating.id > last_id)
            .order_by(Rating.id).limit(batch)))
        if not ratings:
            return opened
        for rating in ratings:
            case = new_case(rating)
            if case is not None:
                opened += 1
                audit(SYSTEM_ACTOR, "case.open", f"case:{case.id}", {"rating_id": rating.id, "backfill": True})
        db.session.commit()
        last_id = ratings[-1].id


# --- who may be given a case ----------------------------------------------------------

def assignee_choices(case: Case, by: User) -> list[User]:
    """Whom `by` may assign the case to: users who may handle it and whom `by` can see."""
    users = db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(ACTING_ROLES))
                               .order_by(User.display_name, User.username))
    return [user for user in users
            if permissions.may_handle_case(user, case) and permissions.sees_unit(by, user.unit_id)]


# --- the workflow -------------------------------------------------------------------

def _record(case: Case, by: User, action: str, before: str, detail: dict) -> None:
    now = clock.now()
    db.session.add(CaseEvent(case_id=case.id, at=now, user_id=by.id, action=action, from_status=before,
                             to_status=case.status, detail=detail))
    audit(by.actor, f"case.{action}", f"case:{case.id}", {"from": before, "to": case.status, **detail})


def assign(case: Case, by: User, assignee: User) -> None:
    if case.status not in ("new", "assigned"):
        raise IllegalTransition("only a new or assigned case can be (re)assigned")
    if assignee not in assignee_choices(case, by):
        raise IllegalTransition("this person cannot handle the case")
    before = case.status
    case.status, case.assignee_id = "assigned", assignee.id
    _record(case, by, "assign", before, {"assignee_id": assignee.id})


def answer(case: Case, by: User, text: str) -> None:
    text = (text or "").strip()
    if case.status not in ("new", "assigned"):
        raise IllegalTransition("only a new or assigned case can be answered")
    if not text:
        raise IllegalTransition("the answer is empty")
    before = case.status
    case.status, case.answer, case.answered_at = "answered", text, clock.now()
    if case.assignee_id is None:
        case.assignee_id = by.id  # whoever answered handled it
    _record(case, by, "answer", before, {"answer": text})


def close(case: Case, by: User) -> None:
    if case.status != "answered":
        raise IllegalTransition("a case is closed only once it is answered")
    case.status, case.closed_at = "closed", clock.now()
    _record(case, by, "close", "answered", {})


def reopen(case: Case, by: User) -> None:
    """Back to work: the old answer stays in the history; a new one replaces it."""
    if case.status not in ("answered", "closed"):
        raise IllegalTransition("only an answered or closed case can be reopened")
    before = case.status
    case.status = "assigned" if case.assignee_id else "new"
    case.closed_at = None
    _record(case, by, "reopen", before, {})

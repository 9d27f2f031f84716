"""Filing reports upward in a test, through the real filing rules: each unit's report
submitted by a manager of its own unit and, unless told otherwise, accepted by a
province officer of the unit above (accounts made here on first use).

The clock must already be past the period's end (`clock.running_from`)."""
from __future__ import annotations

from dashboard_helpers import PASSWORD
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import ReportVersion, Unit, User
from feedback_service.people.users import create_user
from feedback_service.reports import filing
from feedback_service.reports.periods import ReportingPeriod


def account(username: str, role: str, unit_code: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    return found or create_user(username, PASSWORD, role, Unit.by_code(unit_code))[0]


def manager_of(unit_code: str) -> User:
    """The unit's own manager: a province officer for a unit without a parent, else a unit manager."""
    unit = Unit.by_code(unit_code)
    role = "province_officer" if unit.parent_id is None else "unit_manager"
    return account(f"lanh-dao-{unit_code}", role, unit_code)


def reviewer_above(unit_code: str) -> User:
    above = Unit.by_code(unit_code).parent
    return account(f"so-noi-vu-{above.code}", "province_officer", above.code)


def file_report(unit_code: str, period: ReportingPeriod, accept: bool = True) -> ReportVersion:
    version = filing.submit(Unit.by_code(unit_code), period, manager_of(unit_code))
    if accept:
        filing.review(version, reviewer_above(unit_code), accept=True)
    return version

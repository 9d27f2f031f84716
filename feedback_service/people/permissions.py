"""Who may do what: the one home of every permission rule, asked by every audience.

The dashboard, the API, the citizen pages' operator material, the report's copies and
the mail all ask here, so a rule is changed once and `tests/pure/test_permissions.py`
shows the whole table (role × action) as one diff when it is.

A dashboard account has a role (`models.users.ROLES`) and, except an admin, a unit; it
works on that unit's subtree:
- admin: everything, everywhere;
- province_officer: acts on its subtree, submits its own unit's report, reviews the
  reports of the units below, reads the internal copy of every report in its subtree;
- unit_manager: acts on its subtree, submits its own unit's report, reads its own unit's
  internal copy, and is told of new complaint cases in its subtree;
- viewer: reads its subtree, changes nothing, reads the published copies.
An API key works on its unit's subtree; with the `reports` scope it reads the internal copy.
Whether a caller may see a unit at all is asked first (`sees_unit`, `handles_material`);
the finer rules assume it.
"""
from __future__ import annotations

from ..models import Case, IntegrationClient, Unit, User
from ..units.tree import in_subtree
from .api_clients import REPORTS_SCOPE, in_scope

ADMIN, PROVINCE_OFFICER, UNIT_MANAGER, VIEWER = "admin", "province_officer", "unit_manager", "viewer"

# Roles that may change things (answer complaints, manage counters); viewers only read.
ACTING_ROLES = (ADMIN, PROVINCE_OFFICER, UNIT_MANAGER)
# A unit's own report is filed by its own managers (an admin files any).
SUBMITTING_ROLES = (UNIT_MANAGER, PROVINCE_OFFICER, ADMIN)
# The units below are reviewed from above, never one's own.
REVIEWING_ROLES = (PROVINCE_OFFICER, ADMIN)
# Told that a unit's draft is ready and due: those who submit it, admins aside (they are
# no unit's own, and would be told of every unit's).
REPORT_MAIL_ROLES = (UNIT_MANAGER, PROVINCE_OFFICER)
# Told of a new complaint case in their subtree: the people who answer at the counters.
CASE_NOTICE_ROLES = (UNIT_MANAGER,)


def sees_everything(user: User) -> bool:
    return user.role == ADMIN


def sees_unit(user: User, unit_id: int | None) -> bool:
    """Whether `unit_id` is in the user's subtree (an admin's is the whole tree)."""
    if sees_everything(user):
        return True
    return user.unit_id is not None and unit_id is not None and in_subtree(user.unit_id, unit_id)


def may_act(user: User) -> bool:
    """Whether the user may change things in what it sees (a viewer only reads)."""
    return user.role in ACTING_ROLES


def may_manage_accounts(user: User) -> bool:
    """Whether the user creates, closes and resets dashboard accounts: admins alone."""
    return sees_everything(user)


# --- a counter's operator material (token, QR images, poster) ------------------------

def handles_material(user: User) -> bool:
    """Whether a logged-in user handles any operator material. A user who must still
    replace a temporary password handles none: the dashboard opens nothing else for them either."""
    return not user.must_change_password and (sees_everything(user) or user.unit_id is not None)


def material_root(user: User) -> int | None:
    """The root of the subtree whose material the user handles (None: every unit)."""
    return None if sees_everything(user) else user.unit_id


def may_handle_material(root_unit_id: int | None, unit_id: int) -> bool:
    """Whether an operator whose subtree is `root_unit_id`'s (None: all) handles `unit_id`'s material."""
    return root_unit_id is None or in_subtree(root_unit_id, unit_id)


# --- complaint cases --------------------------------------------------------------------

def may_handle_case(user: User, case: Case) -> bool:
    """An active user with an acting role whose subtree holds the case."""
    return user.active and may_act(user) and sees_unit(user, case.unit_id)


def told_of_case(user: User, case: Case) -> bool:
    """Whether the user is e-mailed about a new case (its address aside)."""
    return user.active and user.role in CASE_NOTICE_ROLES and sees_unit(user, case.unit_id)


# --- period reports ---------------------------------------------------------------------

def may_submit_report(user: User, unit: Unit) -> bool:
    if sees_everything(user):
        return True
    return user.role in SUBMITTING_ROLES and user.unit_id == unit.id


def may_review_report(user: User, unit: Unit) -> bool:
    if sees_everything(user):
        return True
    return (user.role in REVIEWING_ROLES and user.unit_id is not None and user.unit_id != unit.id
            and in_subtree(user.unit_id, unit.id))


def told_of_report(user: User, unit: Unit) -> bool:
    """Whether the user is e-mailed that the unit's draft is ready or due (its address aside)."""
    return user.active and user.role in REPORT_MAIL_ROLES and user.unit_id == unit.id


def reads_internal_copy(reader: object, unit: Unit) -> bool:
    """Whether `reader` (a dashboard user or an API client) reads `unit`'s internal copy
    of a report (`reports/audience.py` serves the copy)."""
    if isinstance(reader, IntegrationClient):
        return REPORTS_SCOPE in reader.scope_names and in_scope(reader, unit.id)
    if isinstance(reader, User):
        if sees_everything(reader):
            return True
        if reader.role == UNIT_MANAGER:
            return reader.unit_id == unit.id
        if reader.role == PROVINCE_OFFICER:
            return sees_unit(reader, unit.id)
    return False

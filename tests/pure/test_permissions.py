"""The permission table, role × action, as `people/permissions.py` decides it.

Every audience asks that one module, so this table is what the dashboard, the API, the
citizen pages' operator material, the report's copies and the mail all do: a change to
a rule shows here as a changed line. Each cell lists where, relative to the caller's own
unit, the action is allowed: O its own unit, B a unit below it, A the unit above it,
E a unit elsewhere (a sibling); "-" where it is not.
"""
from __future__ import annotations

import pytest

from feedback_service.models import Case, IntegrationClient, Unit, User
from feedback_service.people import api_clients, permissions
from feedback_service.people.operators import Operator

ABOVE, OWN, BELOW, ELSEWHERE = 1, 2, 3, 4
PARENT = {OWN: ABOVE, BELOW: OWN, ELSEWHERE: ABOVE}
TARGETS = {"O": OWN, "B": BELOW, "A": ABOVE, "E": ELSEWHERE}


def in_subtree(root_id: int, unit_id: int) -> bool:
    while unit_id is not None:
        if unit_id == root_id:
            return True
        unit_id = PARENT.get(unit_id)
    return False


@pytest.fixture(autouse=True)
def small_tree(monkeypatch):
    monkeypatch.setattr(permissions, "in_subtree", in_subtree)
    monkeypatch.setattr(api_clients, "in_subtree", in_subtree)


def operator_of(reader) -> Operator | None:
    """The operator a reader would be (`people.operators.current_operator`'s rule)."""
    if isinstance(reader, IntegrationClient):
        return Operator(reader.unit_id, reader)
    if permissions.handles_material(reader):
        return Operator(permissions.material_root(reader), reader)
    return None


ACTIONS = {
    "see": lambda who, unit: isinstance(who, User) and permissions.sees_unit(who, unit.id),
    "act": lambda who, unit: (isinstance(who, User) and permissions.sees_unit(who, unit.id)
                              and permissions.may_act(who)),
    "material": lambda who, unit: (operator := operator_of(who)) is not None and operator.may_handle(unit.id),
    "case": lambda who, unit: isinstance(who, User) and permissions.may_handle_case(who, Case(unit_id=unit.id)),
    "internal": lambda who, unit: permissions.reads_internal_copy(who, unit),
    "submit": lambda who, unit: isinstance(who, User) and permissions.may_submit_report(who, unit),
    "review": lambda who, unit: isinstance(who, User) and permissions.may_review_report(who, unit),
    "told-report": lambda who, unit: isinstance(who, User) and permissions.told_of_report(who, unit),
    "told-case": lambda who, unit: isinstance(who, User) and permissions.told_of_case(who, Case(unit_id=unit.id)),
    "accounts": lambda who, unit: isinstance(who, User) and permissions.may_manage_accounts(who),
}

READERS = {
    "admin": User(role="admin", unit_id=None, active=True, must_change_password=False),
    "province_officer": User(role="province_officer", unit_id=OWN, active=True, must_change_password=False),
    "unit_manager": User(role="unit_manager", unit_id=OWN, active=True, must_change_password=False),
    "viewer": User(role="viewer", unit_id=OWN, active=True, must_change_password=False),
    "unit_manager, inactive": User(role="unit_manager", unit_id=OWN, active=False, must_change_password=False),
    "unit_manager, temporary password": User(role="unit_manager", unit_id=OWN, active=True,
                                             must_change_password=True),
    "API key": IntegrationClient(unit_id=OWN, scopes=None),
    "API key, reports scope": IntegrationClient(unit_id=OWN, scopes="reports"),
}

TABLE = """\
                                  see   act   material case  internal submit review told-report told-case accounts
admin                             OBAE  OBAE  OBAE     OBAE  OBAE     OBAE   OBAE   ----        ----      OBAE
province_officer                  OB--  OB--  OB--     OB--  OB--     O---   -B--   O---        ----      ----
unit_manager                      OB--  OB--  OB--     OB--  O---     O---   ----   O---        OB--      ----
viewer                            OB--  ----  OB--     ----  ----     ----   ----   ----        ----      ----
unit_manager, inactive            OB--  OB--  OB--     ----  O---     O---   ----   ----        ----      ----
unit_manager, temporary password  OB--  OB--  ----     OB--  O---     O---   ----   O---        OB--      ----
API key                           ----  ----  OB--     ----  ----     ----   ----   ----        ----      ----
API key, reports scope            ----  ----  OB--     ----  OB--     ----   ----   ----        ----      ----
"""
WIDTHS = [34, 6, 6, 9, 6, 9, 7, 7, 12, 10, 8]


def row(cells: list[str]) -> str:
    return "".join(cell.ljust(width) for cell, width in zip(cells, WIDTHS)).rstrip()


def test_the_permission_table_is_what_every_audience_is_told():
    units = {letter: Unit(id=unit_id) for letter, unit_id in TARGETS.items()}
    lines = [row([""] + list(ACTIONS))]
    for name, reader in READERS.items():
        lines.append(row([name] + ["".join(letter if allowed(reader, unit) else "-" for letter, unit in units.items())
                                   for allowed in ACTIONS.values()]))
    assert "\n".join(lines) + "\n" == TABLE


def test_the_role_sets_are_drawn_from_the_known_roles():
    from feedback_service.models.users import ROLES

    for roles in (permissions.ACTING_ROLES, permissions.SUBMITTING_ROLES, permissions.REVIEWING_ROLES,
                  permissions.REPORT_MAIL_ROLES, permissions.CASE_NOTICE_ROLES):
        assert set(roles) <= set(ROLES)

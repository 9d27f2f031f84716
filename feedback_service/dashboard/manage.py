"""`/dashboard/units/<code>/manage`: a unit's own counters and officers, and the forms that change them.

Scoping first, role second (as for cases): a counter or officer outside the user's
subtree is 404 for everyone, and only then is a viewer's change refused with 403.
A refused change flashes why and redirects back like a done one (302), changing nothing:
the route walker in tests/web/test_dashboard_scoping.py posts bare forms and expects a redirect.
What the user typed into the refused form rides along in the session, read once by the
page, which puts it back in that form beside the reason — nobody retypes a name.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Counter, Officer, Unit
from ..people import permissions
from ..units import staff as management
from ..units.succession import records_within
from ..units.tree import subtree_ids
from . import dashboard
from .access import can_see, require_acting_role, visible_unit
from .form_input import row_id

# Lets any dashboard template ask `may_act(current_user)` (the overview's link) and
# `may_manage_accounts(current_user)` (the menu's link to the accounts).
dashboard.add_app_template_global(permissions.may_act, "may_act")
dashboard.add_app_template_global(permissions.may_manage_accounts, "may_manage_accounts")

REFILL_KEY = "manage_refill"
# The inputs' own maxlength is 200; a longer forged value is cut, not carried in the cookie.
REFILL_MAX_CHARS = 200


@dashboard.get("/units/<code>/manage")
def unit_manage(code: str):
    unit = visible_unit(code)
    counters = list(db.session.scalars(select(Counter).where(Counter.unit_id == unit.id)
                                       .order_by(Counter.active.desc(), Counter.code)))
    officers = list(db.session.scalars(select(Officer).where(Officer.unit_id == unit.id)
                                       .order_by(Officer.active.desc(), Officer.code)))
    refill = session.pop(REFILL_KEY, None)
    if not isinstance(refill, dict) or refill.get("unit") != unit.code:
        refill = None  # typed on another unit's page: not this one's to show
    return render_template("dashboard/manage.html", unit=unit, counters=counters, officers=officers,
                           acting=permissions.may_act(current_user), refill=refill,
                           reorganisations=records_within(subtree_ids(unit.id)), units_in_scope=set(subtree_ids(unit.id)))


def _visible_counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or not can_see(counter.unit):
        abort(404)
    return counter


def _visible_officer(code: str) -> Officer:
    officer = db.session.scalar(select(Officer).where(Officer.code == code))
    if officer is None or not can_see(officer.unit):
        abort(404)
    return officer


def _chosen_counter() -> Counter | None:
    """The counter picked in a form's `counter_id` (empty: none); 404 when not visible."""
    raw = request.form.get("counter_id", "").strip()
    if not raw:
        return None
    counter_id = row_id(raw)
    if counter_id is None:
        abort(404)
    return _visible_counter(counter_id)


def _apply(unit: Unit, change, form: str | None = None, fields: tuple[str, ...] = ()):
    """Run one management change; flash its outcome and go back to the unit's page.
    On a refusal, the `fields` typed into `form` (its id on the page) are kept for it."""
    code = unit.code  # read before a rollback expires the row
    try:
        change()
    except management.ManagementError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        if form:
            session[REFILL_KEY] = {
                "unit": code, "form": form, "message": str(exc.message),
                "values": {field: request.form.get(field, "")[:REFILL_MAX_CHARS] for field in fields}}
    else:
        flash(_("Đã lưu."), "ok")
    return redirect(url_for("dashboard.unit_manage", code=code))


def _wants_active() -> bool:
    """The form's explicit choice; a form without one changes nothing."""
    value = request.form.get("active")
    if value not in ("0", "1"):
        raise management.ManagementError(_("Yêu cầu không hợp lệ."))
    return value == "1"


# --- counters -------------------------------------------------------------------------

@dashboard.post("/units/<code>/manage/counters")
def counter_create(code: str):
    unit = visible_unit(code)
    require_acting_role()
    return _apply(unit, lambda: management.create_counter(
        current_user.actor, unit, request.form.get("code"), request.form.get("name")),
        form="add-counter", fields=("code", "name"))


@dashboard.post("/counters/<id:counter_id>/rename")
def counter_rename(counter_id: int):
    counter = _visible_counter(counter_id)
    require_acting_role()
    return _apply(counter.unit, lambda: management.rename_counter(
        current_user.actor, counter, request.form.get("name")),
        form=f"counter-{counter.id}-rename", fields=("name",))


@dashboard.post("/counters/<id:counter_id>/active")
def counter_active(counter_id: int):
    counter = _visible_counter(counter_id)
    require_acting_role()
    return _apply(counter.unit, lambda: management.set_counter_active(current_user.actor, counter, _wants_active()))


@dashboard.post("/counters/<id:counter_id>/rotate")
def counter_rotate(counter_id: int):
    counter = _visible_counter(counter_id)
    require_acting_role()

    def change() -> None:
        # Every printed poster dies with this; make the user say they know.
        if request.form.get("confirm") != "1":
            raise management.ManagementError(
                _("Hãy đánh dấu \"Tôi hiểu mã cũ sẽ không dùng được\" để đổi mã QR."))
        management.rotate_counter_qr(current_user.actor, counter)
    return _apply(counter.unit, change)


# --- officers -------------------------------------------------------------------------

@dashboard.post("/units/<code>/manage/officers")
def officer_create(code: str):
    unit = visible_unit(code)
    require_acting_role()
    desk = _chosen_counter()
    return _apply(unit, lambda: management.create_officer(
        current_user.actor, unit, request.form.get("code"), request.form.get("name"), desk),
        form="add-officer", fields=("code", "name", "counter_id"))


@dashboard.post("/officers/<code>/rename")
def officer_rename(code: str):
    officer = _visible_officer(code)
    require_acting_role()
    return _apply(officer.unit, lambda: management.rename_officer(
        current_user.actor, officer, request.form.get("name")),
        form=f"officer-{officer.id}-rename", fields=("name",))


@dashboard.post("/officers/<code>/active")
def officer_active(code: str):
    officer = _visible_officer(code)
    require_acting_role()
    return _apply(officer.unit, lambda: management.set_officer_active(current_user.actor, officer, _wants_active()))


@dashboard.post("/officers/<code>/assign")
def officer_assign(code: str):
    officer = _visible_officer(code)
    require_acting_role()
    desk = _chosen_counter()
    return _apply(officer.unit, lambda: management.assign_officer(current_user.actor, officer, desk),
                  form=f"officer-{officer.id}-assign", fields=("counter_id",))

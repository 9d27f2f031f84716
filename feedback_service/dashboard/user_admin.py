"""`/dashboard/users`: the system admin's accounts page — create, reset a password,
lift a lock, (de)activate, change role and unit. Every change is audited (people/users.py).

Admin only: everyone else gets 403 on every route here, whatever account the URL names.
A password is never chosen by the admin: creation and reset issue a temporary one,
shown once in the response (never stored, never flashed into the session cookie).
"""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Unit, User
from ..models.users import ROLES
from ..people import permissions
from ..people import users as accounts
from . import dashboard
from .form_input import page_number

PAGE_SIZE = 50
ROLE_LABELS = {
    "admin": _l("Quản trị hệ thống"),
    "province_officer": _l("Cán bộ cấp tỉnh (toàn tỉnh)"),
    "unit_manager": _l("Lãnh đạo đơn vị (xem và xử lý)"),
    "viewer": _l("Chỉ xem"),
}


@dashboard.before_request
def admin_only():
    if request.endpoint and request.endpoint.startswith("dashboard.user_admin") \
            and current_user.is_authenticated and not permissions.may_manage_accounts(current_user):
        abort(403)


@dashboard.get("/users")
def user_admin_list():
    return _page()


@dashboard.post("/users")
def user_admin_create():
    form = request.form
    try:
        unit = _chosen_unit(form.get("role", ""))
        user, temporary = accounts.create_user(form.get("username", ""), None, form.get("role", ""), unit,
                                               actor=current_user.actor, display_name=form.get("display_name", ""),
                                               email=form.get("email", ""))
    except accounts.AccountError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _page(refill=form, status=422)
    return _page(issued=(user, temporary))


@dashboard.post("/users/<id:user_id>/password")
def user_admin_reset(user_id: int):
    user = _account(user_id)
    temporary = accounts.reset_password(user, None, actor=current_user.actor)
    return _page(issued=(user, temporary))


@dashboard.post("/users/<id:user_id>/active")
def user_admin_active(user_id: int):
    user = _account(user_id)
    wanted = request.form.get("active")
    return _apply(lambda: accounts.set_active(user, wanted == "1", current_user.actor)
                  if wanted in ("0", "1") else _refuse())


@dashboard.post("/users/<id:user_id>/unlock")
def user_admin_unlock(user_id: int):
    user = _account(user_id)
    return _apply(lambda: accounts.unlock(user, current_user.actor))


@dashboard.post("/users/<id:user_id>/role")
def user_admin_role(user_id: int):
    user = _account(user_id)
    role = request.form.get("role", "")
    return _apply(lambda: accounts.change_role(user, role, _chosen_unit(role), current_user.actor))


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _chosen_unit(role: str) -> Unit | None:
    """The unit typed by code; an admin needs none (and gets none)."""
    code = request.form.get("unit", "").strip()
    if role == "admin" or not code:
        return None  # a role that needs a unit is refused by people/users.py, with its reason
    unit = Unit.by_code(code)
    if unit is None:
        raise accounts.AccountError(_("Không có đơn vị mã %(code)s.", code=code))
    return unit


def _refuse() -> None:
    raise accounts.AccountError(_("Yêu cầu không hợp lệ."))


def _apply(change):
    try:
        change()
    except accounts.AccountError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        flash(_("Đã lưu."), "ok")
    return redirect(url_for("dashboard.user_admin_list", q=request.args.get("q") or None))


def _page(issued: tuple[User, str] | None = None, refill=None, status: int = 200):
    search = request.args.get("q", "").strip()
    page = page_number(request.args.get("page"))
    query = select(User).outerjoin(Unit, User.unit_id == Unit.id)
    if search:
        pattern = f"%{search}%"
        query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern),
                                Unit.code == search, Unit.name.ilike(pattern)))
    rows = list(db.session.scalars(query.order_by(Unit.code.is_not(None), Unit.code, User.username)
                                   .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    response = make_response(render_template(
        "dashboard/users.html", users=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page, search=search,
        roles=ROLES, role_labels=ROLE_LABELS, issued=issued, refill=refill or {}, is_locked=accounts.is_locked), status)
    if issued:
        # The temporary password is in this page only: no cache may keep it.
        response.headers["Cache-Control"] = "no-store"
    return response

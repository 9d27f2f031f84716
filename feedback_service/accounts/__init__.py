"""Login and logout for the dashboard (`/login`, `/logout`). Public by design: the
login form is the way in; it is rate limited and locks an account after repeated failures."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..abuse import client_address
from ..extensions import db, limiter, login_manager
from ..models import User
from ..users import authenticate

accounts = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A password reset bumps the version: older sessions stop here.
    return user if user is not None and str(user.session_version) == version else None


@accounts.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: "20 per minute", key_func=client_address, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    error = None
    if request.method == "POST":
        user, reason = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = (_("Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau.")
                 if reason == "locked" else _("Sai tên đăng nhập hoặc mật khẩu."))
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error,
                           username=request.form.get("username", "")), status


@accounts.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Đã đăng xuất."))
    return redirect(url_for("accounts.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a crafted ?next= must not send a user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.home")

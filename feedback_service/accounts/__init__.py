"""Login, logout and one's own password (`/login`, `/logout`, `/account/password`).

The login form is public by design (it is the way in); it is rate limited and locks an
account after repeated failures. A user holding a temporary password is sent to
`/account/password` first, and the dashboard refuses every page until it is changed.
A logout ends the user's sessions on the server (`users.log_out`), not only in the browser.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from ..models import User
from ..people.users import AccountError, authenticate, change_own_password, log_out
from ..ratings.abuse import client_address

accounts = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A password change or reset, a logout, a role change or closing the account bumps the
    # version: older sessions (and copies of their cookie) stop here.
    return user if user is not None and str(user.session_version) == version else None


@accounts.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: "20 per minute", key_func=client_address, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    error = None
    if request.method == "POST":
        user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            if user.must_change_password:
                return redirect(url_for("accounts.change_password", next=request.args.get("next")))
            return redirect(_safe_next(request.args.get("next")))
        # One answer for a wrong, unknown or locked account: it must not tell which usernames exist.
        error = _("Sai tên đăng nhập hoặc mật khẩu. Sau %(n)s lần sai liên tiếp, tài khoản bị tạm khoá "
                  "%(minutes)s phút.", n=current_app.config["LOGIN_MAX_FAILURES"],
                  minutes=max(1, round(current_app.config["LOGIN_LOCK_SECONDS"] / 60)))
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error,
                           username=request.form.get("username", "")), status


@accounts.post("/logout")
@login_required
def logout():
    log_out(current_user._get_current_object())
    logout_user()
    flash(_("Đã đăng xuất."))
    return redirect(url_for("accounts.login"))


@accounts.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: "20 per minute", key_func=client_address, methods=["POST"])
def change_password():
    error = None
    if request.method == "POST":
        try:
            change_own_password(current_user, request.form.get("current_password", ""),
                                request.form.get("new_password", ""), request.form.get("confirm_password", ""))
        except AccountError as exc:
            db.session.rollback()
            error = exc.message
        else:
            # The change ended every session of the user, this one too: start a fresh one.
            login_user(current_user._get_current_object())
            flash(_("Đã đổi mật khẩu."), "ok")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/password.html", error=error,
                           forced=current_user.must_change_password), 422 if error else 200


# Removed from anywhere in a URL by browsers, before anything else is read.
_BROWSER_DROPS = dict.fromkeys(map(ord, "\t\n\r"))
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_CONTROLS = frozenset(map(chr, [*range(0x20), 0x7F]))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a crafted ?next= must not send a user elsewhere.

    Judged as a browser would read it (WHATWG URL parsing): tabs and newlines anywhere are
    dropped, leading and trailing spaces and C0 controls stripped, backslashes taken for
    slashes — so `/%09/evil.example` is `//evil.example`, another site. What is left must be
    a path with a single leading slash and no control character (which also keeps CR/LF
    out of the Location header).
    """
    path = (target or "").translate(_BROWSER_DROPS).strip(_C0_AND_SPACE).replace("\\", "/")
    if path.startswith("/") and not path.startswith("//") and not any(ch in _CONTROLS for ch in path):
        return path
    return url_for("dashboard.home")

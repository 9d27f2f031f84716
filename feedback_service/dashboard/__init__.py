"""The dashboard (`/dashboard/…`) for commune chairs, centre directors and the province.

Login required before every route (`require_login`), and every route that names a
unit checks it against the user's subtree through `access.visible_unit` — the
server enforces scoping, whatever URL is typed.
"""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

dashboard = Blueprint("dashboard", __name__)


@dashboard.before_request
def require_login():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path))
    return None


from . import cases, manage, overview  # noqa: E402,F401  (routes register on import)

"""The dashboard (`/dashboard/…`) for commune chairs, centre directors and the province.

Login required before every route (`require_login`), and every route that names a
unit checks it against the user's subtree through `access.visible_unit` — the
server enforces scoping, whatever URL is typed (the rules: `people/permissions.py`).

Pages: `overview.py` (landing, a unit's period, counters, officers), `cases.py` (the
complaint inbox), `reports.py` (a unit's period report), `report_board.py` (the
province's board), `report_exports.py` (report files), `exports.py` (CSV of cases and
officers), `manage.py` (a unit's counters and officers), `user_admin.py` (accounts).
Helpers: `access.py`, `queries.py`, `charts.py`, `periods.py`, `labels.py`, `form_input.py`.
"""
from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from .. import clock
from ..validation import refuse_nul_characters
from .labels import ACTION_LABELS, REASON_LABELS, STATUS_LABELS, label

dashboard = Blueprint("dashboard", __name__)


@dashboard.app_template_filter("local_time")
def local_time(moment) -> str:
    """A stored (UTC) time as the local clock reads it: dd/mm/yyyy HH:MM."""
    return clock.local_time(moment).strftime("%d/%m/%Y %H:%M")


@dashboard.app_template_filter("local_date")
def local_date(day: str | None) -> str:
    """An ISO day (as the summaries carry it) as dd/mm/yyyy; no day reads as a dash."""
    return date.fromisoformat(day).strftime("%d/%m/%Y") if day else "–"


@dashboard.app_template_global("case_label")
def case_label(kind: str, code: str) -> str:
    return label({"status": STATUS_LABELS, "reason": REASON_LABELS, "action": ACTION_LABELS}[kind], code)


# Before the login check: an odd URL is refused as it is, not carried into ?next=.
dashboard.before_request(refuse_nul_characters)


@dashboard.before_request
def require_login():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path))
    if current_user.must_change_password:
        # A temporary password opens one page only: the one that replaces it.
        return redirect(url_for("accounts.change_password", next=request.full_path))
    return None


from . import cases, exports, manage, overview, poster_sheets, report_board, report_exports, reports, user_admin  # noqa: E402,F401  (routes register on import)

"""Report exports from the dashboard: ask for a file, watch it being built, download it.

`POST /dashboard/units/<code>/report-exports` (fields `period`, `format`) queues the
build (`reports.files.export_runs`), or finds the same export already queued, running or
built and still current, and sends the user to the export's page, which refreshes
itself every 2 seconds with a meta refresh (the CSP allows no inline script) until the
file is ready, then shows the download link and when it expires. Scoped like every
page: an export of a unit outside the user's subtree is a 404, and so is an export of
the internal copy for a user who reads the published one (`reports.audience`). The file
holds the copy the user reads. The report page adds the buttons with
`dashboard/_report_export_buttons.html`.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import ReportExport
from ..reports.files import export_runs, exports
from ..reports.audience import copy_for, may_read_export
from ..reports.files.export_runs import QueueUnavailable, TooManyQueued
from ..reports.periods import PeriodInvalid, parse_period
from . import dashboard
from .access import can_see, visible_unit

REFRESH_SECONDS = 2


@dashboard.post("/units/<code>/report-exports")
def report_export_create(code: str):
    unit = visible_unit(code)
    fmt = request.form.get("format", "")
    try:
        period = parse_period(request.form.get("period", ""))
    except PeriodInvalid:
        period = None
    if period is None or fmt not in exports.FORMATS:
        return _refused(unit, _("Không xuất được báo cáo: kỳ báo cáo hoặc định dạng tệp không hợp lệ."))
    try:
        row = export_runs.request_export(unit, period, None, fmt, audience=copy_for(_me(), unit),
                                         user_id=current_user.id)
    except QueueUnavailable:
        return _refused(unit, _("Hệ thống xử lý nền tạm thời không hoạt động nên chưa xuất được tệp. Vui lòng thử "
                                "lại sau ít phút."))
    except TooManyQueued as refused:
        return _refused(unit, _("Ông/Bà đang có %(count)s tệp báo cáo chờ xuất hoặc đang xuất. Vui lòng chờ một tệp "
                                "xuất xong rồi yêu cầu thêm.", count=refused.limit))
    return redirect(url_for("dashboard.report_export_page", export_id=row.id))


def _refused(unit, message: str):
    flash(message, "error")
    return redirect(url_for("dashboard.unit_overview", code=unit.code))


@dashboard.get("/report-exports/<export_id>")
def report_export_page(export_id: str):
    row = export_runs.settle(_visible_export(export_id))
    running = row.status in ("queued", "running")
    return render_template("dashboard/report_export.html", export=row, running=running,
                           refresh=REFRESH_SECONDS if running else None, expired=export_runs.expired(row),
                           ready=export_runs.file_of(row) is not None, name=export_runs.download_name(row),
                           percent=_percent(row))


@dashboard.get("/report-exports/<export_id>/download")
def report_export_download(export_id: str):
    row = _visible_export(export_id)
    path = export_runs.file_of(row)
    if path is None:
        status = 410 if export_runs.expired(row) else 409
        return render_template("dashboard/report_export.html", export=row, running=False, refresh=None,
                               expired=export_runs.expired(row), ready=False, name=export_runs.download_name(row),
                               percent=_percent(row)), status
    response = send_file(path, mimetype=exports.FORMATS[row.format], as_attachment=True,
                         download_name=export_runs.download_name(row))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _visible_export(export_id: str) -> ReportExport:
    row = db.session.get(ReportExport, export_id) if export_id.isascii() and export_id.isalnum() else None
    if row is None or not can_see(row.unit) or not may_read_export(_me(), row):
        abort(404)
    return row


def _me():
    return current_user._get_current_object()


def _percent(row: ReportExport) -> int | None:
    if not row.rows:
        return None
    return min(100, int(100 * row.progress / row.rows))


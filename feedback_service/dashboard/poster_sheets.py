"""Every counter poster of a unit's subtree as one PDF, from the unit's counters page.

`POST /dashboard/units/<code>/posters` (field `layout`: `1up` or `4up`) queues the PDF
(`ratings.poster_runs`), or finds the same one already queued, running, or built and still
current, and sends the user to its page, which refreshes itself (a meta refresh, as the
report exports' page) until the file is ready, then shows the download link. A user with
POSTER_SHEETS_PER_REQUESTER PDFs queued or running is sent back with a Vietnamese
message. Scoped like every page: a unit or PDF outside the user's subtree is a 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..background_files import QueueUnavailable, TooManyQueued, expired, file_of, settle
from ..extensions import db
from ..models import PosterSheet
from ..ratings import poster_runs, poster_sheets
from . import dashboard
from .access import can_see, visible_unit
from .report_exports import REFRESH_SECONDS, _percent


@dashboard.post("/units/<code>/posters")
def poster_sheet_create(code: str):
    unit = visible_unit(code)
    layout = request.form.get("layout", "1up")
    if layout not in poster_sheets.LAYOUTS:
        layout = "1up"
    try:
        row = poster_runs.request_sheet(unit, layout, user_id=current_user.id)
    except QueueUnavailable:
        return _refused(unit, _("Hệ thống xử lý nền tạm thời không hoạt động nên chưa tạo được tệp. Vui lòng thử lại "
                                "sau ít phút."))
    except TooManyQueued as refused:
        return _refused(unit, _("Ông/Bà đang có %(count)s tệp mã QR chờ tạo hoặc đang tạo. Vui lòng chờ một tệp tạo "
                                "xong rồi yêu cầu thêm.", count=refused.limit))
    return redirect(url_for("dashboard.poster_sheet_page", sheet_id=row.id))


def _refused(unit, message: str):
    flash(message, "error")
    return redirect(url_for("dashboard.unit_manage", code=unit.code))


def _page(row: PosterSheet, status: int = 200):
    running = row.status in ("queued", "running")
    return render_template("dashboard/poster_sheet.html", sheet=row, running=running,
                           refresh=REFRESH_SECONDS if running else None, expired=expired(row),
                           ready=file_of(row) is not None, name=poster_runs.download_name(row),
                           percent=_percent(row)), status


@dashboard.get("/poster-sheets/<sheet_id>")
def poster_sheet_page(sheet_id: str):
    return _page(settle(_visible_sheet(sheet_id)))


@dashboard.get("/poster-sheets/<sheet_id>/download")
def poster_sheet_download(sheet_id: str):
    row = _visible_sheet(sheet_id)
    path = file_of(row)
    if path is None:
        return _page(row, 410 if expired(row) else 409)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=poster_runs.download_name(row))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _visible_sheet(sheet_id: str) -> PosterSheet:
    row = db.session.get(PosterSheet, sheet_id) if sheet_id.isascii() and sheet_id.isalnum() else None
    if row is None or not can_see(row.unit):
        abort(404)
    return row

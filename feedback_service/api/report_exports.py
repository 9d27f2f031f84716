"""Report exports over the API: `/units/<code>/report.xlsx|.csv`, and the polls of the
exports too large to build in the request (`/report-exports/<id>`).

Same callers as the JSON report (`report_scope`: an API key or a dashboard login whose
subtree holds the unit). An export resting on at most REPORT_EXPORT_INLINE_MAX ratings
is answered at once; a larger one is queued and answered `202` with where to poll.
The file holds the copy the caller reads (`reports.audience`; `?audience=public` asks
for the published one), and that copy is part of what the export is: an export of the
internal copy is polled and downloaded only by a reader of the internal copy whose
subtree holds its unit; for anyone else it does not exist (404, as an unknown id). The
same export asked again is answered with the same one (the same `Location`) while it is
queued, running, or built and still current; a caller with REPORT_EXPORTS_PER_REQUESTER
exports queued or running is answered 429 with `Retry-After`.
"""
from __future__ import annotations

from flask import jsonify, send_file, url_for

from .. import clock
from ..errors import ApiError
from ..extensions import db
from ..models import ReportExport
from ..people.operators import UnknownKey, current_operator
from ..reports.files import export_runs, exports
from ..reports.audience import may_read_export
from ..reports.files.export_runs import QueueUnavailable, TooManyQueued
from . import api
from .queued_files import queued, requester, too_many
from .reports import report_scope


@api.get("/units/<code>/report.xlsx")
def unit_report_xlsx(code: str):
    return _export(code, "xlsx")


@api.get("/units/<code>/report.csv")
def unit_report_csv(code: str):
    return _export(code, "csv")


def _export(code: str, fmt: str):
    unit, period, version, audience = report_scope(code)
    try:
        if not export_runs.is_large(fmt, unit, period, audience):
            target = export_runs.build_now(unit, period, version, fmt, audience)
            response = send_file(target, mimetype=exports.FORMATS[fmt], as_attachment=True,
                                 download_name=exports.filename(unit.code, period, version, fmt))
            response.headers["Cache-Control"] = "private, no-store"
            return response
        row = export_runs.request_export(unit, period, version, fmt, audience=audience, **requester())
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    except QueueUnavailable:
        raise ApiError(503, "the export is too large to build now and the job queue is unavailable; "
                            "try again in a minute", code="unavailable") from None
    except TooManyQueued as refused:
        return too_many(f"this caller already has {refused.limit} exports queued or running; ask again when one is "
                        "done", code="too_many_exports")
    return queued(_state(row), url_for("api.report_export_state", export_id=row.id))


@api.get("/report-exports/<export_id>")
def report_export_state(export_id: str):
    row = export_runs.settle(_visible_export(export_id))
    response = jsonify(_state(row))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api.get("/report-exports/<export_id>/download")
def report_export_download(export_id: str):
    row = _visible_export(export_id)
    if export_runs.expired(row):
        raise ApiError(410, "this export's download link has expired; ask for the export again", code="gone")
    path = export_runs.file_of(row)
    if path is None:
        raise ApiError(409, f"the export is not ready (status {row.status})", code="not_ready")
    response = send_file(path, mimetype=exports.FORMATS[row.format], as_attachment=True,
                         download_name=export_runs.download_name(row))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _caller():
    try:
        operator = current_operator()
    except UnknownKey:
        raise ApiError(401, "unknown or revoked API key", code="unauthorized") from None
    if operator is None:
        raise ApiError(401, "report exports need an API key ('Authorization: Bearer <key>') or a dashboard login",
                       code="unauthorized")
    return operator


def _visible_export(export_id: str) -> ReportExport:
    operator = _caller()
    row = db.session.get(ReportExport, export_id) if export_id.isascii() and export_id.isalnum() else None
    if row is None or not operator.may_handle(row.unit_id) or not may_read_export(operator.reader, row):
        raise ApiError(404, "no such export")
    return row


def _state(row: ReportExport) -> dict:
    done = export_runs.file_of(row) is not None
    return {
        "id": row.id,
        "unit_code": row.unit.code,
        "period": row.period,
        "version": row.version,
        "format": row.format,
        "status": "expired" if row.status == "done" and export_runs.expired(row) else row.status,
        "progress": {"rows_written": row.progress, "rows_total": row.rows},
        "created_at": _iso(row.created_at),
        "finished_at": _iso(row.finished_at),
        "expires_at": _iso(row.expires_at),
        "error": row.error,
        "poll_url": url_for("api.report_export_state", export_id=row.id),
        "download_url": url_for("api.report_export_download", export_id=row.id) if done else None,
    }


def _iso(moment) -> str | None:
    return clock.as_utc(moment).isoformat(timespec="seconds") if moment is not None else None

"""Printable QR material over the API: every counter poster of a subtree as one PDF
(`/units/<code>/posters.pdf`, polled at `/poster-sheets/<id>` when built by a job), and a
sheet of dossier QR labels (`/units/<code>/dossier-labels.pdf?codes=…`).

Operators' material, as a single poster: an API key or a dashboard login whose subtree
holds the unit (`people.operators`). Anonymous is 401, a unit outside the caller's
subtree 403. A subtree of at most POSTER_INLINE_MAX active counters is answered at once;
a larger one is queued and answered `202` with where to poll, as the report exports are:
asked again, the same PDF (the same `Location`) while it is queued, running, or built and
still current; a caller with POSTER_SHEETS_PER_REQUESTER PDFs queued or running is
answered 429 with `Retry-After`.
Label codes are looked up within the unit's subtree only: a code there is none of is
named in a 422, whether it exists elsewhere or not, so nothing of another unit shows.
"""
from __future__ import annotations

import tempfile

from flask import current_app, jsonify, request, send_file, url_for
from sqlalchemy import select

from .. import clock
from ..background_files import QueueUnavailable, TooManyQueued, expired, file_of, settle
from ..dossiers.tokens import dossier_url
from ..errors import ApiError, api_error_response
from ..extensions import db
from ..models import Dossier, PosterSheet, Unit
from ..people.operators import Operator, UnknownKey, current_operator
from ..ratings import poster_runs, poster_sheets
from ..units.tree import subtree_ids
from . import api
from .queued_files import queued, requester, too_many

PDF = "application/pdf"
# A receipt code is at most 60 characters (`Dossier.code`).
CODE_MAX_CHARS = 60


def _operator() -> Operator:
    try:
        operator = current_operator()
    except UnknownKey:
        raise ApiError(401, "unknown or revoked API key", code="unauthorized") from None
    if operator is None:
        raise ApiError(401, "printable QR material needs an API key ('Authorization: Bearer <key>') "
                            "or a dashboard login", code="unauthorized")
    return operator


def _handled_unit(code: str) -> Unit:
    operator = _operator()
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")
    if not operator.may_handle(unit.id):
        raise ApiError(403, "this unit is outside the caller's units", code="forbidden")
    return unit


def _pdf(target, name: str):
    response = send_file(target, mimetype=PDF, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api.get("/units/<code>/posters.pdf")
def unit_posters_pdf(code: str):
    unit = _handled_unit(code)
    layout = request.args.get("layout", "1up")
    if layout not in poster_sheets.LAYOUTS:
        raise ApiError(422, f"layout must be one of {', '.join(poster_sheets.LAYOUTS)}", code="invalid",
                       details=[{"field": "layout", "code": "invalid_choice", "message": f"unknown layout {layout[:20]!r}"}])
    if not poster_runs.is_large(unit):
        return _pdf(poster_runs.build_now(unit, layout), poster_runs.filename(unit, layout))
    try:
        row = poster_runs.request_sheet(unit, layout, **requester())
    except QueueUnavailable:
        raise ApiError(503, "the PDF is too large to draw now and the job queue is unavailable; "
                            "try again in a minute", code="unavailable") from None
    except TooManyQueued as refused:
        return too_many(f"this caller already has {refused.limit} poster PDFs queued or running; ask again when "
                        "one is done", code="too_many_poster_sheets")
    return queued(sheet_state(row), url_for("api.poster_sheet_state", sheet_id=row.id))


def _visible_sheet(sheet_id: str) -> PosterSheet:
    operator = _operator()
    row = db.session.get(PosterSheet, sheet_id) if sheet_id.isascii() and sheet_id.isalnum() else None
    if row is None or not operator.may_handle(row.unit_id):
        raise ApiError(404, "no such poster PDF")
    return row


@api.get("/poster-sheets/<sheet_id>")
def poster_sheet_state(sheet_id: str):
    response = jsonify(sheet_state(settle(_visible_sheet(sheet_id))))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api.get("/poster-sheets/<sheet_id>/download")
def poster_sheet_download(sheet_id: str):
    row = _visible_sheet(sheet_id)
    if expired(row):
        raise ApiError(410, "this PDF's download link has expired; ask for it again", code="gone")
    path = file_of(row)
    if path is None:
        raise ApiError(409, f"the PDF is not ready (status {row.status})", code="not_ready")
    return _pdf(path, poster_runs.download_name(row))


def sheet_state(row: PosterSheet) -> dict:
    done = file_of(row) is not None
    return {
        "id": row.id,
        "unit_code": row.unit.code,
        "layout": row.layout,
        "status": "expired" if row.status == "done" and expired(row) else row.status,
        "progress": {"posters_drawn": row.progress, "posters_total": row.rows},
        "created_at": _iso(row.created_at),
        "finished_at": _iso(row.finished_at),
        "expires_at": _iso(row.expires_at),
        "error": row.error,
        "poll_url": url_for("api.poster_sheet_state", sheet_id=row.id),
        "download_url": url_for("api.poster_sheet_download", sheet_id=row.id) if done else None,
    }


def _iso(moment) -> str | None:
    return clock.as_utc(moment).isoformat(timespec="seconds") if moment is not None else None


@api.get("/units/<code>/dossier-labels.pdf")
def unit_dossier_labels_pdf(code: str):
    unit = _handled_unit(code)
    codes = _label_codes()
    found = {dossier.code: dossier for dossier in db.session.scalars(select(Dossier).where(
        Dossier.unit_id.in_(subtree_ids(unit.id)), Dossier.code.in_(codes)).order_by(Dossier.id))}
    unknown = [each for each in codes if each not in found]
    if unknown:
        raise ApiError(422, f"no dossier in this unit's subtree with code {', '.join(unknown[:20])}",
                       code="invalid", details=[{"field": "codes", "code": "unknown_dossier", "message": f"unknown code {each!r}"}
                                                for each in unknown])
    target = tempfile.TemporaryFile()
    poster_sheets.write_labels(target, [poster_sheets.LabelFace(each, dossier_url(found[each])) for each in codes],
                               unit.name)
    target.seek(0)
    return _pdf(target, f"nhan-ho-so-{unit.code}.pdf")


def _label_codes() -> list[str]:
    """The `codes` asked for (comma-separated, or the parameter repeated), in order, each once."""
    raw = [part.strip() for value in request.args.getlist("codes") for part in value.split(",")]
    codes = list(dict.fromkeys(part for part in raw if part))
    limit = int(current_app.config["DOSSIER_LABELS_MAX"])
    if not codes:
        raise ApiError(422, "codes is required: the dossiers' receipt codes, comma-separated", code="invalid",
                       details=[{"field": "codes", "code": "required", "message": "required"}])
    if len(codes) > limit:
        raise ApiError(422, f"at most {limit} codes in one sheet", code="invalid",
                       details=[{"field": "codes", "code": "too_many", "message": f"{len(codes)} codes, at most {limit}"}])
    too_long = [each[:CODE_MAX_CHARS] + "…" for each in codes if len(each) > CODE_MAX_CHARS]
    if too_long:
        raise ApiError(422, "a receipt code has at most 60 characters", code="invalid",
                       details=[{"field": "codes", "code": "too_long", "message": f"too long: {each!r}"} for each in too_long[:20]])
    return codes


@api.errorhandler(poster_sheets.FontMissing)
def _font_missing(exc: poster_sheets.FontMissing):
    # The host lacks the font that draws Vietnamese (make run installs it): say so, not a bare 500.
    return api_error_response(503, "the server cannot draw PDFs now: its Vietnamese font is not installed; "
                                   "tell the operator (fonts-dejavu-core)", code="unavailable")

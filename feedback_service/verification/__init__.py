"""Checking a report anyone holds (`/reports/verify`): public, no login.

A report's JSON travels beyond the service (to the province, an inspector, a
newspaper); whoever holds it can paste or upload it here and learn whether its
content still hashes to its `sha256` (`reports/integrity.py`), and, when this service
stored that very version, where it stands now (submitted, accepted or returned): the
status a file carries is outside the hash, so a returned report cannot pass as accepted.
The page shows no figure of its own: it only tells about the file it is given. The
digest is computed before anything is looked up and compared in constant time, so the
time an answer takes says nothing about what is stored.

Its own small blueprint, not the citizen one: citizens post with a signed token and
that blueprint is CSRF-exempt as a whole, while this is a plain form that needs a CSRF
token; and its error pages speak of QR codes. A report is larger than the app-wide
body limit (MAX_CONTENT_LENGTH, sized for ratings), so this one route raises it to
REPORT_VERIFY_MAX_BYTES and checks the CSRF token itself, after raising it.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import csrf, db, limiter
from ..models import ReportVersion, Unit
from ..ratings.abuse import client_address
from ..reports import integrity

verify = Blueprint("verify", __name__)
STORED_STATUS = {"submitted": _l("đã nộp, đang chờ cấp trên xem xét"),
                 "accepted": _l("đã được cấp trên tiếp nhận"),
                 "returned": _l("bị cấp trên trả lại, không được tiếp nhận")}


@verify.app_template_global("stored_status")
def stored_status(code: str) -> str:
    return str(STORED_STATUS.get(code, code))


@verify.route("/reports/verify", methods=["GET", "POST"])
@csrf.exempt  # checked below, once the body limit is raised for this route
@limiter.limit(lambda: "30 per minute", key_func=client_address, methods=["POST"])
def verify_report():
    limit = int(current_app.config["REPORT_VERIFY_MAX_BYTES"])
    if request.method == "GET":
        return render_template("verify/report.html", limit=limit, outcome=None)
    # Flask 3.1: this request may carry more than the app-wide limit; a bigger one is a 413.
    # The form's own fields and multipart framing on top; the parser buffers whole chunks,
    # so the text part's limit is the body's, and `examine` holds the document to `limit`.
    request.max_content_length = request.max_form_memory_size = limit + 64 * 1024
    csrf.protect()
    text = _uploaded_text(limit)
    if text is None:
        text = request.form.get("document", "")
    outcome = examine(text, limit)
    return render_template("verify/report.html", limit=limit, outcome=outcome), 200 if outcome["ok"] else 422


def _uploaded_text(limit: int) -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(limit + 1)


def examine(text: str | bytes, limit: int) -> dict:
    """What the page says about a text: {ok, verdict, detail, stored}."""
    if not text or not text.strip():
        return {"ok": False, "verdict": "empty", "detail": _("Chưa có nội dung để kiểm tra."), "stored": None}
    if len(text) > limit:
        return {"ok": False, "verdict": "too_large",
                "detail": _("Tệp dài quá %(n)s byte.", n=limit), "stored": None}
    try:
        document = integrity.load_snapshot(text)
        actual = integrity.digest(document)
    except integrity.NotASnapshot as exc:
        return {"ok": False, "verdict": "not_a_report", "detail": str(exc), "stored": None}
    except (ValueError, TypeError, RecursionError):
        # NaN, nesting too deep to read, keys that are not text: not something the service ever wrote.
        return {"ok": False, "verdict": "not_a_report", "detail": _("Nội dung không phải một bản báo cáo đã nộp."),
                "stored": None}
    problem = integrity.check(document, actual)
    stored = stored_match(document, actual)
    if problem:
        return {"ok": False, "verdict": "altered", "detail": problem, "stored": stored, "document": document}
    return {"ok": True, "verdict": "intact", "detail": None, "stored": stored, "document": document}


def stored_match(document: dict, actual: str) -> dict | None:
    """{matches: True, status} when this service holds exactly this version (`actual` is
    the document's digest, computed before this lookup), else None.

    Public: a mismatch and an unknown version read alike, and the stored hash is never
    shown, so a made-up file naming a unit cannot learn whether or what it submitted;
    the status is told only to whoever holds the exact submitted content."""
    unit, period, version = document.get("unit"), document.get("period"), document.get("version")
    code = unit.get("code") if isinstance(unit, dict) else None
    label = period.get("label") if isinstance(period, dict) else None
    if not (isinstance(code, str) and isinstance(label, str) and type(version) is int and 1 <= version <= 2**31 - 1):
        return None
    row = db.session.scalar(select(ReportVersion).join(Unit, Unit.id == ReportVersion.unit_id).where(
        Unit.code == code[:64], ReportVersion.period == label[:24], ReportVersion.version == version))
    if row is None or not integrity.same_digest(row.sha256, actual):
        return None
    return {"matches": True, "status": row.status}

"""A unit's period report (`/dashboard/units/<code>/reports/<period>`): every section of
the document, its versions, and the forms that file it upward — submit ("Nộp báo cáo")
for the unit's own manager, accept / return for the province above it.

The period is part of the path and an official one carries a slash
(`2026-Q3/official`), hence `<path:period>`. Scope first: a unit outside the user's
subtree is a 404 on every URL here, before the period is even read; only then does a
role that may not act get a 403. What filing itself refuses (too early, already
accepted, a return without a reason) comes back as its Vietnamese message.
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock
from ..extensions import db
from ..i18n import pick
from ..models import ReportVersion, User
from ..people import permissions
from ..ratings.instrument import current_instrument
from ..reports import filing, method_text
from ..reports.files import tthc_form
from ..reports.audience import INTERNAL, AudienceRefused, copy_for, served_copy
from ..reports.publishing import page_copy
from ..reports.periods import PeriodInvalid, ReportingPeriod, parse_period
from ..summaries import disclosure
from . import dashboard
from .access import visible_unit
from .form_input import row_id
from .user_admin import ROLE_LABELS

REPORT_STATUS_LABELS = {
    "draft": _l("Bản nháp"),
    "submitted": _l("Đã nộp"),
    "accepted": _l("Đã tiếp nhận"),
    "returned": _l("Bị trả lại"),
    "not_reported": _l("Chưa báo cáo"),
}
CHANNEL_LABELS = {
    "counter_qr": _l("Mã QR tại quầy"),
    "dossier_qr": _l("Mã QR trên giấy hẹn"),
    "kiosk": _l("Máy tại quầy"),
    "api": _l("Hệ thống khác (API)"),
    # Folded before channels were counted, until `flask summaries rebuild` (reports/satisfaction.py).
    "unknown": _l("Chưa rõ kênh (cần tính lại tổng hợp)"),
}
FLAG_LABELS = {
    "cooldown": _l("Lặp lại trong thời gian chờ"),
    "honeypot": _l("Máy tự động điền"),
    "over_allowance": _l("Vượt mức cho phép của quầy"),
    "over_own_allowance": _l("Vượt mức cho phép của một địa chỉ mạng"),
}
# A version number in ?version= or a form: a small positive integer (row_id's strict digits).
VERSION_MAX = 999_999


@dashboard.app_template_global("role_label")
def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role, role or "–"))


@dashboard.app_template_global("person")
def person(user: User | None, internal: bool) -> str:
    """Who submitted or reviewed, as the copy shown names them: by name in the internal
    copy, by role in the published one (`reports.publishing`)."""
    if user is None:
        return "–"
    return (user.display_name or user.username) if internal else role_label(user.role)


@dashboard.app_template_global("report_status")
def report_status(code: str) -> str:
    return str(REPORT_STATUS_LABELS.get(code, code))


@dashboard.app_template_filter("plain_number")
def plain_number(value: float | int | str | None, suffix: str = "") -> str:
    """A count or a dossier %: "–" when there is none, or when the small-cell rule withholds
    it (a QĐ 766 figure resting on 1–4 ratings of dossiers reads "<5" in the copy)."""
    if value is None or disclosure.is_withheld(value):
        return "–"
    return f"{format_decimal(value, format='#,##0.##')}{suffix}"


@dashboard.app_template_filter("iso_local_time")
def iso_local_time(text: str | None) -> str:
    """An ISO moment from a snapshot (UTC) as the local clock reads it."""
    if not text:
        return "–"
    try:
        return clock.local_time(datetime.fromisoformat(text)).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return str(text)


def reporting_period(label: str | None, status: int = 404) -> ReportingPeriod:
    """The period a URL names; anything else ends in a page that shows the accepted forms."""
    try:
        return parse_period(label)
    except PeriodInvalid as exc:
        page = render_template("dashboard/report_period_invalid.html", reason=str(exc), status=status)
        abort(make_response(page, status))


def _me() -> User:
    return current_user._get_current_object()


def period_choices(period: ReportingPeriod, endpoint: str, **args) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The picker: every calendar and official period of the shown period's year, and
    the neighbouring years, as (group, [(text, url, current)])."""
    year = int(period.label[:4])
    short = [(f"{m:02d}", _("T%(m)s", m=m)) for m in range(1, 13)]
    short += [(f"Q{q}", _("Quý %(q)s", q=("I", "II", "III", "IV")[q - 1])) for q in range(1, 5)]
    short += [("H1", _("6 tháng đầu")), ("H2", _("6 tháng cuối")), ("9M", _("9 tháng")), ("", _("Cả năm"))]

    def link(label: str) -> str:
        return url_for(endpoint, period=label, **args)

    groups = []
    for official, title in ((False, _("Theo lịch")), (True, _("Kỳ chính thức (NĐ 09/2019)"))):
        suffix = "/official" if official else ""
        items = []
        for part, text in short:
            if official and part == "H2":
                continue  # NĐ 09/2019 has no official second half-year
            label = f"{year}-{part}{suffix}" if part else f"{year}{suffix}"
            items.append((text, link(label), label == period.label))
        groups.append((title, items))
    years = []
    for other in (year - 1, year + 1):
        try:
            neighbour = parse_period(period.label.replace(str(year), str(other), 1))
        except PeriodInvalid:
            continue
        years.append((str(other), link(neighbour.label), False))
    groups.append((_("Năm khác"), years))
    return groups


def _version_arg() -> int | None:
    raw = request.args.get("version")
    if raw in (None, ""):
        return None
    number = row_id(raw)
    if number is None or number > VERSION_MAX:
        abort(404)
    return number


@dashboard.get("/units/<code>/reports/<path:period>")
def unit_report(code: str, period: str):
    unit = visible_unit(code)
    chosen = reporting_period(period)
    asked = _version_arg()
    me = _me()
    try:
        audience = copy_for(me, unit, request.args.get("audience"))
        document = page_copy(served_copy(unit, chosen, asked, audience))
    except AudienceRefused:
        abort(403)
    except LookupError:
        abort(404)
    versions = filing.versions(unit, chosen)
    newest = versions[-1] if versions else None
    shown = next((v for v in versions if "submitted_at" in document and v.version == document["version"]), None)
    period_over = clock.local_today() > chosen.date_to
    may_submit = permissions.may_submit_report(me, unit)
    instrument = current_instrument()
    return render_template(
        "dashboard/report.html", unit=unit, period=chosen, document=document, versions=versions, shown=shown,
        internal=audience == INTERNAL,
        standing=filing.standing(unit, chosen),
        submittable=may_submit and period_over and (newest is None or newest.status == "returned"),
        may_submit=may_submit, period_over=period_over,
        reviewable=(newest is not None and newest.status == "submitted" and shown is newest
                    and permissions.may_review_report(me, unit)),
        choices=period_choices(chosen, "dashboard.unit_report", code=unit.code),
        element_labels={i["key"]: pick(i["label"]).split(":")[0] for i in instrument["elements"]["items"]},
        conduct_labels={i["key"]: pick(i["label"]).split(" — ")[0] for i in instrument["conduct"]["items"]},
        channel_labels=CHANNEL_LABELS, flag_labels=FLAG_LABELS,
        form=tthc_form.build(document), layout=tthc_form, method=method_text.paragraphs(document["method"]),
    )


@dashboard.post("/units/<code>/reports/<path:period>/submit")
def unit_report_submit(code: str, period: str):
    unit = visible_unit(code)
    chosen = reporting_period(period)
    me = _me()
    if not permissions.may_submit_report(me, unit):
        abort(403)
    try:
        row = filing.submit(unit, chosen, me)
    except filing.FilingRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash(_("Đã nộp báo cáo (phiên bản %(n)s). Mã kiểm tra SHA-256: %(sha)s", n=row.version, sha=row.sha256), "ok")
    return redirect(url_for("dashboard.unit_report", code=unit.code, period=chosen.label))


@dashboard.post("/units/<code>/reports/<path:period>/accept")
def unit_report_accept(code: str, period: str):
    return _review(code, period, accept=True)


@dashboard.post("/units/<code>/reports/<path:period>/return")
def unit_report_return(code: str, period: str):
    return _review(code, period, accept=False)


def _review(code: str, period: str, accept: bool):
    """Accept or return the version the reviewer saw (the form names it): a newer
    version submitted meanwhile is refused by filing, not accepted unseen."""
    unit = visible_unit(code)
    chosen = reporting_period(period)
    me = _me()
    if not permissions.may_review_report(me, unit):
        abort(403)
    number = row_id(request.form.get("version"))
    version = db.session.scalar(db.select(ReportVersion).where(
        ReportVersion.unit_id == unit.id, ReportVersion.period == chosen.label,
        ReportVersion.version == number)) if number is not None else None
    if version is None:
        flash(_("Không có phiên bản báo cáo này để xem xét."), "error")
    else:
        try:
            filing.review(version, me, accept, request.form.get("comment", ""))
        except filing.FilingRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            flash(_("Đã tiếp nhận báo cáo.") if accept else _("Đã trả lại báo cáo."), "ok")
    return redirect(url_for("dashboard.unit_report", code=unit.code, period=chosen.label))

"""The complaint inbox of a unit's subtree, and one case's page with its workflow forms.

Scoping first, role second: a case outside the user's subtree is 404 for everyone
(a URL reveals nothing), and only then may a viewer's change be refused with 403.
The inbox lists no call-back phone: it is shown on the case page, to those who may act.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..cases import workflow
from ..extensions import db
from ..models import Case, Dossier, Rating, User
from ..models.cases import CASE_STATUSES
from ..ratings.instrument import load_instrument
from ..units.tree import subtree_ids
from . import dashboard
from ..people import permissions
from .access import can_see, require_acting_role, visible_unit
from .form_input import page_number, row_id
from .labels import label
from .reports import FLAG_LABELS

PAGE_SIZE = 25
# Enough of a comment to tell cases apart at a glance; the case page has it whole.
EXCERPT_CHARS = 80
# One query for a page of the inbox, not one per row per relation. Of the rating only
# what the row shows is read: its phone never leaves the database for the list.
INBOX_LOADS = (
    joinedload(Case.rating).load_only(Rating.id, Rating.local_day, Rating.comment),
    joinedload(Case.unit), joinedload(Case.counter), joinedload(Case.officer), joinedload(Case.assignee),
)


@dashboard.app_template_filter("excerpt")
def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a comment on one line: cut at a word near `limit` characters,
    with "…" when cut. Plain text: the template escapes it."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:  # a word break not too far back; else cut mid-word
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + "…"


def inbox_query(unit, today):
    """The cases of the unit's subtree under the request's filters (`status`, `overdue=1`):
    (query, status kept, overdue only). An unknown status is ignored, not an error."""
    status = request.args.get("status", "")
    overdue_only = request.args.get("overdue") == "1"
    query = select(Case).where(Case.unit_id.in_(subtree_ids(unit.id)))
    if status in CASE_STATUSES:
        query = query.where(Case.status == status)
    else:
        status = ""
    if overdue_only:
        query = query.where(workflow.overdue_clause(today))
    return query, status, overdue_only


@dashboard.get("/units/<code>/cases")
def unit_cases(code: str):
    unit = visible_unit(code)
    today = workflow.local_today()
    query, status, overdue_only = inbox_query(unit, today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = page_number(request.args.get("page"), last=pages)  # past the end: the last page
    # The page's ids first (an index walk on unit, created_at), then only those rows with
    # their relations: joining every case of a province before the LIMIT would sort them all.
    order = (Case.created_at.desc(), Case.id.desc())
    page_ids = query.with_only_columns(Case.id).order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = list(db.session.scalars(select(Case).where(Case.id.in_(page_ids.scalar_subquery()))
                                   .options(*INBOX_LOADS).order_by(*order)))
    return render_template("dashboard/cases.html", unit=unit, cases=rows, status=status,
                           overdue_only=overdue_only, page=page, pages=pages, total=total, today=today,
                           statuses=CASE_STATUSES, is_overdue=workflow.is_overdue)


def _visible_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_see(case.unit):
        abort(404)
    return case


@dashboard.get("/cases/<id:case_id>")
def case_page(case_id: int):
    case = _visible_case(case_id)
    rating = case.rating
    acting = permissions.may_act(current_user)
    instrument = load_instrument(current_app.config["INSTRUMENT_DIR"], rating.instrument_version)
    return render_template(
        "dashboard/case.html", case=case, rating=rating, instrument=instrument, acting=acting,
        dossier=db.session.get(Dossier, rating.dossier_id) if rating.dossier_id else None,
        # Given with consent for a call-back by the unit: only those who may act on the case see it.
        phone=rating.contact_phone if acting else None,
        overdue=workflow.is_overdue(case),
        # A flagged rating opens a case when it left a call-back number: the handler is told.
        flag=label(FLAG_LABELS, rating.flag_reason) if rating.flag_reason else None,
        assignees=workflow.assignee_choices(case, _me()) if acting else [])


def _me() -> User:
    return current_user._get_current_object()


def _act(case_id: int, change) -> object:
    case = _visible_case(case_id)
    require_acting_role()
    try:
        change(case)
    except workflow.IllegalTransition:
        db.session.rollback()
        flash(_("Không thể thực hiện thao tác này ở trạng thái hiện tại của phản ánh."), "error")
    else:
        db.session.commit()
        flash(_("Đã lưu."), "ok")
    return redirect(url_for("dashboard.case_page", case_id=case_id))


@dashboard.post("/cases/<id:case_id>/assign")
def case_assign(case_id: int):
    def change(case: Case) -> None:
        assignee_id = row_id(request.form.get("assignee_id"))
        assignee = db.session.get(User, assignee_id) if assignee_id else None
        if assignee is None:
            raise workflow.IllegalTransition("no such user")
        workflow.assign(case, _me(), assignee)
    return _act(case_id, change)


@dashboard.post("/cases/<id:case_id>/answer")
def case_answer(case_id: int):
    return _act(case_id, lambda case: workflow.answer(case, _me(), request.form.get("answer", "")))


@dashboard.post("/cases/<id:case_id>/close")
def case_close(case_id: int):
    return _act(case_id, lambda case: workflow.close(case, _me()))


@dashboard.post("/cases/<id:case_id>/reopen")
def case_reopen(case_id: int):
    return _act(case_id, lambda case: workflow.reopen(case, _me()))

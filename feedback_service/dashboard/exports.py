"""CSV exports of what the pages show: a unit's complaint cases (under the inbox's
filters) and its officers' "6 biết" table for a period.

Scoped exactly like the pages (`visible_unit`: another commune's export is a 404).
UTF-8 with a BOM, because Excel — what a commune office opens a CSV with — reads
Vietnamese wrong without it. Citizens' comments are in the cases export, so every cell a
spreadsheet would run as a formula is defused. The call-back phone is never exported.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..cases import workflow
from ..extensions import db
from ..i18n import pick
from ..models import Case, Officer, Rating
from ..ratings.instrument import current_instrument
from ..reports.files.cells import safe_cell
from ..summaries import disclosure
from ..units.tree import subtree_ids
from . import dashboard, local_time, queries
from .access import visible_unit
from .cases import inbox_query
from .labels import REASON_LABELS, STATUS_LABELS, label
from .periods import from_request

EXPORT_LOADS = (
    joinedload(Case.rating).load_only(Rating.id, Rating.local_day, Rating.overall, Rating.comment),
    joinedload(Case.unit), joinedload(Case.counter), joinedload(Case.officer), joinedload(Case.assignee),
)


def csv_response(rows: Iterable[list], filename: str) -> Response:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@dashboard.get("/units/<code>/cases.csv")
def unit_cases_csv(code: str):
    unit = visible_unit(code)
    today = workflow.local_today()
    query, _status, _overdue = inbox_query(unit, today)
    cases = db.session.scalars(query.options(*EXPORT_LOADS).order_by(Case.created_at.desc(), Case.id.desc()))

    def rows() -> Iterator[list]:
        yield [_("Số"), _("Ngày nhận"), _("Hạn trả lời"), _("Trạng thái"), _("Quá hạn"), _("Mã đơn vị"),
               _("Đơn vị"), _("Quầy"), _("Mã cán bộ"), _("Cán bộ"), _("Lý do"), _("Mức hài lòng chung"),
               _("Ý kiến"), _("Người xử lý"), _("Trả lời"), _("Ngày trả lời"), _("Ngày đóng")]
        for case in cases:
            yield [case.id, case.rating.local_day.isoformat(), case.due_on.isoformat(),
                   label(STATUS_LABELS, case.status), _("Có") if workflow.is_overdue(case, today) else _("Không"),
                   case.unit.code, case.unit.name, case.counter.name if case.counter else "",
                   case.officer.code if case.officer else "", case.officer.name if case.officer else "",
                   "; ".join(label(REASON_LABELS, r) for r in case.reasons), case.rating.overall,
                   case.rating.comment or "",
                   (case.assignee.display_name or case.assignee.username) if case.assignee else "",
                   case.answer or "", _day(case.answered_at), _day(case.closed_at)]

    return csv_response(rows(), f"phan-anh-{unit.code}-{today.isoformat()}.csv")


@dashboard.get("/units/<code>/officers.csv")
def unit_officers_csv(code: str):
    unit = visible_unit(code)
    period = from_request()
    officers = disclosure.rows_for_pages(
        queries.officers_table([Officer.unit_id.in_(subtree_ids(unit.id))], period, "name", False))
    items = current_instrument()["conduct"]["items"]

    def rows() -> Iterator[list]:
        header = [_("Mã cán bộ"), _("Cán bộ"), _("Mã đơn vị"), _("Quầy"), _("Số ý kiến"), _("Tỷ lệ hài lòng (%)")]
        for item in items:
            name = pick(item["label"]).split(" — ")[0]
            header += [f"{name}: {_('có')}", f"{name}: {_('không')}", f"{name} (%)"]
        yield header
        for row in officers:
            officer = row["officer"]
            line = [officer.code, officer.name, officer.unit.code, officer.counter.name if officer.counter else "",
                    row["responses"], _shown(row["satisfaction_pct"])]
            for item in items:
                counts = row["conduct"].get(item["key"]) or {"yes": 0, "no": 0, "pct": None}
                line += [counts["yes"], counts["no"], _shown(counts["pct"])]
            yield line

    return csv_response(rows(), f"can-bo-{unit.code}-{period.date_from}-{period.date_to}.csv")


def _shown(pct: float | str | None):
    """A percentage as the page shows it: empty where there is none; "<5" where the
    small-cell rule withholds it (and the counts beside it, `disclosure.rows_for_pages`)."""
    return "" if pct is None else pct


def _day(moment) -> str:
    return local_time(moment) if moment is not None else ""

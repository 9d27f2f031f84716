"""The province's board for a period (`/dashboard/units/<code>/reports?period=…`): one
row per direct child with where its report stands, counts per status, the province's
own report as compiled now from the children's accepted snapshots (`reports/compiled.py`:
the same document its report page shows and it submits), and what changed in the
records since each child submitted.

The default period is the last closed *official quarter* (NĐ 09/2019): the province's
PAR Index and QĐ 766 work is quarterly, and by the time a board is opened the month
just closed is usually still inside its deadline.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..models import Unit
from ..reports import filing
from ..reports.audience import PUBLIC, copy_for
from ..reports.compilation import differences_since
from ..reports.compiled import compiled_report
from ..reports.publishing import page_copy, published
from ..reports.periods import ReportingPeriod, last_closed
from . import dashboard
from .access import visible_unit
from .reports import period_choices, reporting_period

DEFAULT_KIND, DEFAULT_OFFICIAL = "quarter", True
# The counts at the top of the board, in the order a province reads them.
COUNTED = ("submitted", "accepted", "returned", "late", "not_reported", "draft")


@dataclass(frozen=True)
class BoardRow:
    unit: Unit
    standing: filing.Standing
    differences: list  # (path, submitted, live) since the latest submitted/accepted version

    @property
    def submitted(self) -> bool:
        return self.standing.version is not None


@dashboard.app_template_global("default_report_period")
def default_period() -> ReportingPeriod:
    return last_closed(clock.local_today(), DEFAULT_KIND, DEFAULT_OFFICIAL)


@dashboard.get("/units/<code>/reports")
def unit_reports_board(code: str):
    unit = visible_unit(code)
    raw = request.args.get("period")
    period = reporting_period(raw, status=400) if raw else default_period()
    me = current_user._get_current_object()
    filings = filing.child_filings(unit, period, clock.local_today())
    rows, internal = [], True
    for child in filings:
        changed: list = []
        public = copy_for(me, child.unit) == PUBLIC
        internal = internal and not public
        if child.snapshot is not None:
            # The live report is cached per fold generation (filing.live_report): a board of a
            # hundred communes does not build a hundred reports per view.
            live = filing.live_report(child.unit, period)
            # A reader of the published copy compares published copies: a small cell stays "<5".
            changed = (differences_since(published(child.snapshot), published(live)) if public
                       else differences_since(child.snapshot, live))
        rows.append(BoardRow(child.unit, child.standing, changed))
    counts = {status: sum(1 for r in rows if r.standing.status == status) for status in COUNTED if status != "late"}
    counts["late"] = sum(1 for r in rows if r.submitted and r.standing.late)
    return render_template(
        "dashboard/report_board.html", unit=unit, period=period, rows=rows, counts=counts, counted=COUNTED,
        compiled=_compiled(unit, period, filings, internal) if filings else None, internal=internal,
        own_report=url_for("dashboard.unit_report", code=unit.code, period=period.label),
        choices=period_choices(period, "dashboard.unit_reports_board", code=unit.code),
    )


def _compiled(unit: Unit, period: ReportingPeriod, filings: list, internal: bool) -> dict:
    """The unit's report compiled from its children's accepted snapshots, as a page shows
    it to this reader: through the small-cell rule, as the published copy for a reader of it."""
    compiled = compiled_report(unit, period, filings)
    return page_copy(compiled if internal else published(compiled))

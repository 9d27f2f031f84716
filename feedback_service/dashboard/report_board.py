"""The province's board for a period (`/dashboard/units/<code>/reports?period=…`): one
row per direct child with where its report stands, counts per status, the province
report compiled from the children's accepted snapshots, and what changed in the
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
from ..reports.compilation import compile_snapshots, differences_since
from ..reports.publishing import published
from ..summaries import disclosure
from ..reports.periods import ReportingPeriod, last_closed
from ..units.tree import child_units
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
    today = clock.local_today()
    me = current_user._get_current_object()
    rows, accepted, internal = [], [], True
    for child in child_units(unit):
        state = filing.standing(child, period, today)
        changed: list = []
        public = copy_for(me, child) == PUBLIC
        internal = internal and not public
        if state.version is not None and state.status in ("submitted", "accepted"):
            snapshot = filing.snapshot_of(state.version)
            # The live report is cached per fold generation (filing.live_report): a board of a
            # hundred communes does not build a hundred reports per view.
            live = filing.live_report(child, period)
            # A reader of the published copy compares published copies: a small cell stays "<5".
            changed = (differences_since(published(snapshot), published(live)) if public
                       else differences_since(snapshot, live))
            if state.status == "accepted":
                accepted.append(snapshot)
        rows.append(BoardRow(child, state, changed))
    counts = {status: sum(1 for r in rows if r.standing.status == status) for status in COUNTED if status != "late"}
    counts["late"] = sum(1 for r in rows if r.submitted and r.standing.late)
    return render_template(
        "dashboard/report_board.html", unit=unit, period=period, rows=rows, counts=counts, counted=COUNTED,
        compiled=_compiled(accepted, internal) if accepted else None, internal=internal,
        own_report=url_for("dashboard.unit_report", code=unit.code, period=period.label),
        choices=period_choices(period, "dashboard.unit_reports_board", code=unit.code),
    )


def _compiled(snapshots: list[dict], internal: bool) -> dict:
    """The compiled report as the board shows it: through the small-cell rule, and
    without the snapshots' hashes for a reader of the published copies."""
    compiled = compile_snapshots(snapshots)
    compiled["satisfaction"] = disclosure.for_pages(compiled["satisfaction"])
    if not internal:
        for unit in compiled["units"]:
            unit.pop("sha256", None)
    return compiled

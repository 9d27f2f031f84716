"""The report of a unit whose children file reports (the province over its communes):
compiled from the children's accepted snapshots, never from live records.

Which units: every unit with child units (`units.tree.child_units`; those that file are the
ones still standing at the period's end, `succession.children_standing_through`), a province and,
in a tree that still has them, a district; a unit without (a commune) files a live
report (`document.py`). The choice is made in one place, `filing.report_now`, for
drafts and submissions alike.

What it holds, under the keys of a live report so that pages and exports read it alike
(`basis` is "compiled"):
- `compiled_from`: each child whose accepted snapshot is in the figures (code, name,
  version, sha256); `missing`: each child without one, with where its report stands
  (draft or not_reported: not submitted; submitted: awaiting review; returned);
- `satisfaction`, `indicators_766`, `tthc_results` (for the unit, per child, per
  procedure and per field): counts summed over those snapshots, every percentage
  worked out again from the sums (`compilation.py`); `children`: each compiled child's
  row from its own snapshot, ranked; `officers`: the children's officer tables, side
  by side (internal);
- the unit's own desk (dossiers registered and ratings given at the unit itself,
  outside every child: a province's own service centre), read live (`own_desk`), in
  every sum and as `tthc_results.own`: the unit files for it itself, no child's
  report holds it, and the children's rows and the own row add up to the unit.

Rebuilt from the same snapshots it gives the same figures: a child accepted later
changes the draft, never a version the unit has submitted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from .. import clock
from ..models import Unit
from ..units.succession import children_standing_through
from ..units.tree import subtrees
from . import tthc
from .compilation import compile_snapshots, tally_of
from .document import FORMAT, OWN, complaint_figures, method, ranked_children
from .periods import ReportingPeriod
from .satisfaction import own_desk_section

if TYPE_CHECKING:  # filing builds these and calls this module
    from .filing import ChildFiling

BASIS = "compiled"
SCOPE = ("the accepted snapshots of the unit's direct children, listed in compiled_from (children without one "
         "are listed in missing and are in no figure), and the unit's own desk, read live")
COMPILED = {
    "basis": ("each count is the sum of the counts in the accepted snapshots listed in compiled_from; every "
              "percentage, mean and QĐ 766 indicator is worked out again from the sums by the formulas below, "
              "never averaged from the children's percentages"),
    "satisfaction": ("responses, overall answers per level, each element's answers per level, each behaviour's "
                     "yes / no / unknown, by channel and excluded are summed; verified and unverified: responses "
                     "only (a snapshot carries their percentages, not their counts, so those read null)"),
    "tthc_results": ("Biểu II.06a, every column: the unit's row, one row per compiled child (its snapshot's own), "
                     "per procedure and per field; a snapshot filed before dossiers carried a field counts whole "
                     "under Khác"),
    "own_records": ("dossiers registered and ratings given at this unit itself, outside every filing child (its "
                    "own desk, and a child split away by the period's end, which files no more), are read live and "
                    "counted in every sum, and shown as tthc_results.own: no child's report holds them"),
    "which_units": "a unit with child units files a compiled report; a unit without (a commune) files a live one",
    "reproducible": ("rebuilt from the same snapshots the figures are the same; a child accepted later changes "
                     "the draft, never a submitted version"),
}


def compiled_report(unit: Unit, period: ReportingPeriod, filings: list[ChildFiling]) -> dict:
    """The unit's report from its children's filings (`filing.child_filings`)."""
    accepted = [filing for filing in filings if filing.accepted]
    own_ids, own = own_desk(unit, period)
    sections = compile_snapshots((filing.snapshot for filing in accepted), own)
    officers = [row for filing in accepted for row in filing.snapshot.get("officers") or []]
    return {
        "format": FORMAT,
        "basis": BASIS,
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "period": {**period.as_dict(), "kind": period.kind, "title": period.title,
                   "timezone": current_app.config["LOCAL_TIMEZONE"]},
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "satisfaction": sections["satisfaction"],
        "indicators_766": sections["indicators_766"],
        "tthc_results": sections["tthc_results"],
        "children": ranked_children([filing.unit for filing in accepted],
                                    {filing.unit.id: filing.snapshot["satisfaction"] for filing in accepted},
                                    {filing.unit.id: tally_of(filing.snapshot) for filing in accepted}),
        "officers": sorted(officers, key=lambda row: (row.get("unit_code") or "", row.get("code") or "")),
        "compiled_from": sections["units"],
        "missing": [missing_entry(filing) for filing in filings if not filing.accepted],
        "method": compiled_method(unit, own_ids, period),
    }


def missing_entry(filing: ChildFiling) -> dict:
    version = filing.standing.version
    return {"code": filing.unit.code, "name": filing.unit.name, "status": filing.standing.status,
            "version": version.version if version is not None else None, "late": filing.standing.late}


def compiled_method(unit: Unit, own_ids: list[int], period: ReportingPeriod) -> dict:
    """The live report's method (its formulas, exclusions, small cells, integrity; the
    ratings of the own desk not yet folded), with the compiled report's scope and what
    compiling does."""
    return {**method(unit, own_ids, period), "scope": SCOPE, "compiled": dict(COMPILED)}


def own_desk(unit: Unit, period: ReportingPeriod) -> tuple[list[int], dict]:
    """The unit's own desk, read live, in the shape of a snapshot (`compile_snapshots`
    sums it): the units of its subtree under none of its children (itself, and what was
    merged into it, and children split away by the period's end), their dossiers, complaint
    cases and ratings."""
    children = children_standing_through(unit, period.date_to)
    groups = subtrees(unit, children)
    own_ids = sorted(groups[unit.id] - set().union(*(groups[child.id] for child in children)))
    tallies = tthc.tally_dossiers(own_ids, period, {unit_id: [OWN] for unit_id in own_ids})
    desk = tallies.by_group[OWN]
    return own_ids, {
        "unit": {"code": unit.code, "name": unit.name},
        "satisfaction": own_desk_section(unit.id, [child.id for child in children], period),
        "tthc_results": {**desk.table(), "procedures": tthc.procedure_rows(tallies.by_procedure, tallies.names),
                         "fields": tthc.field_rows(tallies.by_field, tallies.field_names)},
        "indicators_766": {**desk.indicators(), "complaints": complaint_figures(own_ids, period)},
    }

"""A unit's report for a period: one document, built live from the records.

Sections: `satisfaction` (counter ratings of the unit's subtree), `indicators_766`,
`tthc_results` (Biểu II.06a, for the unit, its own desk (`own`: the dossiers registered
at the unit itself, e.g. a province's own service centre), per child unit, per procedure
and per field: `own` and the children add up to the unit),
`complaints` (cases answered within their SLA), `children` (ranked), `officers`
(internal only) and `method`. The filing layer (`filing.py`) adds `status` and
`version`, and freezes a copy when the unit submits it.
"""
from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select

from .. import clock
from ..extensions import db
from ..cases import timeliness as case_timeliness
from ..dossiers import timeliness
from ..models import Case, PendingFold, Rating, Unit
from ..summaries import disclosure
from ..summaries.scoring import MIN_ANSWERS
from ..units.tree import child_units, subtrees
from . import tthc
from .periods import ReportingPeriod
from .satisfaction import officer_rows, satisfaction_sections

# /2: hashed as RFC 8785 canonical JSON; /1 (before it): as Python's sorted-keys JSON (integrity.py).
FORMAT = "sipas-period-report/2"
OWN = "own"  # the group of the unit's own desk in the dossier tally
SOURCE_NOTE = ("Counter ratings collected by this service: the province's own continuous monitoring, "
               "not the national SIPAS survey, which the Ministry of Home Affairs runs itself.")


def build_report(unit: Unit, period: ReportingPeriod) -> dict:
    """The live report (every section, officers included): what a draft shows and a
    submission freezes. `publishing.published` makes the outward copy."""
    children = child_units(unit)
    groups = subtrees(unit, children)
    members = sorted(groups[unit.id])
    # The unit's own desk: its members that are under none of its children (itself, and
    # what was merged into it).
    groups[OWN] = groups[unit.id] - set().union(*(groups[c.id] for c in children))
    group_of: dict[int, list] = defaultdict(list)
    for group, unit_ids in groups.items():
        for unit_id in unit_ids:
            group_of[unit_id].append(group)

    satisfaction = satisfaction_sections("unit", [unit.id] + [c.id for c in children], period)
    by_group, by_procedure, names, by_field, field_names = tthc.tally_dossiers(members, period, group_of)
    own = by_group[unit.id]
    codes = dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(members))).all())
    officers = officer_rows(members, period)
    for row in officers:
        row["unit_code"] = codes.get(row.pop("unit_id"))

    return {
        "format": FORMAT,
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "period": {**period.as_dict(), "kind": period.kind, "title": period.title,
                   "timezone": current_app.config["LOCAL_TIMEZONE"]},
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "satisfaction": satisfaction[unit.id],
        "indicators_766": {**own.indicators(), "complaints": complaint_figures(members, period)},
        "tthc_results": {**own.table(),
                         "own": {"code": unit.code, "name": unit.name, **by_group[OWN].table()},
                         "children": [{"code": c.code, "name": c.name, **by_group[c.id].table()} for c in children],
                         "procedures": tthc.procedure_rows(by_procedure, names),
                         "fields": tthc.field_rows(by_field, field_names)},
        "children": ranked_children(children, satisfaction, by_group),
        "officers": officers,
        "method": method(unit, members, period),
    }


def ranked_children(children: list[Unit], satisfaction: dict[int, dict], by_group: dict) -> list[dict]:
    """Every direct child with its headline figures, ranked by satisfaction %.

    A child resting on fewer than MIN_ANSWERS ratings is listed but not ranked: its
    percentage says too little to place it above or below another. Each row names the
    figures the small-cell rule withholds from it (`small_cells`): the row alone holds
    too little to tell, its section does.
    """
    rows = []
    for child in children:
        section = satisfaction[child.id]
        indicators = by_group[child.id].indicators()
        rows.append({
            "code": child.code, "name": child.name, "kind": child.kind, "rank": None,
            "responses": section["responses"], "satisfaction_pct": section["satisfaction_pct"],
            "mean_score": section["mean_score"], "sipas_index": section["sipas_index"],
            "conduct_score": section["conduct_score"],
            "dossiers_handled": indicators["handled"], "on_time_pct": indicators["on_time_pct"],
            "overdue_pct": indicators["overdue_pct"], "complained_pct": indicators["complained_pct"],
            "rated": indicators["rated"],
            "tthc_satisfaction_pct": indicators["tthc_satisfaction_pct"], "points": indicators["points"],
            "small_cells": disclosure.small_cells(section),
        })
    ranked = sorted((r for r in rows if disclosure.may_rank(r["responses"], r["satisfaction_pct"])),
                    key=lambda r: -r["satisfaction_pct"])
    for position, row in enumerate(ranked, start=1):
        # Equal figures share a rank (1, 2, 2, 4).
        row["rank"] = position if position == 1 or row["satisfaction_pct"] != ranked[position - 2]["satisfaction_pct"] \
            else ranked[position - 2]["rank"]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


def complaint_figures(unit_ids: list[int], period: ReportingPeriod) -> dict:
    """Complaint cases opened in the period (by the rating's local day), judged at its
    end (or today while it runs) by `cases.timeliness`: answered on time, answered late,
    or still waiting, within time or overdue."""
    counts = dict.fromkeys(("received", *case_timeliness.STANDINGS), 0)
    rows = db.session.execute(
        select(Case.due_on, Case.status, Case.answered_at)
        .join(Rating, Rating.id == Case.rating_id)
        .where(Case.unit_id.in_(unit_ids), Rating.local_day >= period.date_from,
               Rating.local_day <= period.date_to))
    cutoff = tthc.judged_before(period)
    for due_on, status, answered_at in rows:
        counts["received"] += 1
        answered = case_timeliness.answered_on(status, answered_at)
        counts[case_timeliness.standing(due_on, answered, cutoff, answered_by=period.date_to)] += 1
    counts["on_time_pct"] = case_timeliness.on_time_pct(counts)
    return counts


def method(unit: Unit, members: list[int], period: ReportingPeriod) -> dict:
    config = current_app.config
    unfolded = db.session.scalar(
        select(func.count()).select_from(PendingFold).join(Rating, Rating.id == PendingFold.rating_id)
        .where(Rating.unit_id.in_(members), Rating.local_day >= period.date_from,
               Rating.local_day <= period.date_to))
    return {
        "source": SOURCE_NOTE,
        "instrument_version": config["INSTRUMENT_VERSION"],
        "timezone": config["LOCAL_TIMEZONE"],
        "scope": "the unit and every unit below it (merged units through their successor)",
        "satisfied_min_level": config["SATISFIED_MIN_LEVEL"],
        "min_answers": MIN_ANSWERS,
        "formulas": {
            "satisfaction_pct": f"answers at level {config['SATISFIED_MIN_LEVEL']} or above ÷ answers × 100",
            "mean_score": "mean of the 1–5 answers",
            "sipas_index": "unweighted mean of the five elements' satisfaction % (a composite of counter "
                           "ratings, not the official SIPAS index)",
            "conduct_pct": "yes ÷ (yes + no) × 100 per behaviour; unanswered counts as unknown",
            "conduct_score": "mean of the six behaviours' %",
            "on_time_pct": ("(resolved early + on time) ÷ (resolved early + on time + late) × 100; resolved "
                            "dossiers with no due date are counted apart (resolved.no_due_date), in neither"),
            "overdue_pct": "(resolved late + pending overdue at the period's end) ÷ (resolved + pending) × 100",
            "complained_pct": (f"negative ratings received in the period (their local day: each counted in one "
                               f"period only) on the dossiers, unflagged, with overall ≤ "
                               f"{config['REPORT_NEGATIVE_OVERALL_MAX']} or a behaviour answered no, "
                               "÷ the period's handled dossiers (resolved + pending) × 100"),
            "tthc_satisfaction_pct": "100 − (overdue_pct + complained_pct), not below 0 (QĐ 766/QĐ-TTg)",
            "points": (f"{config['REPORT_766_TTHC_POINTS']} × min(1, tthc_satisfaction_pct ÷ "
                       f"{config['REPORT_766_FULL_AT_PCT']})"),
            "tthc_results": ("Biểu II.06a (TT 01/2020/TT-VPCP): received = online + in person or by post + "
                             "carried over = resolved + pending + cancelled; `own` (the unit's own desk) and "
                             "`children` add up to the unit"),
            "resolved": (f"resolved by {RESOLVED_BY_TEXT[timeliness.resolved_by()]}; early / on time / late "
                         "by local days against the due day, the e-system's late flag winning both ways; "
                         "no due date and no flag: no_due_date"),
            "pending": ("not resolved by the period's end: overdue when its due day ended before the period's "
                        "end (or today while it runs) or the e-system flags it late while still out; "
                        "no due date: no_due_date"),
            "cancelled": ("a cancelled dossier leaves the counts from its cancellation day: counted as cancelled "
                          "in that day's period, not at all after it, as it stood in any period that ended "
                          "before it; cancelled with no date recorded (before dates were kept): in no period"),
            "complaints_on_time_pct": "cases answered by their due working day ÷ (answered + pending overdue) × 100",
        },
        "assumptions": assumptions(),
        "excluded": ("ratings flagged as a repeat inside the cool-down, a filled honeypot or above a counter's "
                     "allowance are stored and counted in satisfaction.excluded, never in a figure; cancelled "
                     "dossiers as method.formulas.cancelled says"),
        "small_cells": (f"a figure resting on fewer than {MIN_ANSWERS} answers, or one that would give such a "
                        f"figure back, is shown as \"<{MIN_ANSWERS}\" in the published copy and on every page; "
                        "officers are never published"),
        "ratings_not_yet_counted": unfolded,
        "integrity": ("sha256 = SHA-256 of the snapshot without its sha256, status and review fields, "
                      "written as RFC 8785 canonical JSON (JCS)"),
    }


RESOLVED_BY_TEXT = {
    "finish": "the e-system's finish date (resolved_at, ngày kết thúc xử lý), else the day the result was returned",
    "return": "the day the result was returned to the citizen (returned_at)",
}

# Constants this report rests on that no public text fixes: each is a setting, named with
# its value in every report so a reader knows what was assumed.
ASSUMED = (
    ("REPORT_766_TTHC_POINTS", "points of the QĐ 766 TTHC satisfaction criterion (the decision's appendix "
                               "is not public)"),
    ("REPORT_766_FULL_AT_PCT", "TTHC satisfaction % at or above which the criterion earns full points"),
    ("REPORT_NEGATIVE_OVERALL_MAX", "highest overall level (1–5) that counts as a \"dislike\" of a dossier"),
    ("CASE_SLA_WORKING_DAYS", "working days a complaint case has to be answered (QĐ 766: 15 at most)"),
    ("REPORT_RESOLVED_BY", "what makes a dossier resolved: finish (the e-system's finish date) or return"),
    ("REPORT_DEADLINE_WORKING_DAYS", "working days after the period's end by which a commune files"),
    ("REPORT_DEADLINE_TIER_WORKING_DAYS", "working days each tier above files after the tier below it"),
)


def assumptions() -> dict[str, dict]:
    """Each assumed constant by its setting's name: its value and what it stands for."""
    config = current_app.config
    return {name: {"value": config[name], "meaning": meaning} for name, meaning in ASSUMED}

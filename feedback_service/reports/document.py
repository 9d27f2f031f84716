"""A unit's report for a period: one document, built live from the records.

Sections: `satisfaction` (counter ratings of the unit's subtree), `indicators_766`,
`tthc_results` (Biểu II.06a, for the unit, per child unit, per procedure and per field),
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
from ..models import Case, PendingFold, Rating, Unit
from ..summaries import disclosure
from ..summaries.scoring import MIN_ANSWERS
from ..units.tree import child_units, subtrees
from . import tthc, tthc_form
from .periods import ReportingPeriod
from .satisfaction import officer_rows, satisfaction_sections

# /2: hashed as RFC 8785 canonical JSON; /1 (before it): as Python's sorted-keys JSON (integrity.py).
FORMAT = "sipas-period-report/2"
SOURCE_NOTE = ("Counter ratings collected by this service: the province's own continuous monitoring, "
               "not the national SIPAS survey, which the Ministry of Home Affairs runs itself.")


def build_report(unit: Unit, period: ReportingPeriod) -> dict:
    """The live report (every section, officers included): what a draft shows and a
    submission freezes. `publishing.published` makes the outward copy."""
    children = child_units(unit)
    groups = subtrees(unit, children)
    members = sorted(groups[unit.id])
    group_of: dict[int, list[int]] = defaultdict(list)
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
                         "children": [{"code": c.code, "name": c.name, **by_group[c.id].table()} for c in children],
                         "procedures": tthc.procedure_rows(by_procedure, names),
                         "fields": tthc_form.field_rows(by_field, field_names)},
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
    """Complaint cases opened in the period, judged at its end (or today while it
    runs): answered on time (on or before the due working day), answered late, or
    still waiting (overdue once their due day is over)."""
    counts = dict.fromkeys(("received", "answered_on_time", "answered_late",
                            "pending_within_time", "pending_overdue"), 0)
    rows = db.session.execute(
        select(Case.due_on, Case.answered_at)
        .join(Rating, Rating.id == Case.rating_id)
        .where(Case.unit_id.in_(unit_ids), Rating.local_day >= period.date_from,
               Rating.local_day <= period.date_to))
    cutoff = tthc.judged_before(period)
    for due_on, answered_at in rows:
        counts["received"] += 1
        answered = clock.local_day(answered_at) if answered_at is not None else None
        if answered is not None and answered <= period.date_to:
            counts["answered_on_time" if answered <= due_on else "answered_late"] += 1
        else:
            counts["pending_overdue" if due_on < cutoff else "pending_within_time"] += 1
    judged = counts["answered_on_time"] + counts["answered_late"] + counts["pending_overdue"]
    counts["on_time_pct"] = round(100.0 * counts["answered_on_time"] / judged, 2) if judged else None
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
            "on_time_pct": "(resolved early + on time) ÷ resolved × 100",
            "overdue_pct": "(resolved late + pending overdue at the period's end) ÷ (resolved + pending) × 100",
            "complained_pct": (f"dossiers handled whose unflagged rating by the period's end had overall ≤ "
                               f"{config['REPORT_NEGATIVE_OVERALL_MAX']} or a behaviour answered no "
                               "÷ (resolved + pending) × 100"),
            "tthc_satisfaction_pct": "100 − (overdue_pct + complained_pct), not below 0 (QĐ 766/QĐ-TTg)",
            "points": (f"{config['REPORT_766_TTHC_POINTS']} × min(1, tthc_satisfaction_pct ÷ "
                       f"{config['REPORT_766_FULL_AT_PCT']})"),
            "tthc_results": ("Biểu II.06a (TT 01/2020/TT-VPCP): received = online + in person or by post + "
                             "carried over; resolved by return day against the due day (late as the e-system "
                             "flags it); pending and overdue judged at the period's end"),
            "complaints_on_time_pct": "cases answered by their due working day ÷ (answered + pending overdue) × 100",
        },
        "excluded": ("ratings flagged as a repeat inside the cool-down, a filled honeypot or above a counter's "
                     "allowance are stored and counted in satisfaction.excluded, never in a figure; cancelled "
                     "dossiers are left out of every count"),
        "small_cells": (f"a figure resting on fewer than {MIN_ANSWERS} answers, or one that would give such a "
                        f"figure back, is shown as \"<{MIN_ANSWERS}\" in the published copy and on every page; "
                        "officers are never published"),
        "ratings_not_yet_counted": unfolded,
        "integrity": ("sha256 = SHA-256 of the snapshot without its sha256, status and review fields, "
                      "written as RFC 8785 canonical JSON (JCS)"),
    }

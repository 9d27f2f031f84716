"""The rating side of a period report: counter satisfaction for a unit's subtree, its
children and its officers, read from the folded summaries.

Read from the same summary rows as the summary API (`summaries.read`), so a report and
`/api/v1/units/<code>/summary?from=…&to=…` agree figure by figure. Counter ratings are
the province's own continuous monitoring, not the Ministry's SIPAS survey.
"""
from __future__ import annotations

from ..models import Officer
from ..models.ratings import CHANNELS, FLAG_REASONS
from ..extensions import db
from ..summaries.disclosure import to_the_minute
from ..summaries.keys import CHANNEL_QUESTION, FLAG_QUESTION
from ..summaries.read import figures_from_counts, folded_counts
from ..summaries.scoring import LEVELS
from .periods import ReportingPeriod
from sqlalchemy import select


def satisfaction_sections(scope: str, scope_ids: list[int], period: ReportingPeriod) -> dict[int, dict]:
    """The satisfaction section of each scope (a unit means its whole subtree)."""
    totals, answers = folded_counts(scope, scope_ids, period.date_from, period.date_to)
    return {sid: _section(totals[sid], answers[sid]) for sid in scope_ids}


def _section(total: list, counted: dict[str, dict[str, int]]) -> dict:
    figures = figures_from_counts(total, counted)
    for key, element in figures["elements"].items():
        dist = counted.get(f"element.{key}", {})
        element["counts"] = {level: dist.get(level, 0) for level in LEVELS}
    channels = dict(counted.get(CHANNEL_QUESTION, {}))
    # Ratings folded before the fold counted channels (migration 0011) have none until
    # `flask summaries rebuild`: shown as unknown rather than silently missing.
    unknown = figures["responses"] - sum(channels.values())
    if unknown > 0:
        channels["unknown"] = unknown
    reasons = counted.get(FLAG_QUESTION, {})
    flagged = figures.pop("flagged")
    return {
        "responses": figures["responses"],
        "overall": figures["overall"],
        "satisfaction_pct": figures["satisfaction_pct"],
        "mean_score": figures["mean_score"],
        "elements": figures["elements"],
        "sipas_index": figures["sipas_index"],
        "conduct": figures["conduct"],
        "conduct_score": figures["conduct_score"],
        "by_channel": {channel: channels.get(channel, 0)
                       for channel in (*CHANNELS, *sorted(set(channels) - set(CHANNELS)))},
        "verified": figures["verified"],
        "unverified": figures["unverified"],
        "verified_share_pct": figures["verified_share_pct"],
        "excluded": {"total": flagged,
                     "reasons": {reason: reasons.get(reason, 0)
                                 for reason in (*FLAG_REASONS, *sorted(set(reasons) - set(FLAG_REASONS)))}},
        "as_of": to_the_minute(figures["as_of"]),
    }


def own_desk_section(unit_id: int, child_ids: list[int], period: ReportingPeriod) -> dict:
    """The satisfaction section of what was rated at the unit itself, outside every child
    (a province's own service centre): the unit's folded counts minus its children's.
    Exact, because a unit's summary rows hold its whole subtree and the children's
    subtrees do not overlap (`units.tree.subtrees`). Its `as_of` is not known apart."""
    totals, answers = folded_counts("unit", [unit_id, *child_ids], period.date_from, period.date_to)
    total = [totals[unit_id][0], totals[unit_id][1], None]
    counted: dict[str, dict[str, int]] = {question: dict(dist) for question, dist in answers[unit_id].items()}
    for child_id in child_ids:
        total[0] -= totals[child_id][0]
        total[1] -= totals[child_id][1]
        for question, dist in answers[child_id].items():
            mine = counted.setdefault(question, {})
            for answer, n in dist.items():
                mine[answer] = mine.get(answer, 0) - n
    return _section(total, counted)


def officer_rows(unit_ids: list[int], period: ReportingPeriod) -> list[dict]:
    """The "6 biết" table per officer of the subtree: internal, never published."""
    officers = list(db.session.execute(
        select(Officer.id, Officer.code, Officer.name, Officer.unit_id, Officer.active)
        .where(Officer.unit_id.in_(unit_ids)).order_by(Officer.code)))
    sections = satisfaction_sections("officer", [o.id for o in officers], period)
    rows = []
    for officer in officers:
        section = sections[officer.id]
        if not officer.active and section["responses"] == 0:
            continue  # an officer who left before the period has nothing to show
        rows.append({"code": officer.code, "name": officer.name, "unit_id": officer.unit_id,
                     "responses": section["responses"], "satisfaction_pct": section["satisfaction_pct"],
                     "mean_score": section["mean_score"], "conduct": section["conduct"],
                     "conduct_score": section["conduct_score"]})
    return rows

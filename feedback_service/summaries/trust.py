"""Trust and denominators: what the dossiers served say about the ratings.

Read from the dossiers table at query time (not folded), so a late flag or a
return date the e-system corrects shows at once. Definitions (README); on time and
late are `dossiers.timeliness`, the one definition the reports and the dossier page use:
- `dossiers_received`: dossiers received in the period (by local day), not cancelled by
  its end;
- `dossiers_returned`: dossiers whose result was returned in the period, not cancelled
  by its end;
- `dossiers_on_time` / `dossiers_late`: of those returned, early or on time / late by
  local days (the e-system's `late` flag winning both ways; an apology slip does not
  make a late dossier on time); `dossiers_no_due_date`: returned with no due date and no
  flag, in neither;
- `on_time_pct` = on time ÷ (on time + late) × 100;
- `response_rate` = returned dossiers with an unflagged rating ÷ returned dossiers × 100;
- `satisfaction_by_timeliness`: satisfaction % of the verified ratings submitted in the
  period, split by whether their dossier was on time or late (overdue while still out).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, select

from .. import clock
from ..dossiers import timeliness
from ..extensions import db
from ..models import Dossier, Rating
from .scoring import conduct_pct

# A dossier's classification (dossiers.timeliness) → the summary's figure it counts in.
FIGURE_OF = {timeliness.EARLY: "on_time", timeliness.ON_TIME: "on_time", timeliness.LATE: "late",
             timeliness.OVERDUE: "late", timeliness.NO_DUE_DATE: "no_due_date"}


def dossier_timeliness():
    """Each dossier's classification today, as SQL (what its page shows)."""
    today = clock.local_today()
    return timeliness.classified(today, today)


def _between(column, date_from: date | None, date_to: date | None) -> list:
    conditions = [column.is_not(None)]
    if date_from is not None:
        conditions.append(column >= date_from)
    if date_to is not None:
        conditions.append(column <= date_to)
    return conditions


def dossier_figures(where: list, group_by, date_from: date | None, date_to: date | None) -> dict:
    """Figures per value of `group_by` (a Dossier column), for dossiers matching `where`."""
    counts: dict = defaultdict(lambda: defaultdict(int))
    received = db.session.execute(
        select(group_by, func.count()).where(*where, timeliness.not_cancelled_by(date_to),
                                             *_between(Dossier.received_day, date_from, date_to))
        .group_by(group_by))
    for key, n in received:
        counts[key]["received"] += n
    classification = dossier_timeliness()
    rated = case((and_(Rating.id.is_not(None), Rating.flag_reason.is_(None)), 1), else_=0)
    returned = db.session.execute(
        select(group_by, classification, func.count(), func.sum(rated))
        .select_from(Dossier).outerjoin(Rating, Rating.dossier_id == Dossier.id)
        .where(*where, timeliness.not_cancelled_by(date_to), *_between(Dossier.returned_day, date_from, date_to))
        .group_by(group_by, classification))
    for key, kind, n, n_rated in returned:
        figures = counts[key]
        figures["returned"] += n
        figures["rated"] += int(n_rated or 0)
        if kind in FIGURE_OF:
            figures[FIGURE_OF[kind]] += n
    min_level = current_app.config["SATISFIED_MIN_LEVEL"]
    satisfied = case((Rating.overall >= min_level, 1), else_=0)
    by_timeliness = db.session.execute(
        select(group_by, classification, func.count(), func.sum(satisfied))
        .select_from(Rating).join(Dossier, Rating.dossier_id == Dossier.id)
        .where(*where, Rating.flag_reason.is_(None), *_between(Rating.local_day, date_from, date_to))
        .group_by(group_by, classification))
    for key, kind, n, n_satisfied in by_timeliness:
        prefix = FIGURE_OF.get(kind)
        if prefix in ("on_time", "late"):
            counts[key][f"{prefix}_ratings"] += n
            counts[key][f"{prefix}_satisfied"] += int(n_satisfied or 0)
    return counts


def publish(raw: dict) -> dict:
    """The published fields from raw counts (see the module docstring)."""
    returned, rated = raw.get("returned", 0), raw.get("rated", 0)
    on_time, late = raw.get("on_time", 0), raw.get("late", 0)
    on_time_pct = conduct_pct(on_time, late)
    response_rate = 100.0 * rated / returned if returned else None

    def satisfaction(prefix: str) -> dict:
        n, ok = raw.get(f"{prefix}_ratings", 0), raw.get(f"{prefix}_satisfied", 0)
        return {"responses": n, "satisfaction_pct": round(100.0 * ok / n, 2) if n else None}

    return {
        "dossiers_received": raw.get("received", 0),
        "dossiers_returned": returned,
        "dossiers_on_time": on_time,
        "dossiers_late": late,
        "dossiers_no_due_date": raw.get("no_due_date", 0),
        "on_time_pct": None if on_time_pct is None else round(on_time_pct, 2),
        "dossiers_rated": rated,
        "response_rate": None if response_rate is None else round(response_rate, 2),
        "satisfaction_by_timeliness": {"on_time": satisfaction("on_time"), "late": satisfaction("late")},
    }


def for_units(unit_ids_by_group: dict[int, Iterable[int]], date_from, date_to) -> dict[int, dict]:
    """Published figures per group, each group a set of unit ids (a subtree)."""
    owner: dict[int, list[int]] = defaultdict(list)
    for group, unit_ids in unit_ids_by_group.items():
        for unit_id in unit_ids:
            owner[unit_id].append(group)
    raw = dossier_figures([Dossier.unit_id.in_(list(owner))], Dossier.unit_id, date_from, date_to) if owner else {}
    totals: dict[int, dict] = {group: defaultdict(int) for group in unit_ids_by_group}
    for unit_id, counts in raw.items():
        for group in owner[unit_id]:
            for name, n in counts.items():
                totals[group][name] += n
    return {group: publish(counts) for group, counts in totals.items()}


def for_column(column, value, date_from, date_to) -> dict:
    raw = dossier_figures([column == value], column, date_from, date_to)
    return publish(raw.get(value, {}))

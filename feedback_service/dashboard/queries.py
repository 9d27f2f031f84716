"""Dashboard reads the summaries module lacks: trend, heatmap, counters and officers.

Trend and tables read the folded summary tables through the same method as the
summary API (`figures_by_scope`, `scoring`), so a page never disagrees with it;
only the hour-of-day heatmap reads ratings, since the summaries keep no hours.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Counter, Officer, Rating, SummaryAnswer
from ..models.summaries import DAY
from ..summaries import disclosure
from ..summaries.read import figures_by_scope
from ..summaries.scoring import LEVELS, satisfaction_pct
from ..units.tree import subtree_ids
from ..units.succession import joined_on
from .periods import Period


def bucket_start(day: date, grain: str) -> date:
    return day - timedelta(days=day.weekday()) if grain == "week" else day.replace(day=1)


def trend(scope: str, scope_id: int, period: Period) -> list[dict]:
    """Satisfaction % of the overall question per week (Monday first) or month,
    every bucket of the period present, empty ones with 0 responses."""
    grain = period.trend_grain
    rows = db.session.execute(
        select(SummaryAnswer.day, SummaryAnswer.answer, func.sum(SummaryAnswer.n))
        .where(SummaryAnswer.scope == scope, SummaryAnswer.scope_id == scope_id, SummaryAnswer.grain == DAY,
               SummaryAnswer.question == "overall",
               SummaryAnswer.day >= period.date_from, SummaryAnswer.day <= period.date_to)
        .group_by(SummaryAnswer.day, SummaryAnswer.answer))
    dists: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, answer, n in rows:
        dists[bucket_start(day, grain)][answer] += int(n)
    min_level = current_app.config["SATISFIED_MIN_LEVEL"]
    points, start = [], bucket_start(period.date_from, grain)
    while start <= period.date_to:
        dist = dists.get(start, {})
        responses = sum(dist.get(level, 0) for level in LEVELS)
        pct = satisfaction_pct(dist, min_level)
        points.append({"start": start, "responses": responses,
                       "pct": None if disclosure.too_few(responses) or pct is None else round(pct, 2)})
        start = start + timedelta(days=7) if grain == "week" else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return points


def heatmap(where: list, period: Period) -> list[list[int]]:
    """Unflagged ratings per local weekday (Monday = 0) and local hour, counted in SQL
    per (day, hour): at most 24 rows a day reach Python, whatever the volume."""
    grid = [[0] * 24 for _ in range(7)]
    counts = db.session.execute(
        select(Rating.local_day, Rating.local_hour, func.count())
        .where(*where, Rating.flag_reason.is_(None), Rating.local_day >= period.date_from,
               Rating.local_day <= period.date_to)
        .group_by(Rating.local_day, Rating.local_hour))
    for day, hour, n in counts:
        grid[day.weekday()][hour] += n
    return grid


def unit_ratings(unit_id: int) -> list:
    return [Rating.unit_id.in_(subtree_ids(unit_id))]


def counters_table(unit_id: int, period: Period) -> list[dict]:
    """The counters of the unit's whole subtree with their figures, by unit then code. A counter
    moved in by a split or merger counts from the day it joined (`succession.joined_on`)."""
    counters = list(db.session.scalars(
        select(Counter).where(Counter.unit_id.in_(subtree_ids(unit_id))).order_by(Counter.unit_id, Counter.code)))
    joined = joined_on([c.id for c in counters])
    by_start: dict[date | None, list[int]] = defaultdict(list)
    for c in counters:
        start = period.date_from
        if c.id in joined and (start is None or joined[c.id] > start):
            start = joined[c.id]
        by_start[start].append(c.id)
    figures = {}
    for start, ids in by_start.items():
        figures.update(figures_by_scope("counter", ids, start, period.date_to))
    return [{"counter": c, **figures[c.id]} for c in counters]


def officers_table(where: list, period: Period, sort: str, descending: bool) -> list[dict]:
    """Officers matching `where` with their figures, sorted by a behaviour's % (or
    by name / responses / satisfaction). Figures hidden as too small sort last,
    whatever the direction: an officer is not ranked on numbers nobody sees."""
    officers = list(db.session.scalars(select(Officer).where(*where).order_by(Officer.name)
                                       .options(joinedload(Officer.unit), joinedload(Officer.counter))))
    figures = figures_by_scope("officer", [o.id for o in officers], period.date_from, period.date_to)
    rows = [{"officer": o, **figures[o.id]} for o in officers]
    if sort == "name":
        rows.sort(key=lambda r: r["officer"].name.casefold(), reverse=descending)
        return rows
    shown = [r for r in rows if sort_value(r, sort) is not None]
    hidden = [r for r in rows if sort_value(r, sort) is None]
    shown.sort(key=lambda r: sort_value(r, sort), reverse=descending)
    return shown + hidden


def sort_value(row: dict, sort: str) -> float | None:
    if sort == "responses":
        return row["responses"]
    if sort == "satisfaction":
        return row["satisfaction_pct"] if disclosure.may_rank(row["responses"], row["satisfaction_pct"]) else None
    item = row["conduct"].get(sort)
    if item is None or not disclosure.may_rank(item["yes"] + item["no"], item["pct"]):
        return None
    return item["pct"]

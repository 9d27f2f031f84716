"""Reading the folded summaries for a scope and a period of local days.

Figures are cached in Redis under the current *fold generation*, a counter every
fold bumps after it commits: a cached summary is never older than the last fold,
and a dashboard polling an unchanged summary costs one Redis read.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from ..clock import as_utc
from ..extensions import db, redis_client
from ..models import Dossier, SummaryAnswer, SummaryTotal, Unit
from ..models.summaries import DAY, MONTH
from ..ratings.instrument import current_instrument
from ..units.succession import predecessors, reorganised
from ..units.tree import child_units, subtrees
from . import trust
from .keys import VERIFIED_PREFIX
from .scoring import compose

GENERATION_KEY = "sipas:summary:generation"
log = logging.getLogger(__name__)


def bump_generation() -> None:
    """Called after every fold or rebuild that changed the summaries."""
    try:
        redis_client().incr(GENERATION_KEY)
    except RedisError as exc:  # the cache then expires on its TTL
        log.warning("summary cache generation not bumped: %s", exc)


def generation() -> str | None:
    """The current fold generation and the settings every figure depends on: what a
    cached figure (or a built report file) is current for. None when Redis does not answer."""
    config = f"{current_app.config['INSTRUMENT_VERSION']}:{current_app.config['SATISFIED_MIN_LEVEL']}"
    try:
        return f"{redis_client().get(GENERATION_KEY) or '0'}:{config}"
    except RedisError:
        return None


def cached(key: str, compute: Callable[[], dict]) -> dict:
    seconds = current_app.config["SUMMARY_CACHE_SECONDS"]
    if seconds <= 0:
        return compute()
    current = generation()
    if current is None:
        return compute()  # Redis is only a cache
    full_key = f"sipas:summary:{current}:{key}"
    try:
        hit = redis_client().get(full_key)
    except RedisError:
        return compute()
    if hit is not None:
        return json.loads(hit)
    value = compute()
    try:
        redis_client().set(full_key, json.dumps(value, ensure_ascii=False), ex=seconds)
    except RedisError:
        pass
    return value


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_buckets(date_from: date | None, date_to: date | None) -> list[tuple[str, date | None, date | None]]:
    """The buckets that cover [date_from, date_to] exactly once, as (grain, first
    day, day after the last) with None for an open end: month rows for the whole
    months inside, day rows for the loose days at either end."""
    first_month = None if date_from is None else (date_from if date_from.day == 1 else _next_month(date_from))
    months_end = None  # whole months end before this day
    if date_to is not None:
        after = date_to + timedelta(days=1)
        months_end = after if after.day == 1 else date_to.replace(day=1)
    if first_month is not None and months_end is not None and first_month >= months_end:
        return [(DAY, date_from, date_to + timedelta(days=1))]
    buckets = [(MONTH, first_month, months_end)]
    if date_from is not None and date_from < first_month:
        buckets.append((DAY, date_from, first_month))
    if date_to is not None and months_end <= date_to:
        buckets.append((DAY, months_end, date_to + timedelta(days=1)))
    return buckets


def _in_bucket(model, grain: str, start: date | None, end: date | None) -> list:
    conditions = [model.grain == grain]
    if start is not None:
        conditions.append(model.day >= start)
    if end is not None:
        conditions.append(model.day < end)
    return conditions


def folded_counts(scope: str, scope_ids: list[int], date_from: date | None, date_to: date | None
                  ) -> tuple[dict[int, list], dict[int, dict[str, dict[str, int]]]]:
    """The folded counts of several scopes of one kind over a period: per scope id,
    [responses, flagged, last submission] and {question: {answer: n}}.

    Two queries per bucket (at most three buckets), each an index range seek:
    an OR of buckets in one query would make SQLite scan every row of the scopes.
    """
    totals = {sid: [0, 0, None] for sid in scope_ids}
    answers: dict[int, dict[str, dict[str, int]]] = {sid: defaultdict(lambda: defaultdict(int)) for sid in scope_ids}
    for grain, start, end in (period_buckets(date_from, date_to) if scope_ids else []):
        total_rows = db.session.execute(
            select(SummaryTotal.scope_id, func.sum(SummaryTotal.responses), func.sum(SummaryTotal.flagged),
                   func.max(SummaryTotal.last_submitted_at))
            .where(SummaryTotal.scope == scope, SummaryTotal.scope_id.in_(scope_ids),
                   *_in_bucket(SummaryTotal, grain, start, end))
            .group_by(SummaryTotal.scope_id)
        )
        for sid, responses, flagged, last in total_rows:
            total = totals[sid]
            total[0] += int(responses or 0)
            total[1] += int(flagged or 0)
            if last is not None and (total[2] is None or as_utc(last) > total[2]):
                total[2] = as_utc(last)
        answer_rows = db.session.execute(
            select(SummaryAnswer.scope_id, SummaryAnswer.question, SummaryAnswer.answer,
                   func.sum(SummaryAnswer.n))
            .where(SummaryAnswer.scope == scope, SummaryAnswer.scope_id.in_(scope_ids),
                   *_in_bucket(SummaryAnswer, grain, start, end))
            .group_by(SummaryAnswer.scope_id, SummaryAnswer.question, SummaryAnswer.answer)
        )
        for sid, question, answer, n in answer_rows:
            answers[sid][question][answer] += int(n)
    return totals, answers


def figures_by_scope(scope: str, scope_ids: list[int], date_from: date | None, date_to: date | None) -> dict[int, dict]:
    """Summary figures for several scopes of one kind."""
    totals, answers = folded_counts(scope, scope_ids, date_from, date_to)
    return {sid: figures_from_counts(totals[sid], answers[sid]) for sid in scope_ids}


def figures_from_counts(total: list, counted: dict[str, dict[str, int]]) -> dict:
    """One scope's published figures from its folded counts (`folded_counts`)."""
    instrument = current_instrument()
    min_level = current_app.config["SATISFIED_MIN_LEVEL"]

    def figures_of(responses: int, answers: dict) -> dict:
        return compose(responses, answers, instrument.element_keys, instrument.conduct_keys, min_level)

    responses, flagged, last = total
    figures = figures_of(responses, counted)
    figures["flagged"] = flagged
    figures["as_of"] = last.isoformat() if last else None
    verified, unverified = split_by_trust(counted)
    n_verified = counted.get("trust", {}).get("verified", 0)
    figures["verified"] = headline(figures_of(n_verified, verified))
    figures["unverified"] = headline(figures_of(responses - n_verified, unverified))
    figures["verified_share_pct"] = round(100.0 * n_verified / responses, 2) if responses else None
    return figures


def split_by_trust(counted: dict) -> tuple[dict, dict]:
    """Answer counts of the verified ratings, and of the rest by difference."""
    verified = {q[len(VERIFIED_PREFIX):]: dist for q, dist in counted.items() if q.startswith(VERIFIED_PREFIX)}
    unverified = {}
    for question, dist in counted.items():
        if question.startswith(VERIFIED_PREFIX) or question == "trust":
            continue
        mine = verified.get(question, {})
        unverified[question] = {answer: n - mine.get(answer, 0) for answer, n in dist.items()}
    return verified, unverified


def headline(figures: dict) -> dict:
    keys = ("responses", "satisfaction_pct", "mean_score", "sipas_index", "conduct_score")
    return {key: figures[key] for key in keys}


def unit_summary(unit: Unit, date_from: date | None, date_to: date | None) -> dict:
    return cached(f"unit:{unit.id}:{date_from}:{date_to}", lambda: _unit_summary(unit, date_from, date_to))


def _unit_summary(unit: Unit, date_from: date | None, date_to: date | None) -> dict:
    """A unit's figures (its whole subtree) and the same for each direct child.

    Merged units are left out of `children`: their ratings already roll up
    through the unit they were merged into, and `history` names them.
    """
    children = child_units(unit)
    figures = figures_by_scope("unit", [unit.id] + [c.id for c in children], date_from, date_to)
    dossiers = trust.for_units(subtrees(unit, children), date_from, date_to)
    summary = {"unit": {"code": unit.code, "name": unit.name, "kind": unit.kind}}
    summary.update(_period(date_from, date_to))
    summary.update(figures[unit.id])
    summary.update(dossiers[unit.id])
    summary["children"] = [
        {"code": child.code, "name": child.name, "kind": child.kind, **figures[child.id], **dossiers[child.id]}
        for child in children
    ]
    summary["history"] = _history(unit, date_from, date_to)
    summary["reorganised"] = _reorganised(unit)
    return summary


def _history(unit: Unit, date_from: date | None, date_to: date | None) -> list[dict]:
    """The old units whose history the unit shows (`succession.predecessors`), each with its own
    figures: a merged one's are inside the unit's (`counted_in_figures`), a split one's are
    shared with its other successors and counted in none of theirs."""
    found = predecessors(unit.id)
    figures = figures_by_scope("unit", [p.unit.id for p in found], date_from, date_to)
    return [{"code": p.unit.code, "name": p.unit.name, "kind": p.unit.kind, "relation": p.relation,
             "effective_date": p.effective_date.isoformat() if p.effective_date else None,
             "counted_in_figures": p.counted, "shared_with": [{"code": u.code, "name": u.name} for u in p.shared_with],
             **figures[p.unit.id]} for p in found]


def _reorganised(unit: Unit) -> dict | None:
    went = reorganised(unit)
    if went is None:
        return None
    return {"kind": went.kind, "effective_date": went.effective_date.isoformat() if went.effective_date else None,
            "into": [{"code": u.code, "name": u.name} for u in went.into]}


def scope_summary(scope: str, scope_id: int, date_from: date | None, date_to: date | None) -> dict:
    return cached(f"{scope}:{scope_id}:{date_from}:{date_to}",
                  lambda: _scope_summary(scope, scope_id, date_from, date_to))


def _scope_summary(scope: str, scope_id: int, date_from: date | None, date_to: date | None) -> dict:
    summary = _period(date_from, date_to)
    summary.update(figures_by_scope(scope, [scope_id], date_from, date_to)[scope_id])
    column = {"counter": Dossier.counter_id, "officer": Dossier.officer_id}[scope]
    summary.update(trust.for_column(column, scope_id, date_from, date_to))
    return summary


def _period(date_from: date | None, date_to: date | None) -> dict:
    return {
        "period": {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "timezone": current_app.config["LOCAL_TIMEZONE"],
        }
    }

"""Reading the folded summaries for a scope and a period of local days."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from .aggregation import as_utc
from .extensions import db
from .instrument import current_instrument
from .models import SummaryAnswer, SummaryDay, Unit
from .scoring import compose


def _in_period(model, date_from: date | None, date_to: date | None) -> list:
    conditions = []
    if date_from is not None:
        conditions.append(model.day >= date_from)
    if date_to is not None:
        conditions.append(model.day <= date_to)
    return conditions


def figures_by_scope(scope: str, scope_ids: list[int], date_from: date | None, date_to: date | None) -> dict[int, dict]:
    """Summary figures for several scopes of one kind, two queries in all."""
    totals = {sid: (0, 0, None) for sid in scope_ids}
    answers: dict[int, dict[str, dict[str, int]]] = {sid: defaultdict(dict) for sid in scope_ids}
    if scope_ids:
        day_rows = db.session.execute(
            select(SummaryDay.scope_id, func.sum(SummaryDay.responses), func.sum(SummaryDay.flagged),
                   func.max(SummaryDay.last_submitted_at))
            .where(SummaryDay.scope == scope, SummaryDay.scope_id.in_(scope_ids),
                   *_in_period(SummaryDay, date_from, date_to))
            .group_by(SummaryDay.scope_id)
        )
        for sid, responses, flagged, last in day_rows:
            totals[sid] = (int(responses or 0), int(flagged or 0), last)
        answer_rows = db.session.execute(
            select(SummaryAnswer.scope_id, SummaryAnswer.question, SummaryAnswer.answer,
                   func.sum(SummaryAnswer.n))
            .where(SummaryAnswer.scope == scope, SummaryAnswer.scope_id.in_(scope_ids),
                   *_in_period(SummaryAnswer, date_from, date_to))
            .group_by(SummaryAnswer.scope_id, SummaryAnswer.question, SummaryAnswer.answer)
        )
        for sid, question, answer, n in answer_rows:
            answers[sid][question][answer] = int(n)

    instrument = current_instrument()
    min_level = current_app.config["SATISFIED_MIN_LEVEL"]
    result = {}
    for sid in scope_ids:
        responses, flagged, last = totals[sid]
        figures = compose(responses, answers[sid], instrument.element_keys, instrument.conduct_keys, min_level)
        figures["flagged"] = flagged
        figures["as_of"] = as_utc(last).isoformat() if last else None
        result[sid] = figures
    return result


def unit_summary(unit: Unit, date_from: date | None, date_to: date | None) -> dict:
    """A unit's figures (its whole subtree) and the same for each direct child.

    Merged units are left out of `children`: their ratings already roll up
    through the unit they were merged into.
    """
    children = list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, Unit.successor_id.is_(None)).order_by(Unit.code)
    ))
    figures = figures_by_scope("unit", [unit.id] + [c.id for c in children], date_from, date_to)
    summary = {"unit": {"code": unit.code, "name": unit.name, "kind": unit.kind}}
    summary.update(_period(date_from, date_to))
    summary.update(figures[unit.id])
    summary["children"] = [
        {"code": child.code, "name": child.name, "kind": child.kind, **figures[child.id]}
        for child in children
    ]
    return summary


def scope_summary(scope: str, scope_id: int, date_from: date | None, date_to: date | None) -> dict:
    summary = _period(date_from, date_to)
    summary.update(figures_by_scope(scope, [scope_id], date_from, date_to)[scope_id])
    return summary


def _period(date_from: date | None, date_to: date | None) -> dict:
    return {
        "period": {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "timezone": current_app.config["LOCAL_TIMEZONE"],
        }
    }

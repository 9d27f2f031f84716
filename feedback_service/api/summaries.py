"""Public, aggregated summaries: figures only, never comments or personal data, and no
figure resting on fewer than 5 answers (`disclosure.publish`)."""
from __future__ import annotations

from flask import jsonify

from ..errors import ApiError
from ..extensions import db
from ..models import Counter, Unit
from ..summaries.disclosure import publish
from ..summaries.read import scope_summary, unit_summary
from . import api
from .params import period


@api.get("/units/<code>/summary")
def unit_summary_route(code: str):
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")
    return jsonify(publish(unit_summary(unit, *period())))


@api.get("/counters/<id:counter_id>/summary")
def counter_summary_route(counter_id: int):
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise ApiError(404, f"no counter {counter_id}")
    summary = {"counter": {"id": counter.id, "name": counter.name, "unit_code": counter.unit.code}}
    summary.update(scope_summary("counter", counter.id, *period()))
    return jsonify(publish(summary))

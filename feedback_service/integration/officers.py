"""`GET /api/v1/units/<code>/officers`: a unit subtree's officers, for a key scoped to it."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

from ..api.params import period
from ..errors import ApiError
from ..extensions import db
from ..models import Counter, Officer, Unit
from ..people.api_clients import in_scope
from ..summaries.disclosure import publish
from ..summaries.read import scope_summary
from ..units.tree import subtree_ids
from . import integration, require_scope


@integration.get("/units/<code>/officers")
def unit_officers(code: str):
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")
    require_scope(unit.id)
    rows = db.session.execute(
        select(Officer, Unit.code, Counter.code)
        .join(Unit, Officer.unit_id == Unit.id)
        .outerjoin(Counter, Officer.counter_id == Counter.id)
        .where(Officer.unit_id.in_(subtree_ids(unit.id)), Officer.active.is_(True))
        .order_by(Unit.code, Officer.code)
    ).all()
    return jsonify({
        "unit": {"code": unit.code, "name": unit.name},
        "officers": [
            {"code": officer.code, "name": officer.name, "unit_code": unit_code,
             "counter_id": officer.counter_id, "counter_code": counter_code}
            for officer, unit_code, counter_code in rows
        ],
    })


@integration.get("/officers/<code>/summary")
def officer_summary(code: str):
    """An officer's figures: behind a key, as officers' figures are not public, and without
    small cells all the same (`disclosure.publish`): a key is no reason to see one citizen.
    An officer outside the key's subtree is the same 404 as no officer at all (units are
    public, so a unit outside it is a 403; people are not)."""
    officer = db.session.scalar(select(Officer).where(Officer.code == code))
    if officer is None or not in_scope(g.client, officer.unit_id):
        raise ApiError(404, "no officer with this code")
    summary = {"officer": {"code": officer.code, "name": officer.name, "unit_code": officer.unit.code,
                           "counter_id": officer.counter_id}}
    summary.update(scope_summary("officer", officer.id, *period()))
    return jsonify(publish(summary))

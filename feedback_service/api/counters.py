"""Counters and their QR codes: the images for posters and a unit's counter list.

The list is public (counter names are), but a counter's token, QR images and poster
are operators' material (`operators.py`): anonymous callers get the names only, and the
images answer 401 without a key or login, 403 outside the caller's subtree.
"""
from __future__ import annotations

from flask import Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select

from ..errors import ApiError
from ..extensions import db
from ..models import Counter, Unit
from ..people.operators import Operator, UnknownKey, current_operator
from ..ratings import qr
from ..ratings.tokens import counter_url
from ..units.tree import subtree_ids
from . import api

# Browsers and print shops may reuse an image briefly; a rotation shows within minutes.
PER_PAGE_DEFAULT = 100
PER_PAGE_MAX = 1000


def _int_arg(name: str, default: int, low: int, high: int, errors: list[dict]) -> int:
    """A bounded whole-number query parameter; a bad one is added to `errors`."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    message = f"expected a whole number from {low} to {high}"
    try:
        value = int(raw)
    except ValueError:
        errors.append({"field": name, "code": "not_an_integer", "message": message})
        return default
    if not low <= value <= high:
        errors.append({"field": name, "code": "out_of_range", "message": message})
        return default
    return value


def _checked(errors: list[dict]) -> None:
    if errors:
        raise ApiError(422, "invalid query parameters", details=errors)


def _active_counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise ApiError(404, f"no active counter {counter_id}")
    return counter


def _operator() -> Operator | None:
    try:
        return current_operator()
    except UnknownKey:
        raise ApiError(401, "unknown or revoked API key", code="unauthorized") from None


def _qr_response(counter_id: int, fmt: str, size: int | None) -> Response:
    # Who asks comes first: an anonymous caller learns nothing, not even whether the counter exists.
    operator = _operator()
    if operator is None:
        raise ApiError(401, "a counter's QR code needs an API key ('Authorization: Bearer <key>') "
                            "or a dashboard login", code="unauthorized")
    counter = _active_counter(counter_id)
    if not operator.may_handle(counter.unit_id):
        raise ApiError(403, "this caller may not handle that counter's QR code", code="forbidden")
    size = qr.png_size(size)  # a few cached images per counter, not one per size asked for
    # Behind a key or a login: shared caches must not keep it for the next caller.
    return qr.image_response(counter_url(counter), fmt, size, qr.cache_key(counter, fmt, size), shared=False)


@api.get("/counters/<id:counter_id>/qr.png")
def counter_qr_png(counter_id: int):
    errors: list[dict] = []
    size = _int_arg("size", qr.PNG_SIZE_DEFAULT, qr.PNG_SIZE_MIN, qr.PNG_SIZE_MAX, errors)
    _checked(errors)
    return _qr_response(counter_id, "png", size)


@api.get("/counters/<id:counter_id>/qr.svg")
def counter_qr_svg(counter_id: int):
    # A vector image has no pixel size: `?size=` is ignored here.
    return _qr_response(counter_id, "svg", None)


def _public_url(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_BASE_URL, which already names the public root
    (as in `tokens.counter_url`), so the mount point is not repeated."""
    path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"] + path[len(request.script_root):]


def _unit_json(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def _counter_json(counter: Counter, unit: Unit, with_material: bool) -> dict:
    """A counter's public facts; its feedback URL (the token), QR and poster links only
    for an operator who handles it."""
    row = {
        "id": counter.id,
        "code": counter.code,
        "name": counter.name,
        "unit_code": unit.code,
        "unit_name": unit.name,
    }
    if with_material:
        row.update({
            "feedback_url": counter_url(counter),
            "qr_png": _public_url("api.counter_qr_png", counter_id=counter.id),
            "qr_svg": _public_url("api.counter_qr_svg", counter_id=counter.id),
            "poster": _public_url("citizen.counter_poster", counter_id=counter.id),
        })
    return row


@api.get("/units/<code>/counters")
def unit_counters(code: str):
    """The active counters of the unit and every unit below it; with a key or login, the
    links for printing posters of the counters the caller handles."""
    operator = _operator()
    errors: list[dict] = []
    page = _int_arg("page", 1, 1, 10**9, errors)
    per_page = _int_arg("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX, errors)
    _checked(errors)
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")

    in_subtree = (Counter.unit_id.in_(subtree_ids(unit.id)), Counter.active.is_(True))
    total = db.session.scalar(select(func.count()).select_from(Counter).where(*in_subtree))
    rows = db.session.execute(
        select(Counter, Unit).join(Unit, Counter.unit_id == Unit.id).where(*in_subtree)
        .order_by(Unit.code, Counter.code, Counter.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    handled = operator.unit_ids() if operator is not None else set()

    def with_material(owner: Unit) -> bool:
        return handled is None or owner.id in handled

    return jsonify({
        "unit": _unit_json(unit),
        "counters": [_counter_json(counter, owner, with_material(owner)) for counter, owner in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    })

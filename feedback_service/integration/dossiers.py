"""`/api/v1/dossiers`: the one-door e-system registers dossiers and reports what
happens to them; each dossier gets a feedback URL and a QR to print on its receipt."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..dossiers.records import (BATCH_MAX_ITEMS, DossierForbidden, DossierInvalid, Lookups, Outcome, apply_update,
                                as_utc, check_registration, check_update, existing_dossiers, register)
from ..dossiers.tokens import dossier_url
from ..errors import ApiError
from ..extensions import db
from ..models import Dossier, Unit
from ..people.api_clients import in_scope
from ..ratings import qr
from ..summaries.read import bump_generation
from ..units.tree import subtree_ids
from ..validation import has_control, nfc
from . import integration

# A batch of 1,000 dossiers is about 500 KB of JSON; the app-wide limit stays small.
# Sized for a receipt printer (~3 cm at 203 dpi); `?size=` asks for another.
RECEIPT_QR_SIZE = 256
# A unique-code race between two requests is retried this often before giving up.
_RACE_ATTEMPTS = 3
T = TypeVar("T")


def _json_object(what: str) -> dict:
    if not request.is_json:
        raise ApiError(415, f"send the {what} as application/json")
    # Reading the body enforces the content length limit (413) before parsing.
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(422, f"the {what} must be a JSON object", details=[
            {"field": "(body)", "code": "wrong_type", "message": "expected an object"}])
    return body


def _allowed(unit_id: int) -> bool:
    return in_scope(g.client, unit_id)


def _public_url(endpoint: str, **values) -> str:
    # PUBLIC_BASE_URL already names the public root, so the mount point is not repeated.
    path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"] + path[len(request.script_root):]


def _links(dossier: Dossier) -> dict:
    # The unit rides along: a code is unique per unit only, so a province key seeing two
    # communes' dossiers with one code still fetches the right receipt QR.
    unit_code = dossier.unit.code
    return {
        "feedback_url": dossier_url(dossier),
        "qr_png": _public_url("integration.dossier_qr_png", code=dossier.code, unit_code=unit_code),
        "qr_svg": _public_url("integration.dossier_qr_svg", code=dossier.code, unit_code=unit_code),
    }


def _time(moment) -> str | None:
    moment = as_utc(moment)
    return moment.isoformat() if moment else None


def dossier_json(dossier: Dossier) -> dict:
    return {
        "code": dossier.code,
        **_links(dossier),
        "unit_code": dossier.unit.code,
        "counter_id": dossier.counter_id,
        "officer_code": dossier.officer.code if dossier.officer else None,
        "procedure": {"code": dossier.procedure_code, "name": dossier.procedure_name,
                      "field_code": dossier.field_code, "field_name": dossier.field_name},
        "channel": dossier.channel,
        "received_at": _time(dossier.received_at),
        "received_day": dossier.received_day.isoformat(),
        "due_at": _time(dossier.due_at),
        "resolved_at": _time(dossier.resolved_at),
        "returned_at": _time(dossier.returned_at),
        "returned_day": dossier.returned_day.isoformat() if dossier.returned_day else None,
        "late": dossier.late,
        "apology_issued_at": _time(dossier.apology_issued_at),
        "new_due_at": _time(dossier.new_due_at),
        "cancelled": bool(dossier.cancelled),
        "cancelled_at": _time(dossier.cancelled_at),
    }


def _invalid(exc: DossierInvalid, what: str = "the dossier has invalid fields") -> ApiError:
    return ApiError(422, what, details=[e.as_dict() for e in exc.errors])


def _conflict(outcome: Outcome) -> ApiError:
    # Only the names: the stored values may belong to a unit the caller cannot see.
    return ApiError(409, f"dossier {outcome.dossier.code} is already registered with other facts", details=[
        {"field": name, "code": "conflict", "message": "differs from the registered dossier"}
        for name in outcome.differing])


def _register_racing(attempt: Callable[[], T], wrote: Callable[[T], bool]) -> T:
    """Run `attempt` (registrations added to the session) and commit what it `wrote`.
    When another request registered one of the same codes first, the commit fails on the
    unique code: roll back and run it again, now comparing with theirs."""
    tries = 0
    while True:
        tries += 1
        result = attempt()
        if not wrote(result):
            return result
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if tries == _RACE_ATTEMPTS:
                raise
            continue
        bump_generation()  # denominators changed: cached summaries are stale
        return result


@integration.post("/dossiers")
def create_dossier():
    body = _json_object("dossier")
    try:
        registration = check_registration(body, Lookups(), _allowed)
    except DossierForbidden:
        raise ApiError(403, "this API key is not allowed to touch that unit", code="forbidden") from None
    except DossierInvalid as exc:
        raise _invalid(exc) from None
    outcome = _register_racing(
        lambda: register(registration, existing_dossiers([registration.code]), g.client.actor, g.client.id),
        wrote=lambda outcome: outcome.status == "created")
    if outcome.status == "conflict":
        raise _conflict(outcome)
    return jsonify(dossier_json(outcome.dossier)), 201 if outcome.status == "created" else 200


def _batch_items() -> list:
    limit = current_app.config["DOSSIER_BATCH_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"a batch may be at most {limit} bytes")
    # Flask 3.1 lets one request raise the app-wide MAX_CONTENT_LENGTH; this also
    # bounds a chunked body that sent no Content-Length.
    request.max_content_length = limit
    body = _json_object("batch")
    items = body.get("dossiers")
    errors = [{"field": name, "code": "unknown_field", "message": "unknown field"}
              for name in sorted(set(body) - {"dossiers"})]
    if not isinstance(items, list):
        errors.append({"field": "dossiers", "code": "required" if items is None else "wrong_type",
                       "message": "expected an array of dossiers"})
    elif not 1 <= len(items) <= BATCH_MAX_ITEMS:
        errors.append({"field": "dossiers", "code": "out_of_range",
                       "message": f"from 1 to {BATCH_MAX_ITEMS} dossiers per call, got {len(items)}"})
    if errors:
        raise ApiError(422, "the batch is invalid", details=errors)
    return items


def _register_batch(items: list) -> list[dict]:
    lookups = Lookups()
    checked: list[tuple[int, object, dict | None]] = []
    for index, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        code = code if isinstance(code, str) else None
        try:
            checked.append((index, check_registration(item, lookups, _allowed), {"index": index, "code": code}))
        except DossierForbidden:
            checked.append((index, None, {"index": index, "code": code, "status": "forbidden"}))
        except DossierInvalid as exc:
            checked.append((index, None, {"index": index, "code": code, "status": "invalid",
                                          "errors": [e.as_dict() for e in exc.errors]}))
    def attempt() -> dict:
        existing = existing_dossiers([reg.code for _, reg, _ in checked if reg is not None])
        return {index: register(reg, existing, g.client.actor, g.client.id)
                for index, reg, _ in checked if reg is not None}

    outcomes = _register_racing(attempt, wrote=lambda _: True)
    results = []
    for index, _, result in checked:
        outcome = outcomes.get(index)
        if outcome is not None:
            result["status"] = outcome.status
            if outcome.status == "conflict":
                result["errors"] = [{"field": name, "code": "conflict", "message": "differs from the registered dossier"}
                                    for name in outcome.differing]
            else:
                result.update(_links(outcome.dossier))
        results.append(result)
    return results


@integration.post("/dossiers:batch")
def create_dossiers_batch():
    results = _register_batch(_batch_items())
    counts = {status: 0 for status in ("created", "unchanged", "conflict", "invalid", "forbidden")}
    for result in results:
        counts[result["status"]] += 1
    return jsonify({"results": results, "counts": counts})


def _scoped_dossier(code: str) -> Dossier:
    """The dossier with this code among those the key may see: another unit's dossier is
    exactly as "not found" as no dossier at all (no 403 to tell that the code exists).
    `?unit_code=` names the unit when the key's subtree holds the code more than once."""
    code = nfc(code)  # codes are stored in NFC (see dossiers.check_registration)
    if has_control(code):
        raise ApiError(404, f"no dossier with code {code!r}")
    unit_code = request.args.get("unit_code") or None
    found = db.session.scalars(
        select(Dossier).join(Unit, Dossier.unit_id == Unit.id)
        .where(Dossier.code == code, Dossier.unit_id.in_(subtree_ids(g.client.unit_id)),
               *((Unit.code == unit_code,) if unit_code else ()))
        .order_by(Unit.code)
        .limit(2)
    ).all()
    if not found:
        raise ApiError(404, f"no dossier with code {code!r}")
    if len(found) > 1:
        raise ApiError(422, "invalid query parameters", details=[{
            "field": "unit_code", "code": "required",
            "message": "several units in this key's subtree have a dossier with this code: name the unit"}])
    return found[0]


@integration.get("/dossiers/<code>")
def get_dossier(code: str):
    return jsonify(dossier_json(_scoped_dossier(code)))


@integration.patch("/dossiers/<code>")
def update_dossier(code: str):
    dossier = _scoped_dossier(code)
    body = _json_object("changes")
    try:
        changes = check_update(body, dossier.received_at, bool(dossier.cancelled))
    except DossierInvalid as exc:
        raise _invalid(exc, "the changes have invalid fields") from None
    if apply_update(dossier, changes, g.client.actor):
        db.session.commit()
        bump_generation()  # denominators changed: cached summaries are stale
    return jsonify(dossier_json(dossier))


# --- QR images for the receipt ----------------------------------------------------

def _size_arg() -> int:
    raw = request.args.get("size")
    if raw in (None, ""):
        return RECEIPT_QR_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if not qr.PNG_SIZE_MIN <= size <= qr.PNG_SIZE_MAX:
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "size", "code": "out_of_range",
             "message": f"expected a whole number from {qr.PNG_SIZE_MIN} to {qr.PNG_SIZE_MAX}"}])
    return size


def _qr_response(code: str, fmt: str, size: int | None) -> Response:
    dossier = _scoped_dossier(code)
    url = dossier_url(dossier)
    size = qr.png_size(size)  # a few cached images per dossier, not one per size asked for
    key = f"qr:dossier:{dossier.id}:{fmt}:{size or 0}:{qr.image_etag(url, fmt, size)}"
    # Behind an API key: shared caches must not keep it.
    return qr.image_response(url, fmt, size, key, shared=False)


@integration.get("/dossiers/<code>/qr.png")
def dossier_qr_png(code: str):
    return _qr_response(code, "png", _size_arg())


@integration.get("/dossiers/<code>/qr.svg")
def dossier_qr_svg(code: str):
    return _qr_response(code, "svg", None)

"""Period reports (`/api/v1/units/<code>/report`): the document a unit files upward.

Not public: a report carries the officers' table and figures on fewer than five
answers, so it answers 401 without an API key or login and 403 outside the caller's
subtree. A submitted version is served exactly as it was submitted (its `sha256`
verifies); before the first submission the live draft is served. `?audience=public`
serves the copy that may be published (no officers, "<5" for small cells).
"""
from __future__ import annotations

from flask import jsonify, request

from ..errors import ApiError
from ..models import Unit
from ..people.operators import UnknownKey, current_operator
from ..reports.filing import served_document
from ..reports.publishing import published
from ..reports.periods import PeriodInvalid, ReportingPeriod, parse_period
from . import api


def report_scope(code: str) -> tuple[Unit, ReportingPeriod, int | None]:
    """The unit, period and version a report URL names, for a caller allowed to read it."""
    try:
        operator = current_operator()
    except UnknownKey:
        raise ApiError(401, "unknown or revoked API key", code="unauthorized") from None
    if operator is None:
        raise ApiError(401, "a report needs an API key ('Authorization: Bearer <key>') or a dashboard login",
                       code="unauthorized")
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")
    if not operator.may_handle(unit.id):
        raise ApiError(403, "this caller may not read that unit's reports", code="forbidden")
    raw = request.args.get("period")
    if raw in (None, ""):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "period", "code": "required", "message": "name the period, e.g. 2026-Q3 or 2026-Q3/official"}])
    try:
        period = parse_period(raw)
    except PeriodInvalid as exc:
        raise ApiError(422, "invalid query parameters",
                       details=[{"field": "period", "code": "invalid_period", "message": str(exc)}]) from None
    version = request.args.get("version")
    if version in (None, ""):
        return unit, period, None
    if not (version.isascii() and version.isdigit() and 1 <= len(version) <= 6 and int(version) >= 1):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "version", "code": "not_an_integer", "message": "a version number from 1"}])
    return unit, period, int(version)


@api.get("/units/<code>/report")
def unit_report(code: str):
    unit, period, version = report_scope(code)
    try:
        document = served_document(unit, period, version)
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    if request.args.get("audience", "internal") == "public":
        document = published(document)
    elif request.args.get("audience") not in (None, "", "internal"):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "audience", "code": "invalid_choice", "message": "internal (default) or public"}])
    response = jsonify(document)
    response.headers["Cache-Control"] = "private, no-store"
    return response

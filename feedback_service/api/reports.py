"""Period reports (`/api/v1/units/<code>/report`): the document a unit files upward.

Not public: it answers 401 without an API key or login and 403 outside the caller's
subtree. Which copy a caller reads is `reports.audience`'s choice: the internal copy (a
submitted version exactly as it was submitted, its `sha256` verifying; before the first
submission the live draft) for the people who file and review it and for keys with the
`reports` scope, the published copy (no officers, "<5" for small cells, roles instead of
usernames, no hash) for every other reader. `?audience=public` asks for the published
copy; asking for the internal one without the right is a 403.
"""
from __future__ import annotations

from flask import jsonify, request

from ..errors import ApiError
from ..models import Unit
from ..people.operators import UnknownKey, current_operator
from ..reports.audience import COPIES, AudienceRefused, copy_for, served_copy
from ..reports.periods import ReportingPeriod
from . import api
from .params import reporting_period


def report_scope(code: str) -> tuple[Unit, ReportingPeriod, int | None, str]:
    """The unit, period, version and copy (`audience`) a report URL names, for a caller allowed to read it."""
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
    period = reporting_period()
    version = request.args.get("version")
    if version in (None, ""):
        return unit, period, None, _audience(operator, unit)
    if not (version.isascii() and version.isdigit() and 1 <= len(version) <= 6 and int(version) >= 1):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "version", "code": "not_an_integer", "message": "a version number from 1"}])
    return unit, period, int(version), _audience(operator, unit)


def _audience(operator, unit: Unit) -> str:
    asked = request.args.get("audience")
    if asked not in (None, "", *COPIES):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "audience", "code": "invalid_choice", "message": "internal or public (default: the caller's own)"}])
    try:
        return copy_for(operator.reader, unit, asked)
    except AudienceRefused as exc:
        raise ApiError(403, str(exc), code="forbidden") from None


@api.get("/units/<code>/report")
def unit_report(code: str):
    unit, period, version, audience = report_scope(code)
    try:
        document = served_copy(unit, period, version, audience)
    except LookupError as exc:
        raise ApiError(404, str(exc)) from None
    response = jsonify(document)
    response.headers["Cache-Control"] = "private, no-store"
    return response

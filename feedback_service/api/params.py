"""Query-parameter parsing shared by the API's read routes."""
from __future__ import annotations

from datetime import date

from flask import request

from ..clock import EARLIEST_DAY, LATEST_DAY
from ..errors import ApiError
from ..reports.periods import PeriodInvalid, ReportingPeriod, parse_period


def period() -> tuple[date | None, date | None]:
    """`from` / `to` as local dates (YYYY-MM-DD, inclusive); both optional."""
    errors, parsed = [], {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        if raw in (None, ""):
            parsed[name] = None
            continue
        try:
            parsed[name] = date.fromisoformat(raw)
            if len(raw) != 10:
                raise ValueError(raw)
        except ValueError:
            errors.append({"field": name, "code": "invalid_date", "message": "expected YYYY-MM-DD"})
            continue
        if not EARLIEST_DAY <= parsed[name] <= LATEST_DAY:
            errors.append({"field": name, "code": "out_of_range",
                           "message": f"a day from {EARLIEST_DAY} to {LATEST_DAY}"})
    if not errors and parsed["from"] and parsed["to"] and parsed["from"] > parsed["to"]:
        errors.append({"field": "from", "code": "invalid_period", "message": "'from' is after 'to'"})
    if errors:
        raise ApiError(422, "invalid query parameters", details=errors)
    return parsed["from"], parsed["to"]


def reporting_period() -> ReportingPeriod:
    """`period`: a reporting period's label (`reports.periods`), required."""
    raw = request.args.get("period")
    if raw in (None, ""):
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "period", "code": "required", "message": "name the period, e.g. 2026-Q3 or 2026-Q3/official"}])
    try:
        return parse_period(raw)
    except PeriodInvalid as exc:
        raise ApiError(422, "invalid query parameters",
                       details=[{"field": "period", "code": "invalid_period", "message": str(exc)}]) from None

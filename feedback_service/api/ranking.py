"""The public ranking of a unit's direct children (`/api/v1/units/<code>/ranking`): the
summary's satisfaction shares with their intervals and bands of ranks
(`summaries.ranking`). Public like the summaries it is read from, and limited per address."""
from __future__ import annotations

from flask import jsonify

from ..errors import ApiError
from ..extensions import limiter
from ..models import Unit
from ..ratings.abuse import client_address, limit_per_ip
from ..summaries.ranking import MAX_AGE_SECONDS, unit_ranking
from . import api
from .params import reporting_period

@api.get("/units/<code>/ranking")
@limiter.limit(limit_per_ip, key_func=client_address)
def unit_ranking_route(code: str):
    unit = Unit.by_code(code)
    if unit is None:
        raise ApiError(404, f"no unit with code {code!r}")
    response = jsonify(unit_ranking(unit, reporting_period()))
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response

"""The JSON API (`/api/v1`): ratings from kiosks and apps, public summaries, counters and
QR codes, period reports and their exports.

Every error leaves as the one envelope of `errors.api_error_response`. Modules:
`ratings.py`, `summaries.py`, `ranking.py`, `counters.py`, `reports.py`, `report_exports.py`, `posters.py` (one per
resource), `params.py` (query parameters shared by the read routes) and `queued_files.py`
(the answers about files built in the background).
"""
from flask import Blueprint

from ..validation import refuse_nul_characters

api = Blueprint("api", __name__)
api.before_request(refuse_nul_characters)

from . import counters, posters, ranking, ratings, report_exports, reports, summaries  # noqa: E402,F401  (routes register on import)

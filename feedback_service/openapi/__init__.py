"""The API's description: `GET /openapi.json` (OpenAPI 3.1) and `GET /docs`, a page
rendered from it by the app itself (no CDN, no JavaScript).

The spec is generated in Python from the same schemas the routes validate with,
so the description and the checks cannot drift apart. `spec.py` assembles it from
its areas (`public.py`, `integration.py`, `reports.py`, `report_exports.py`, with
`components.py` shared); `routes.py` serves it and `page.py` shapes the docs page.
"""
from flask import Blueprint

api_docs = Blueprint("openapi", __name__)

from . import routes  # noqa: E402,F401  (routes register on import)

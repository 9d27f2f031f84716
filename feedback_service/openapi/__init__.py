"""The API's description: `GET /openapi.json` (OpenAPI 3.1) and `GET /docs`, a page
rendered from it by the app itself (no CDN, no JavaScript).

The spec is generated in Python from the same schemas the routes validate with,
so the description and the checks cannot drift apart.
"""
from flask import Blueprint

api_docs = Blueprint("openapi", __name__)

from . import routes  # noqa: E402,F401  (routes register on import)

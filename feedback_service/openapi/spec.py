"""The whole spec, assembled from its areas; built once per app (see `spec_for`)."""
from __future__ import annotations

from flask import Flask, current_app

from ..ratings.instrument import current_instrument
from . import components, integration, posters, public, report_exports, reports
from .components import Schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
API_VERSION = "1.0.0"

INTRO = """\
Citizen satisfaction (SIPAS) feedback for Vietnam's one-stop counters (Bộ phận Một cửa): citizens rate \
a counter, an officer's conduct (the "6 biết") and the five SIPAS elements by scanning a QR code at the \
counter or beside a dossier (hồ sơ) receipt. This API takes ratings from kiosks and apps, publishes \
aggregated summaries and counters' QR codes, and lets the one-door e-system register dossiers.

**Authentication.** Routes marked *public* need no key. The integration routes (officers, dossiers) \
need `Authorization: Bearer <key>`; a key belongs to one unit and reaches that unit's whole subtree \
(401 without a valid key, 403 outside its subtree). Keys are issued by an operator \
(`flask clients create --unit <code> --name <name>`). A counter's QR images need such a key or a \
logged-in dashboard session whose subtree holds the counter; the counter list is public but carries \
the feedback URL, QR and poster links only for counters the caller's key or login reaches (a QR \
carries the counter's token: whoever holds it can rate without visiting the counter).

**Errors.** Every error answers with one JSON envelope: \
`{"error": {"status": 422, "code": "validation_failed", "message": "…", "details": [{"field": "overall", \
"code": "out_of_range", "message": "…"}]}}`. `code` is stable; `details` lists every invalid field at \
once; no error ever carries a stack trace.
"""


def build_spec() -> Schema:
    """The OpenAPI 3.1 document; needs an app context (the instrument shapes the rating body)."""
    instrument = current_instrument()
    paths = _with_bad_request({**public.paths(instrument), **integration.paths(), **reports.paths(),
                               **report_exports.paths(), **posters.paths()})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "SIPAS QR feedback API",
            "version": API_VERSION,
            "summary": "Ratings, satisfaction summaries, counters' QR codes and dossiers (hồ sơ).",
            "description": INTRO,
        },
        "servers": [{"url": "/", "description": "This server"}],
        "tags": [
            {"name": "Ratings", "description": "A citizen's rating, from a kiosk or an app."},
            {"name": "Summaries", "description": ("Aggregated SIPAS figures; public. A figure resting on "
                                                   "fewer than 5 answers is withheld (`withheld`).")},
            {"name": "Counters", "description": "Counters (quầy) and the QR codes on their posters."},
            {"name": "Officers", "description": "Officers (công chức) and their figures; API key required."},
            {"name": "Dossiers", "description": "Dossiers (hồ sơ) from the one-door e-system; API key required."},
            {"name": "Reports", "description": ("Period reports filed upward and their XLSX / CSV exports; an API "
                                                 "key or a dashboard login in scope.")},
            {"name": "Probes", "description": "Liveness and readiness for operators."},
        ],
        "paths": paths,
        "components": {
            "schemas": {**components.error_schemas(), **components.summary_schemas(),
                        **public.schemas(instrument), **integration.schemas(), **reports.schemas(),
                        **report_exports.schemas(), **posters.schemas()},
            "responses": components.error_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http", "scheme": "bearer",
                    "description": "An integration client's API key, scoped to one unit subtree.",
                },
                "sessionCookie": {
                    "type": "apiKey", "in": "cookie", "name": "session",
                    "description": "A dashboard login (`/login`), scoped to the user's unit subtree.",
                },
            },
        },
    }


def _with_bad_request(paths: dict[str, Schema]) -> dict[str, Schema]:
    """Every `/api/v1` operation may answer 400: a NUL character in its URL is refused
    before the route runs (`validation.refuse_nul_characters`)."""
    for path, operations in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("400", components.errors(400)["400"])
    return paths


def spec_for(app: Flask | None = None) -> Schema:
    """The app's spec, built on first use: it depends only on code and the instrument setting."""
    app = app or current_app._get_current_object()
    spec = app.extensions.get("openapi_spec")
    if spec is None:
        with app.app_context():
            spec = app.extensions["openapi_spec"] = build_spec()
    return spec

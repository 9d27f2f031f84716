"""The public part of the spec: ratings, summaries, the ranking, counters and their QR codes, probes."""
from __future__ import annotations

from ..api.counters import PER_PAGE_DEFAULT, PER_PAGE_MAX
from ..api.ratings import CHANNELS_ACCEPTED
from ..ratings import qr
from ..ratings.instrument import Instrument
from ..ratings.submission import submission_schema
from ..summaries.ranking import INTERVAL_RULE, RANK_RULE, WITHHELD_RULE
from .components import (COUNT, ID, NULLABLE_COUNT, NULLABLE_NUMBER, PERIOD, PERIOD_PARAMETERS, Schema, bare, errors,
                         obj, path_code, path_counter_id, ref)

UNIT_CODE = path_code("01273", "The unit's official code (2-digit province, 5-digit commune).")
# Operators' material (a counter's token, QR, poster): an API key or a dashboard login.
OPERATOR = [{"bearerAuth": []}, {"sessionCookie": []}]
# The counter list: public, with the material added for what the caller's key or login reaches.
OPTIONAL_OPERATOR = [{}, *OPERATOR]


def json_response(description: str, schema: Schema, **extra: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def image_responses(mimetype: str, what: str) -> dict[str, Schema]:
    """200 with the image, or 304 to a matching `If-None-Match`; both carry the ETag."""
    etag = {"ETag": {"description": "Changes when the feedback URL does.", "schema": {"type": "string"}}}
    return {
        "200": {"description": what, "headers": etag,
                "content": {mimetype: {"schema": {"type": "string", "contentMediaType": mimetype}}}},
        "304": {"description": "Not modified: the image named by `If-None-Match` is still current.",
                "headers": etag},
    }


IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "An ETag from an earlier answer; a match answers 304 without the image.",
                 "schema": {"type": "string"}}


def rating_example(instrument: Instrument) -> dict:
    return {
        "token": "(the signed token from the counter's QR URL)",
        "overall": 5,
        "conduct": {key: True for key in instrument.conduct_keys},
        "elements": {key: 5 for key in instrument.element_keys},
        "comment": "Cán bộ hướng dẫn tận tình.",
        "language": "vi",
    }


def schemas(instrument: Instrument) -> dict[str, Schema]:
    return {
        # Exactly what the route validates with: spec and checks cannot drift.
        "RatingSubmission": bare(submission_schema(instrument)),
        "RatingCreated": obj({
            "id": ID,
            "flagged": {"type": "boolean", "description": (
                "Stored but held out of the figures as likely misuse: a repeat inside the cool-down, "
                "or above the counter's allowance.")},
            "instrument_version": {"type": "string", "examples": ["sipas-6biet-v1"]},
        }),
        "Counter": obj({
            "id": ID, "code": {"type": "string"}, "name": {"type": "string"},
            "unit_code": {"type": "string"}, "unit_name": {"type": "string"},
            "feedback_url": {"type": "string", "format": "uri",
                             "description": "What the poster's QR encodes (it carries the counter's token)."},
            "qr_png": {"type": "string", "format": "uri"}, "qr_svg": {"type": "string", "format": "uri"},
            "poster": {"type": "string", "format": "uri",
                       "description": "A printable A4 poster page (for a dashboard login or the key)."},
        }, required=["id", "code", "name", "unit_code", "unit_name"],
            description=("A counter. `feedback_url`, `qr_png`, `qr_svg` and `poster` are present only for a "
                         "caller whose API key or dashboard login reaches the counter's unit.")),
        "CounterList": obj({
            "unit": ref("UnitRef"), "counters": {"type": "array", "items": ref("Counter")},
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        }),
        **ranking_schemas(),
        "Health": obj({"status": {"const": "ok"}}),
        "Readiness": obj({
            "status": {"enum": ["ok", "degraded", "unavailable"],
                       "description": "`degraded`: Redis is missing, ratings are still stored (folded later)."},
            "checks": obj({"database": {"type": "string"}, "redis": {"type": "string"}},
                          description="`ok`, or `error: <kind>`."),
            "missing": {"type": "array", "items": {"enum": ["database", "redis"]}, "uniqueItems": True,
                        "description": "The dependencies that did not answer; empty when ready."},
        }),
    }


def ranking_schemas() -> dict[str, Schema]:
    """The ranking (summaries/ranking.py): its method in words, one entry per direct child."""
    percent = {**NULLABLE_NUMBER, "minimum": 0, "maximum": 100}
    return {
        "RankingEntry": obj({
            "code": {"type": "string"}, "name": {"type": "string"},
            "responses": {**NULLABLE_COUNT, "description": "Ratings in the period (null: fewer than 5)."},
            "satisfaction_pct": {**percent, "description": "As in the unit summary's `children`."},
            "interval": {**obj({"low": {"type": "number"}, "high": {"type": "number"}}), "type": ["object", "null"],
                         "description": INTERVAL_RULE},
            "rank": {**obj({"from": {"type": "integer", "minimum": 1}, "to": {"type": "integer", "minimum": 1}}),
                     "type": ["object", "null"], "description": RANK_RULE},
            "verified_share_pct": {**percent, "description": "% of its ratings tied to a dossier."},
            "response_rate": {**percent, "description": "% of returned dossiers rated (null: none, or 1–4)."},
        }, description="One direct child. " + WITHHELD_RULE),
        "UnitRanking": obj({
            "unit": obj({"code": {"type": "string"}, "name": {"type": "string"}}),
            "period": obj({"label": {"type": "string"}, "from": {"type": "string", "format": "date"},
                           "to": {"type": "string", "format": "date"}, "official": {"type": "boolean"}}),
            "method": obj({
                "satisfied_min_level": {"type": "integer", "minimum": 1, "maximum": 5},
                "min_answers": COUNT, "confidence": {"type": "number"},
                "interval": {"type": "string"}, "rank": {"type": "string"}, "withheld": {"type": "string"},
            }, description="How the ranking is made, in words and settings."),
            "units": {"type": "array", "items": ref("RankingEntry"),
                      "description": "Ranked children by satisfaction, highest first; then those named only."},
        }),
    }


def paths(instrument: Instrument) -> dict[str, Schema]:
    return {
        "/api/v1/ratings": {"post": {
            "operationId": "createRating",
            "tags": ["Ratings"],
            "summary": "Submit a rating from a kiosk or an app",
            "description": (
                "One citizen's answers: the overall question (1–5), the \"6 biết\" conduct items "
                "(yes / no / null), the five SIPAS elements (1–5), a comment and an optional call-back "
                "number with consent. `token` is the signed token of the counter's QR URL. Every invalid "
                "field is reported at once (422). Limited per address (429). A counter's token is public, so "
                "a counter is never refused: allowances count only valid ratings that would enter the "
                "figures, and above one a rating is stored with `flagged: true`: reason "
                "`over_own_allowance` above its client's own allowance at the counter "
                "(`RATELIMIT_PER_CLIENT`; the client is the address, or its IPv6 /64), `over_allowance` "
                "above the counter's ceiling over all clients (`RATELIMIT_PER_COUNTER`). A rating from a "
                "kiosk (`?channel=kiosk`) is never flagged as a repeat of the previous citizen."
            ),
            "parameters": [{
                "name": "channel", "in": "query", "required": False,
                "schema": {"enum": list(CHANNELS_ACCEPTED), "default": "api"},
                "description": ("Where the rating was given. `kiosk`: a device citizens share, "
                                "so no per-browser cool-down applies."),
            }],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("RatingSubmission"), "example": rating_example(instrument)}}},
            "responses": {
                "201": json_response("Stored; counted in the summaries within seconds.", ref("RatingCreated")),
                **errors(400, 404, 413, 415, 422, 429, 500),
            },
        }},
        "/api/v1/units/{code}/summary": {"get": {
            "operationId": "getUnitSummary",
            "tags": ["Summaries"],
            "summary": "A unit's satisfaction summary (SIPAS figures)",
            "description": (
                "Figures for the unit's whole subtree and for each direct child: satisfaction %, mean "
                "score, the SIPAS element indices, the \"6 biết\" conduct percentages, verified vs "
                "unverified ratings, and the dossier (hồ sơ) denominators. Aggregated figures only, "
                "never comments or personal data, and no figure resting on fewer than 5 answers: such a "
                "figure is null and named in its object's `withheld` list (see UnitSummary)."
            ),
            "parameters": [UNIT_CODE, *PERIOD_PARAMETERS],
            "responses": {"200": json_response("The summary.", ref("UnitSummary")),
                          **errors(404, 422, 500)},
        }},
        "/api/v1/counters/{counter_id}/summary": {"get": {
            "operationId": "getCounterSummary",
            "tags": ["Summaries"],
            "summary": "A counter's satisfaction summary",
            "description": ("The same figures as a unit summary, for one counter (quầy); figures resting "
                            "on fewer than 5 answers are withheld the same way."),
            "parameters": [path_counter_id(), *PERIOD_PARAMETERS],
            "responses": {"200": json_response("The summary.", ref("CounterSummary")),
                          **errors(404, 422, 500)},
        }},
        "/api/v1/units/{code}/ranking": {"get": {
            "operationId": "getUnitRanking",
            "tags": ["Summaries"],
            "summary": "A unit's direct children ranked by satisfaction, with what the data can tell",
            "description": (
                "Each direct child's satisfaction % (the unit summary's, for the period's days) with its 95% "
                "Wilson score interval and a band of ranks: units whose intervals overlap share ranks. "
                "A child with fewer than 5 answers is listed by code and name only. Public, limited per "
                "address (429), cacheable for a few minutes. The rule is in the answer's `method`."
            ),
            "parameters": [UNIT_CODE, PERIOD],
            "responses": {"200": json_response("The ranking.", ref("UnitRanking")),
                          **errors(404, 422, 429, 500)},
        }},
        "/api/v1/units/{code}/counters": {"get": {
            "operationId": "listUnitCounters",
            "tags": ["Counters"],
            "summary": "Active counters of a unit subtree, for printing posters",
            "description": (
                "Paged, ordered by unit code then counter code. Public: names and ids for anyone. The "
                "feedback URL, QR and poster links of a counter come only with an API key or dashboard "
                "login that reaches its unit (an unknown key is 401, never an anonymous answer)."
            ),
            "security": OPTIONAL_OPERATOR,
            "parameters": [
                UNIT_CODE,
                {"name": "page", "in": "query", "required": False, "description": "From 1.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 1}},
                {"name": "per_page", "in": "query", "required": False, "description": "Counters per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX,
                            "default": PER_PAGE_DEFAULT}},
            ],
            "responses": {"200": json_response("One page of counters.", ref("CounterList")),
                          **errors(401, 404, 422, 500)},
        }},
        "/api/v1/counters/{counter_id}/qr.png": {"get": {
            "operationId": "getCounterQrPng",
            "tags": ["Counters"],
            "summary": "The counter's feedback QR code as PNG",
            "description": ("For an API key or dashboard login whose subtree holds the counter: 401 "
                            "without one, 403 outside it. Private to the caller (`Cache-Control: private`)."),
            "security": OPERATOR,
            "parameters": [
                path_counter_id(),
                {"name": "size", "in": "query", "required": False,
                 "description": "Width in pixels. The image is drawn at the first of "
                                f"{', '.join(map(str, qr.PNG_SIZES))} that is at least this wide.",
                 "schema": {"type": "integer", "minimum": qr.PNG_SIZE_MIN, "maximum": qr.PNG_SIZE_MAX,
                            "default": qr.PNG_SIZE_DEFAULT}},
                IF_NONE_MATCH,
            ],
            "responses": {**image_responses("image/png", "The PNG image."), **errors(401, 403, 404, 422, 500)},
        }},
        "/api/v1/counters/{counter_id}/qr.svg": {"get": {
            "operationId": "getCounterQrSvg",
            "tags": ["Counters"],
            "summary": "The counter's feedback QR code as SVG",
            "description": ("A vector image for print shops; `size` is ignored. Who may fetch it: as for "
                            "the PNG."),
            "security": OPERATOR,
            "parameters": [path_counter_id(), IF_NONE_MATCH],
            "responses": {**image_responses("image/svg+xml", "The SVG image."), **errors(401, 403, 404, 500)},
        }},
        "/healthz": {"get": {
            "operationId": "getLiveness",
            "tags": ["Probes"],
            "summary": "Liveness probe",
            "responses": {"200": json_response("The process answers.", ref("Health"))},
        }},
        "/readyz": {"get": {
            "operationId": "getReadiness",
            "tags": ["Probes"],
            "summary": "Readiness probe: the database answers (Redis missing: ready, degraded)",
            "responses": {"200": json_response("Ready; `degraded` when Redis is missing.", ref("Readiness")),
                          "503": json_response("Not ready: the database is missing; `checks` says how.",
                                               ref("Readiness"))},
        }},
    }

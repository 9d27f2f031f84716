"""Shared pieces of the spec: the error envelope, the summary figures, parameters.

Response schemas say `additionalProperties: false` on purpose: a field added to a
route and not here makes tests/web/test_openapi.py fail, so the spec cannot drift
silently from what the routes answer.
"""
from __future__ import annotations

from typing import Any

from ..errors import _HTTP_CODES
from ..reports.periods import ACCEPTED_FORMS
from ..summaries.scoring import LEVELS, MIN_ANSWERS

Schema = dict[str, Any]

NULLABLE_NUMBER: Schema = {"type": ["number", "null"]}
COUNT: Schema = {"type": "integer", "minimum": 0}
# A count of answers: withheld (null) when it rests on fewer than MIN_ANSWERS answers.
NULLABLE_COUNT: Schema = {"type": ["integer", "null"], "minimum": 0}
WITHHELD: Schema = {
    "type": "array", "items": {"type": "string"}, "uniqueItems": True,
    "description": (f"The figures of this object withheld (given as null) because they rest on 1 to "
                    f"{MIN_ANSWERS - 1} answers; empty when none is. See `min_answers`."),
}
SMALL_CELLS = (
    f"**Small cells.** No figure resting on fewer than {MIN_ANSWERS} answers is published, for any caller: "
    "it reads `null` and its name is in the `withheld` list of the object holding it (a figure on no answer "
    "at all is `null` and not listed). The overall distribution, `satisfaction_pct` and `mean_score` rest "
    "on the overall answers; an element's figures on its answers; a behaviour's `yes`, `no`, `unknown` and "
    "`pct` on its yes + no answers; `sipas_index` / `conduct_score` are withheld with any element / "
    "behaviour; verified and unverified (and on-time and late) are withheld together when either is small, "
    "as the other would give it back by difference; `on_time_pct` and `response_rate` rest on their "
    "dossiers. `as_of` is given to the minute and withheld with the overall figures. Counts of ratings "
    "and dossiers are not answers and are always given."
)
# Row ids are 32-bit (the `<id:…>` URL converter answers 404 beyond), as on PostgreSQL.
ID_MAX = 2**31 - 1
ID: Schema = {"type": "integer", "format": "int32", "minimum": 1, "maximum": ID_MAX}

# The statuses that answer with the error envelope, and what each means here.
ERROR_MEANINGS = {
    400: "The body is not valid JSON, or the URL holds a NUL character.",
    401: ("No API key, or an unknown or revoked one (`Authorization: Bearer <key>`); for a counter's QR, "
          "neither a key nor a dashboard login."),
    403: "The API key (or dashboard login) is scoped to a unit subtree that does not contain this object.",
    404: ("No such object (or it is inactive, or the token is unknown or revoked, or it is a dossier "
          "outside the API key's subtree: that answer is the same as for no dossier)."),
    405: "The method is not allowed on this path.",
    409: "The object already exists with other facts; `details` names the differing fields.",
    413: "The body is larger than the server accepts.",
    415: "The body is not sent as `application/json`.",
    422: "The request is well-formed but invalid; `details` lists every invalid field.",
    429: "Too many requests from this address; see `Retry-After`.",
    500: "An unexpected error; it has been logged, no detail is given.",
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def bare(schema: Schema) -> Schema:
    """A validation schema as it sits in the spec: the dialect is declared once for the whole spec."""
    return {key: value for key, value in schema.items() if key != "$schema"}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """A closed object: every listed property required unless `required` says otherwise."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
        **extra,
    }


def error_schemas() -> dict[str, Schema]:
    return {
        "ErrorDetail": obj({
            "field": {"type": "string", "description": "Dotted path of the field, `(body)` for the whole body."},
            "code": {"type": "string", "examples": ["required", "wrong_type", "out_of_range", "unknown_field"]},
            "message": {"type": "string"},
        }, description="One problem with one field."),
        "Error": obj({
            "error": obj({
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {"type": "string", "description": "Machine-readable reason, stable across versions.",
                         "examples": sorted(set(_HTTP_CODES.values()))},
                "message": {"type": "string", "description": "For a developer, in English."},
                "details": {"type": "array", "items": ref("ErrorDetail")},
            }),
        }, description="The one error envelope every API error answers with."),
    }


def error_responses() -> dict[str, Schema]:
    """Components `responses`: one per error status, all with the envelope."""
    return {
        str(status): {
            "description": meaning,
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for status, meaning in ERROR_MEANINGS.items()
    }


def errors(*statuses: int) -> dict[str, Schema]:
    return {str(s): {"$ref": f"#/components/responses/{s}"} for s in statuses}


def error(description: str) -> Schema:
    """An error response described for its route, in the one envelope."""
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def too_many_queued(what: str, setting: str) -> Schema:
    """The `429` of a file built in the background, to a caller at its limit (`setting`)."""
    return {**error(f"This caller already has {setting} {what} queued or running; ask again after `Retry-After` "
                    "seconds. Asking again for one already queued, running, or built and still current is "
                    "answered with it and counts nothing."),
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}}


def summary_schemas() -> dict[str, Schema]:
    """The figures of summaries/ (read.py, scoring.py, trust.py) (see their docstrings for the method)."""
    headline = {
        "responses": {**COUNT, "description": "Ratings in the period."},
        "satisfaction_pct": {**NULLABLE_NUMBER, "description": "% of overall answers at level 4–5 (null: none)."},
        "mean_score": {**NULLABLE_NUMBER, "description": "Mean overall answer, 1–5."},
        "sipas_index": {**NULLABLE_NUMBER,
                        "description": "Mean of the SIPAS element indices that have answers."},
        "conduct_score": {**NULLABLE_NUMBER, "description": "Mean of the \"6 biết\" conduct percentages."},
    }
    figures = {
        "responses": headline["responses"],
        "overall": {**obj({level: COUNT for level in LEVELS}), "type": ["object", "null"],
                    "description": "Overall answers per level (1 rất không hài lòng … 5 rất hài lòng)."},
        "satisfaction_pct": headline["satisfaction_pct"],
        "mean_score": headline["mean_score"],
        "elements": {"type": "object", "additionalProperties": ref("ElementFigures"),
                     "description": "The five SIPAS elements, by instrument key (access, procedure, …)."},
        "sipas_index": headline["sipas_index"],
        "conduct": {"type": "object", "additionalProperties": ref("ConductFigures"),
                    "description": "The \"6 biết\" conduct items, by instrument key (greet, smile, …)."},
        "conduct_score": headline["conduct_score"],
        "flagged": {**COUNT, "description": "Ratings flagged as likely misuse, left out of the figures."},
        "as_of": {"type": ["string", "null"], "format": "date-time",
                  "description": "When the newest rating counted was submitted, to the minute (UTC)."},
        "verified": ref("Headline"),
        "unverified": ref("Headline"),
        "verified_share_pct": {**NULLABLE_NUMBER,
                               "description": "% of ratings verified by a dossier (hồ sơ) QR."},
        "withheld": WITHHELD,
    }
    dossiers = {
        "dossiers_received": {**COUNT, "description": "Dossiers (hồ sơ) received in the period, not cancelled."},
        "dossiers_returned": {**COUNT, "description": "Dossiers whose result was returned in the period."},
        "dossiers_on_time": {**COUNT, "description": "Returned dossiers done on or before their due day (local "
                                                     "days), or flagged not late by the e-system."},
        "dossiers_late": {**COUNT, "description": "Returned dossiers done after their due day, or flagged late."},
        "dossiers_no_due_date": {**COUNT, "description": "Returned dossiers with no due date and no flag: "
                                                         "neither on time nor late."},
        "on_time_pct": {**NULLABLE_NUMBER, "description": "On time ÷ (on time + late) × 100."},
        "dossiers_rated": {**COUNT, "description": "Returned dossiers with an unflagged rating."},
        "response_rate": {**NULLABLE_NUMBER, "description": "Rated ÷ returned dossiers × 100."},
        "satisfaction_by_timeliness": obj({"on_time": ref("Timeliness"), "late": ref("Timeliness")}),
    }
    unit = {"code": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "description": "tỉnh, thành phố, xã, phường, đặc khu, …"}}
    period = {"period": ref("Period"),
              "min_answers": {"const": MIN_ANSWERS, "description": "A figure needs this many answers to be shown."}}
    return {
        "Headline": obj({**headline, "withheld": WITHHELD}),
        "ElementFigures": obj({"responses": COUNT, "satisfaction_pct": NULLABLE_NUMBER, "mean": NULLABLE_NUMBER,
                               "withheld": WITHHELD}),
        "ConductFigures": obj({"yes": NULLABLE_COUNT, "no": NULLABLE_COUNT, "unknown": NULLABLE_COUNT,
                               "pct": {**NULLABLE_NUMBER, "description": "yes ÷ (yes + no) × 100."},
                               "withheld": WITHHELD}),
        "Timeliness": obj({"responses": COUNT, "satisfaction_pct": NULLABLE_NUMBER, "withheld": WITHHELD}),
        "Period": obj({
            "from": {"type": ["string", "null"], "format": "date"},
            "to": {"type": ["string", "null"], "format": "date"},
            "timezone": {"type": "string", "examples": ["Asia/Ho_Chi_Minh"]},
        }, description="The local days counted (inclusive); null for an open end."),
        "UnitRef": obj(unit),
        "ChildSummary": obj({**unit, **figures, **dossiers}, description="A direct child unit's figures."),
        "HistorySummary": obj({
            **unit, **figures,
            "relation": {"enum": ["merged", "shared"],
                         "description": "`merged`: the old unit was merged into this one; its figures are inside "
                                        "this unit's. `shared`: the old unit was split; its history is shared by "
                                        "every successor and counted in none of their own figures."},
            "effective_date": {"type": ["string", "null"], "format": "date",
                               "description": "The first day the old unit no longer stood; null for a merger "
                                              "recorded without a date (`flask units merge`)."},
            "counted_in_figures": {"type": "boolean", "description": "Whether the figures above include it."},
            "shared_with": {"type": "array", "items": ref("UnitName"),
                            "description": "The other successors showing the same shared history."},
        }, description="An old unit whose history this unit shows, with the old unit's own figures."),
        "UnitName": obj({"code": {"type": "string"}, "name": {"type": "string"}}),
        "UnitSummary": obj({
            "unit": ref("UnitRef"), **period, **figures, **dossiers,
            "children": {"type": "array", "items": ref("ChildSummary")},
            "history": {"type": "array", "items": ref("HistorySummary"),
                        "description": "Old units (split or merged, `flask units reorganise`) whose history "
                                       "this unit shows."},
            "reorganised": {"oneOf": [{"type": "null"}, obj({
                "kind": {"enum": ["merger", "split"]},
                "effective_date": {"type": ["string", "null"], "format": "date"},
                "into": {"type": "array", "items": ref("UnitName")},
            })], "description": "Where this unit went, once reorganised; null while it stands."},
        }, description="A unit's figures over its whole subtree, and each direct child's. " + SMALL_CELLS),
        "CounterSummary": obj({
            "counter": obj({"id": ID, "name": {"type": "string"}, "unit_code": {"type": "string"}}),
            **period, **figures, **dossiers,
        }, description="One counter's (quầy) figures. " + SMALL_CELLS),
        "OfficerSummary": obj({
            "officer": obj({"code": {"type": "string"}, "name": {"type": "string"},
                            "unit_code": {"type": "string"}, "counter_id": {"type": ["integer", "null"]}}),
            **period, **figures, **dossiers,
        }, description="One officer's (công chức) figures. " + SMALL_CELLS),
    }


PERIOD_PARAMETERS: list[Schema] = [
    {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "First local day counted, YYYY-MM-DD (inclusive), from 2000-01-01 to 2099-12-31 "
                    "(`out_of_range` otherwise).", "example": "2026-01-01"},
    {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "Last local day counted, YYYY-MM-DD (inclusive); not before `from`, "
                    "from 2000-01-01 to 2099-12-31.",
     "example": "2026-03-31"},
]


# A reporting period's label (`reports.periods`): reports, their exports, the ranking.
PERIOD: Schema = {
    "name": "period", "in": "query", "required": True, "example": "2026-Q3",
    "schema": {"type": "string", "minLength": 4, "maxLength": 24},
    "description": f"The reporting period: {ACCEPTED_FORMS}.",
}


def path_code(example: str, description: str) -> Schema:
    return {"name": "code", "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, "maxLength": 60}, "example": example}


def path_counter_id() -> Schema:
    return {"name": "counter_id", "in": "path", "required": True, "description": "The counter's id.",
            "schema": ID, "example": 1}

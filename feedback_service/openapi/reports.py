"""The period reports part of the spec: a unit's report for a period (reports/)."""
from __future__ import annotations

from .components import COUNT, NULLABLE_NUMBER, PERIOD, Schema, errors, ref
from .public import OPERATOR, UNIT_CODE, json_response

STATUSES = ["draft", "submitted", "accepted", "returned", "not_reported"]

VERSION = {
    "name": "version", "in": "query", "required": False, "example": 1,
    "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
    "description": "A submitted version, as it was submitted (default: the latest one, else the live draft).",
}

AUDIENCE = {
    "name": "audience", "in": "query", "required": False, "example": "public",
    "schema": {"enum": ["internal", "public"]},
    "description": ("Which copy of the report (default: the caller's own). `internal`, the report as filed, "
                    "is read by the unit's own unit managers, province officers above it, admins and API keys "
                    "made with `--scope reports`; every other caller reads `public`, the published copy: no "
                    "officers, every figure the small-cell rule withholds reads \"<5\" (named in its object's "
                    "`withheld` list), people named by role only, no hash. A reader of the internal copy may "
                    "ask for `public`; asking for `internal` without the right is a 403."),
}


def _open(properties: dict[str, Schema], required: list[str], description: str = "") -> Schema:
    """An object whose listed fields are fixed; sections may carry more detail than listed."""
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    if description:
        schema["description"] = description
    return schema


# In a published copy (`audience=public`) a small rating count or a figure resting on it reads "<5".
SMALL_CELL: Schema = {"const": "<5"}
RATING_COUNT: Schema = {"anyOf": [COUNT, SMALL_CELL]}
FIGURE: Schema = {"anyOf": [NULLABLE_NUMBER, SMALL_CELL]}


def _counts(*names: str, count: Schema = COUNT) -> Schema:
    return _open({name: count for name in names}, list(names))


def schemas() -> dict[str, Schema]:
    return {
        "ReportDocument": _open({
            "format": {"enum": ["sipas-period-report/2", "sipas-period-report/1"],
                       "description": "/2 is hashed as RFC 8785 canonical JSON; /1 (older snapshots) as "
                                      "sorted-keys JSON without spaces."},
            "unit": _open({"code": {"type": "string"}, "name": {"type": "string"}}, ["code", "name"]),
            "period": _open({
                "label": {"type": "string", "examples": ["2026-Q3", "2026-11/official"]},
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                "official": {"type": "boolean"}, "title": {"type": "string"},
            }, ["label", "from", "to", "official"], "Local (Asia/Ho_Chi_Minh) days, both inclusive."),
            "status": {"enum": STATUSES},
            "version": {"type": "integer", "minimum": 1,
                        "description": "A snapshot's version; for a draft, the version it would become."},
            "deadline": {"type": "string", "format": "date", "description": "Drafts only."},
            "satisfaction": _open({
                "responses": RATING_COUNT,
                "overall": _counts("1", "2", "3", "4", "5", count=RATING_COUNT),
                "satisfaction_pct": FIGURE, "mean_score": FIGURE,
                "elements": {"type": "object"}, "conduct": {"type": "object"},
                "sipas_index": FIGURE, "conduct_score": FIGURE,
                "by_channel": {"type": "object", "additionalProperties": RATING_COUNT},
                "excluded": _open({"total": RATING_COUNT,
                                   "reasons": {"type": "object", "additionalProperties": RATING_COUNT}},
                                  ["total", "reasons"]),
            }, ["responses", "overall", "satisfaction_pct"],
                "Counter ratings of the unit's subtree (not the national SIPAS survey); the same figures "
                "as the summary API for the period's dates."),
            "indicators_766": _open({
                "on_time_pct": NULLABLE_NUMBER, "overdue_pct": NULLABLE_NUMBER, "complained_pct": FIGURE,
                "tthc_satisfaction_pct": FIGURE, "points": FIGURE,
                "points_max": {"type": "number"}, "handled": COUNT, "overdue": COUNT, "complained": RATING_COUNT,
                "rated": {**COUNT, "description": "Unflagged ratings received in the period on these dossiers: what "
                                                  "`complained` rests on. On 1–4 the published copy withholds "
                                                  "`complained`, `complained_pct`, `tthc_satisfaction_pct` and "
                                                  "`points` (\"<5\")."},
                "complaints": {"type": "object"},
            }, ["on_time_pct", "overdue_pct", "complained_pct", "tthc_satisfaction_pct", "points"],
                "QĐ 766/QĐ-TTg: TTHC satisfaction = 100 − (overdue % + complained %); see `method.formulas`."),
            "tthc_results": _open({
                "received": _counts("total", "online", "in_person", "carried_over"),
                "resolved": _counts("total", "early", "on_time", "late", "no_due_date"),
                "pending": _counts("total", "within_time", "overdue", "no_due_date"),
                "cancelled": {**COUNT, "description": "Cancelled in the period: received.total = resolved.total "
                                                      "+ pending.total + cancelled."},
                "own": {"type": "object", "description": "The unit's own desk (dossiers registered at the unit "
                                                         "itself); with `children` it adds up to the unit."},
                "children": {"type": "array", "items": {"type": "object"}},
                "procedures": {"type": "array", "items": {"type": "object"}},
                "fields": {"type": "array", "items": {"type": "object"},
                           "description": "The form's rows: one per field (lĩnh vực) with `field_code`, "
                                          "`field_name` and the same counts, then `field_code` null "
                                          "(\"Khác\") for dossiers registered without a field; they add up "
                                          "to the unit's row."},
            }, ["received", "resolved", "pending"], "Biểu II.06a (TT 01/2020/TT-VPCP)."),
            "children": {"type": "array", "items": {"type": "object"},
                         "description": "Every direct child with its headline figures, ranked by satisfaction %."},
            "officers": {"type": "array", "items": {"type": "object"},
                         "description": "The \"6 biết\" table per officer: internal, never published."},
            "method": {"type": "object", "description": "Instrument, formulas, exclusions, small-cell rule."},
            "basis": {"const": "compiled",
                      "description": ("Present on the report of a unit with child units (a province): its figures "
                                      "are compiled from the children's accepted snapshots, not from live records "
                                      "(`method.compiled`). A unit without children files a live report: no `basis`.")},
            "compiled_from": {"type": "array", "description": "Compiled reports: each child whose accepted snapshot "
                                                              "is in the figures.",
                              "items": _open({"code": {"type": "string"}, "name": {"type": "string"},
                                              "version": {"type": "integer", "minimum": 1},
                                              "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                                             ["code", "version", "sha256"])},
            "missing": {"type": "array", "description": "Compiled reports: each child without an accepted snapshot, "
                                                        "in no figure, with where its report stands.",
                        "items": _open({"code": {"type": "string"}, "name": {"type": "string"},
                                        "status": {"enum": ["draft", "submitted", "returned", "not_reported"]},
                                        "version": {"type": ["integer", "null"]}, "late": {"type": "boolean"}},
                                       ["code", "name", "status"])},
            "submitted_at": {"type": "string", "format": "date-time"},
            "submitted_by": {"type": ["object", "null"]},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                       "description": "SHA-256 over the RFC 8785 (JCS) form of the snapshot without sha256, "
                                      "status and review (`flask reports verify FILE`). Internal copy only."},
            "review": {"type": "object"},
            "published": {"const": True},
        }, ["unit", "period", "status", "version", "satisfaction", "indicators_766", "tthc_results",
            "children", "method"]),
    }


def paths() -> dict[str, Schema]:
    return {
        "/api/v1/units/{code}/report": {"get": {
            "operationId": "getUnitReport",
            "tags": ["Reports"],
            "summary": "A unit's period report",
            "description": ("The report a unit files upward for a period: satisfaction, the QĐ 766 "
                            "indicators, the TTHC results table (Biểu II.06a), children, officers and the "
                            "method. Not public: an API key or a dashboard login whose subtree holds the "
                            "unit, served the copy it reads (see `audience`). Once submitted, the latest "
                            "version is served as submitted (the internal copy exactly, with its `sha256`); "
                            "before that, the live draft. A unit with child units (a province) files a report "
                            "compiled from their accepted snapshots (`basis`, `compiled_from`, `missing`)."),
            "security": OPERATOR,
            "parameters": [UNIT_CODE, PERIOD, VERSION, AUDIENCE],
            "responses": {"200": json_response("The report.", ref("ReportDocument")),
                          **errors(401, 403, 404, 422)},
        }},
    }

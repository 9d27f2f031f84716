"""The period report and its exports in the spec: `/units/{code}/report`, `report.xlsx`,
`report.csv`, and the polls of exports built in the background (`/report-exports/{id}`)."""
from __future__ import annotations

from .components import Schema, errors, obj, path_code, ref
from .public import OPERATOR, json_response

UNIT_CODE = path_code("01273", "The unit's official code; its report covers its whole subtree.")
PERIOD = {"name": "period", "in": "query", "required": True,
          "description": ("The reporting period: `2026-11`, `2026-Q3`, `2026-H1`, `2026` (calendar) or "
                          "`2026-11/official`, `2026-Q3/official`, `2026-H1/official`, `2026/official` "
                          "(NĐ 09/2019: the 15th of the month before to the 14th)."),
          "schema": {"type": "string", "maxLength": 24}, "example": "2026-Q3"}
VERSION = {"name": "version", "in": "query", "required": False,
           "description": "A submitted version, as submitted; without it the latest submitted version, "
                          "else the live draft.",
           "schema": {"type": "integer", "minimum": 1, "maximum": 999999}}
EXPORT_ID = {"name": "export_id", "in": "path", "required": True, "description": "The export's id (a random token).",
             "schema": {"type": "string", "minLength": 1, "maxLength": 64}, "example": "0f3c" * 8}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}},
         "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}},
         "application/json": {"schema": ref("PeriodReport")}}
_TIME = {"type": ["string", "null"], "format": "date-time"}
ATTACHMENT = {"Content-Disposition": {"description": "`attachment; filename=bao-cao-<code>-<period>[-v<N>].<ext>`",
                                      "schema": {"type": "string"}}}


def _error(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def schemas() -> dict[str, Schema]:
    return {
        "PeriodReport": {
            "type": "object",
            "required": ["unit", "period", "status", "version", "satisfaction", "indicators_766", "tthc_results",
                         "children", "method"],
            "properties": {
                "unit": {"type": "object", "required": ["code", "name"]},
                "period": {"type": "object", "required": ["label", "from", "to", "official"]},
                "status": {"enum": ["draft", "submitted", "accepted", "returned", "not_reported"]},
                "version": {"type": "integer", "minimum": 1},
                "sha256": {"type": "string", "description": "A submitted version's SHA-256 (see `method.integrity`)."},
            },
            "description": ("A unit's period report: satisfaction, the QĐ 766 indicators, Biểu II.06a, children, "
                            "officers and method. A submitted version is served as submitted."),
        },
        "ReportExport": obj({
            "id": {"type": "string"},
            "unit_code": {"type": "string"},
            "period": {"type": "string"},
            "version": {"type": ["integer", "null"]},
            "format": {"enum": ["xlsx", "csv", "json"]},
            "status": {"enum": ["queued", "running", "done", "failed", "expired"], "description": (
                "`failed` also when the job was lost (a worker or Redis restarted): ask again.")},
            "progress": obj({"rows_written": {"type": "integer", "minimum": 0},
                             "rows_total": {"type": ["integer", "null"], "minimum": 0}},
                            description="Responses written to the file so far, of all."),
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": _TIME,
            "expires_at": {**_TIME, "description": "After this the download answers 410 and the file is deleted."},
            "error": {"type": ["string", "null"]},
            "poll_url": {"type": "string"},
            "download_url": {"type": ["string", "null"], "description": "Set once the file is ready."},
        }, description="An export file being built in the background, or built."),
    }


def _export(fmt: str, mimetype: str) -> Schema:
    carries = ("the report's sections, a sheet each (Tổng hợp, Chỉ số 766, Biểu II.06a, Đơn vị trực thuộc, "
               "Cán bộ, Phương pháp), then the anonymised responses (one row per rating; never a phone, client "
               "hash or address; local times), continued in `Ý kiến (2)` past 1,048,576 rows"
               if fmt == "xlsx" else
               "UTF-8 with a BOM: the header block, then the section tables one after another, each under its "
               "title, with a row of their JSON keys (not the responses: those are in the XLSX)")
    return {"get": {
        "operationId": f"getUnitReport{fmt.capitalize()}",
        "tags": ["Reports"],
        "summary": f"The period report as {fmt.upper()}",
        "description": (f"The same document as `/report` (figure by figure), as {fmt.upper()}: {carries}. "
                        "An XLSX resting on more ratings than the server builds in a request is queued "
                        "instead: 202 with `Location` to poll."),
        "security": OPERATOR,
        "parameters": [UNIT_CODE, PERIOD, VERSION],
        "responses": {
            "200": {"description": "The file.", "headers": ATTACHMENT,
                    "content": {mimetype: {"schema": {"type": "string", "contentMediaType": mimetype}}}},
            "202": json_response("Queued: poll `Location` (the export's `poll_url`).", ref("ReportExport"),
                                 headers={"Location": {"description": "Where to poll.", "schema": {"type": "string"}}}),
            **errors(401, 403, 404, 422, 500),
            "503": _error("Too large to build now and the job queue is unavailable; nothing was queued."),
        },
    }}


def paths() -> dict[str, Schema]:
    return {
        "/api/v1/units/{code}/report": {"get": {
            "operationId": "getUnitReport",
            "tags": ["Reports"],
            "summary": "A unit's period report (JSON)",
            "description": "401 without a key or login, 403 outside the caller's subtree.",
            "security": OPERATOR,
            "parameters": [UNIT_CODE, PERIOD, VERSION],
            "responses": {"200": json_response("The report.", ref("PeriodReport")), **errors(401, 403, 404, 422, 500)},
        }},
        "/api/v1/units/{code}/report.xlsx": _export("xlsx", XLSX),
        "/api/v1/units/{code}/report.csv": _export("csv", "text/csv"),
        "/api/v1/report-exports/{export_id}": {"get": {
            "operationId": "getReportExport",
            "tags": ["Reports"],
            "summary": "Where a queued export stands",
            "description": "Any caller whose subtree holds the export's unit; for anyone else it does not exist (404).",
            "security": OPERATOR,
            "parameters": [EXPORT_ID],
            "responses": {"200": json_response("The export.", ref("ReportExport")), **errors(401, 404, 500)},
        }},
        "/api/v1/report-exports/{export_id}/download": {"get": {
            "operationId": "downloadReportExport",
            "tags": ["Reports"],
            "summary": "The export's file",
            "security": OPERATOR,
            "parameters": [EXPORT_ID],
            "responses": {
                "200": {"description": "The file.", "headers": ATTACHMENT, "content": FILES},
                **errors(401, 404, 500),
                "409": _error("Not ready yet (queued, running or failed): poll first."),
                "410": _error("The link has expired (REPORT_EXPORT_TTL_SECONDS after it was built); ask again."),
            },
        }},
    }

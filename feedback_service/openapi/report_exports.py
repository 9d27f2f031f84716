"""The period report's exports in the spec: `report.xlsx`, `report.csv`, and the polls of
exports built in the background (`/report-exports/{id}`); the report itself is in reports.py."""
from __future__ import annotations

from .components import Schema, error, errors, obj, ref, too_many_queued
from .public import OPERATOR, UNIT_CODE, json_response
from .reports import PERIOD, VERSION

EXPORT_ID = {"name": "export_id", "in": "path", "required": True, "description": "The export's id (a random token).",
             "schema": {"type": "string", "minLength": 1, "maxLength": 64}, "example": "0f3c" * 8}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}},
         "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}},
         "application/json": {"schema": ref("ReportDocument")}}
_TIME = {"type": ["string", "null"], "format": "date-time"}
ATTACHMENT = {"Content-Disposition": {"description": "`attachment; filename=bao-cao-<code>-<period>[-v<N>].<ext>`",
                                      "schema": {"type": "string"}}}


def schemas() -> dict[str, Schema]:
    return {
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
                        "instead: 202 with `Location` to poll. The same export asked again is answered with the "
                        "same one (the same `Location`) while it is queued, running, or built and still current; a "
                        "caller with REPORT_EXPORTS_PER_REQUESTER exports queued or running is answered 429."),
        "security": OPERATOR,
        "parameters": [UNIT_CODE, PERIOD, VERSION],
        "responses": {
            "200": {"description": "The file.", "headers": ATTACHMENT,
                    "content": {mimetype: {"schema": {"type": "string", "contentMediaType": mimetype}}}},
            "202": json_response("Queued: poll `Location` (the export's `poll_url`).", ref("ReportExport"),
                                 headers={"Location": {"description": "Where to poll.", "schema": {"type": "string"}}}),
            **errors(401, 403, 404, 422, 500),
            "429": too_many_queued("exports", "REPORT_EXPORTS_PER_REQUESTER"),
            "503": error("Too large to build now and the job queue is unavailable; nothing was queued."),
        },
    }}


def paths() -> dict[str, Schema]:
    return {
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
                "409": error("Not ready yet (queued, running or failed): poll first."),
                "410": error("The link has expired (REPORT_EXPORT_TTL_SECONDS after it was built); ask again."),
            },
        }},
    }

"""Printable QR material in the spec: every poster of a subtree as one PDF (and the poll of
one drawn in the background), and a sheet of dossier QR labels."""
from __future__ import annotations

from .components import Schema, error, errors, obj, ref, too_many_queued
from .public import OPERATOR, UNIT_CODE, json_response

PDF = {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}}
SHEET_ID = {"name": "sheet_id", "in": "path", "required": True, "description": "The poster PDF's id (a random token).",
            "schema": {"type": "string", "minLength": 1, "maxLength": 64}, "example": "0f3c" * 8}
LAYOUT = {"name": "layout", "in": "query", "required": False,
          "description": "`1up`: one A4 poster a page (default); `4up`: four A6 posters to an A4 page.",
          "schema": {"enum": ["1up", "4up"]}}
CODES = {"name": "codes", "in": "query", "required": True, "style": "form", "explode": False,
         "description": "The dossiers' receipt codes, comma-separated (at most DOSSIER_LABELS_MAX, 240), looked up "
                        "in the unit's subtree only.",
         "schema": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 60}, "minItems": 1}}
_TIME = {"type": ["string", "null"], "format": "date-time"}


def schemas() -> dict[str, Schema]:
    return {
        "PosterSheet": obj({
            "id": {"type": "string"},
            "unit_code": {"type": "string"},
            "layout": {"enum": ["1up", "4up"]},
            "status": {"enum": ["queued", "running", "done", "failed", "expired"], "description": (
                "`failed` also when the job was lost (a worker or Redis restarted): ask again.")},
            "progress": obj({"posters_drawn": {"type": "integer", "minimum": 0},
                             "posters_total": {"type": ["integer", "null"], "minimum": 0}},
                            description="Posters drawn so far, of all."),
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": _TIME,
            "expires_at": {**_TIME, "description": "After this the download answers 410 and the file is deleted."},
            "error": {"type": ["string", "null"]},
            "poll_url": {"type": "string"},
            "download_url": {"type": ["string", "null"], "description": "Set once the PDF is ready."},
        }, description="A PDF of posters being drawn in the background, or drawn."),
    }


def paths() -> dict[str, Schema]:
    return {
        "/api/v1/units/{code}/posters.pdf": {"get": {
            "operationId": "getUnitPostersPdf",
            "tags": ["Counters"],
            "summary": "Every active counter's poster of the unit's subtree, in one PDF",
            "description": ("Operators' material, as a single poster: an API key or a dashboard login whose "
                            "subtree holds the unit. Each poster carries the Vietnamese instructions, the unit "
                            "and counter names, the counter's QR and the fallback URL. More counters than "
                            "POSTER_INLINE_MAX are drawn by a job: 202 with `Location` to poll. The same PDF "
                            "(unit and layout) asked again is answered with the same one (the same `Location`) "
                            "while it is queued, running, or built and still current (no counter added, retired, "
                            "renamed or given a new QR since); a caller with POSTER_SHEETS_PER_REQUESTER PDFs "
                            "queued or running is answered 429."),
            "security": OPERATOR,
            "parameters": [UNIT_CODE, LAYOUT],
            "responses": {
                "200": {"description": "The PDF.", "content": PDF},
                "202": json_response("Queued: poll `Location` (the PDF's `poll_url`).", ref("PosterSheet"),
                                     headers={"Location": {"description": "Where to poll.",
                                                           "schema": {"type": "string"}}}),
                **errors(401, 403, 404, 422, 500),
                "429": too_many_queued("poster PDFs", "POSTER_SHEETS_PER_REQUESTER"),
                "503": error("Too large to draw now and the job queue is unavailable; nothing was queued."),
            },
        }},
        "/api/v1/poster-sheets/{sheet_id}": {"get": {
            "operationId": "getPosterSheet",
            "tags": ["Counters"],
            "summary": "Where a queued poster PDF stands",
            "description": "Any caller whose subtree holds its unit; for anyone else it does not exist (404).",
            "security": OPERATOR,
            "parameters": [SHEET_ID],
            "responses": {"200": json_response("The poster PDF.", ref("PosterSheet")), **errors(401, 404, 500)},
        }},
        "/api/v1/poster-sheets/{sheet_id}/download": {"get": {
            "operationId": "downloadPosterSheet",
            "tags": ["Counters"],
            "summary": "The poster PDF",
            "security": OPERATOR,
            "parameters": [SHEET_ID],
            "responses": {
                "200": {"description": "The PDF.", "content": PDF},
                **errors(401, 404, 500),
                "409": error("Not ready yet (queued, running or failed): poll first."),
                "410": error("The link has expired; ask again."),
            },
        }},
        "/api/v1/units/{code}/dossier-labels.pdf": {"get": {
            "operationId": "getDossierLabelsPdf",
            "tags": ["Dossiers"],
            "summary": "A sheet of receipt-size QR labels for the named dossiers",
            "description": ("For e-systems that cannot print a QR themselves: 70 × 37 mm labels, 3 × 8 to an A4 "
                            "page, each with the dossier's feedback QR. A code the unit's subtree does not hold "
                            "(unknown, or another unit's) is named in a 422, alike."),
            "security": OPERATOR,
            "parameters": [UNIT_CODE, CODES],
            "responses": {"200": {"description": "The PDF.", "content": PDF}, **errors(401, 403, 404, 422, 500)},
        }},
    }

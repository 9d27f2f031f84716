"""The key-protected part of the spec: officers and dossiers (hồ sơ) for the one-door e-system."""
from __future__ import annotations

from ..dossiers import records as dossier_rules
from ..integration import dossiers as dossier_routes
from ..ratings import qr
from .components import PERIOD_PARAMETERS, Schema, bare, errors, obj, path_code, ref
from .public import IF_NONE_MATCH, UNIT_CODE, image_responses, json_response

BEARER = [{"bearerAuth": []}]
OFFICER_CODE = path_code("CB-01273-01", "The officer's (công chức) code.")
DOSSIER_CODE = path_code("H15.50.05.13-261008-0975",
                         "The dossier's receipt code (TT 01/2018/TT-VPCP: agency-YYMMDD-sequence), "
                         "unique within its unit.")
DOSSIER_UNIT = {
    "name": "unit_code", "in": "query", "required": False, "example": "01273",
    "schema": {"type": "string", "minLength": 1, "maxLength": 16},
    "description": ("The dossier's unit. Needed only when the key's subtree holds the code in more than one "
                    "unit (422 otherwise); the links a registration answers with always carry it."),
}
SCOPED_LOOKUP = ("Only the key's own subtree is searched: another unit's dossier answers 404 exactly "
                 "like a code nobody registered.")
_TIME = {"type": ["string", "null"], "format": "date-time"}
_RESULT_STATUSES = ("created", "unchanged", "conflict", "invalid", "forbidden")


REGISTRATION_EXAMPLE = {
    "code": "H15.50.05.13-261008-0975",
    "unit_code": "01273",
    "counter_id": 1,
    "officer_code": "CB-01273-01",
    "procedure": {"code": "1.001234", "name": "Chứng thực bản sao từ bản chính",
                  "field_code": "CT", "field_name": "Chứng thực"},
    "received_at": "2026-10-08T08:30:00+07:00",
    "due_at": "2026-10-09T16:30:00+07:00",
    "channel": "in_person",
}


def schemas() -> dict[str, Schema]:
    links = {
        "feedback_url": {"type": "string", "format": "uri",
                         "description": "The citizen's rating page; its QR is printed beside the receipt's."},
        "qr_png": {"type": "string", "format": "uri"},
        "qr_svg": {"type": "string", "format": "uri"},
    }
    return {
        "OfficerList": obj({
            "unit": obj({"code": {"type": "string"}, "name": {"type": "string"}}),
            "officers": {"type": "array", "items": obj({
                "code": {"type": "string"}, "name": {"type": "string"}, "unit_code": {"type": "string"},
                "counter_id": {"type": ["integer", "null"]}, "counter_code": {"type": ["string", "null"]},
            })},
        }),
        "DossierRegistration": {
            **bare(dossier_rules.REGISTRATION_SCHEMA),
            "description": ("A dossier (hồ sơ) as printed on its receipt. Times are ISO 8601 with an offset. "
                            "The same facts again are accepted unchanged; other facts are a conflict. "
                            "`procedure.field_code` and `field_name` (optional, together) name the procedure's "
                            "field (lĩnh vực), the row of Biểu II.06a it is counted in; without them, \"Khác\"."),
        },
        "DossierUpdate": {
            **bare(dossier_rules.UPDATE_SCHEMA),
            "description": ("What happened to a dossier since: resolved, returned, late, an apology slip "
                            "(phiếu xin lỗi) with a new due time, or cancelled (`cancelled_at`: when; by default "
                            "the moment of the request; reports leave it out from that day's period on, never "
                            "from one that had already ended). Only the fields sent change."),
        },
        "DossierBatch": obj({
            "dossiers": {"type": "array", "minItems": 1, "maxItems": dossier_rules.BATCH_MAX_ITEMS,
                         "items": ref("DossierRegistration")},
        }),
        "Dossier": obj({
            "code": {"type": "string"}, **links,
            "unit_code": {"type": "string"},
            "counter_id": {"type": ["integer", "null"]},
            "officer_code": {"type": ["string", "null"]},
            "procedure": obj({
                "code": {"type": "string"}, "name": {"type": "string"},
                "field_code": {"type": ["string", "null"]},
                "field_name": {"type": ["string", "null"],
                               "description": "The field (lĩnh vực): a row of Biểu II.06a; null counts as \"Khác\"."},
            }),
            "channel": {"enum": list(dossier_rules.DOSSIER_CHANNELS)},
            "received_at": {"type": "string", "format": "date-time"},
            "received_day": {"type": "string", "format": "date", "description": "Local day of receipt."},
            "due_at": _TIME, "resolved_at": _TIME, "returned_at": _TIME,
            "returned_day": {"type": ["string", "null"], "format": "date"},
            "late": {"type": ["boolean", "null"], "description": "As the e-system reported it; null: not said."},
            "apology_issued_at": _TIME, "new_due_at": _TIME,
            "cancelled": {"type": "boolean"},
            "cancelled_at": {**_TIME, "description": ("When it was cancelled; null for a dossier not cancelled, "
                                                      "or cancelled before this date was kept (then it is in no "
                                                      "period).")},
        }, description="A dossier as stored, times in UTC."),
        "DossierBatchResult": obj({
            "results": {"type": "array", "items": obj({
                "index": {"type": "integer", "minimum": 0, "description": "Position in the batch."},
                "code": {"type": ["string", "null"]},
                "status": {"enum": list(_RESULT_STATUSES)},
                "errors": {"type": "array", "items": ref("ErrorDetail"),
                           "description": "For `invalid` and `conflict`."},
                **links,
            }, required=["index", "code", "status"])},
            "counts": obj({status: {"type": "integer", "minimum": 0} for status in _RESULT_STATUSES}),
        }, description="One result per dossier, in the batch's order."),
    }


def _json_body(schema_name: str, example: dict) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(schema_name), "example": example}}}


def _keyed(operation: Schema, *statuses: int) -> Schema:
    """Every integration route answers 401 first, then 403 for a unit outside the key's subtree
    (units are public) or 404 for a dossier outside it (dossiers are not)."""
    return {**operation, "security": BEARER,
            "responses": {**operation["responses"], **errors(401, *statuses, 500)}}


def _dossier_qr(fmt: str, mimetype: str) -> Schema:
    parameters = [DOSSIER_CODE, DOSSIER_UNIT]
    if fmt == "png":
        parameters.append({
            "name": "size", "in": "query", "required": False,
            "description": "Width in pixels. The image is drawn at the first of "
                           f"{', '.join(map(str, qr.PNG_SIZES))} that is at least this wide.",
            "schema": {"type": "integer", "minimum": qr.PNG_SIZE_MIN, "maximum": qr.PNG_SIZE_MAX,
                       "default": dossier_routes.RECEIPT_QR_SIZE}})
    parameters.append(IF_NONE_MATCH)
    return {"get": _keyed({
        "operationId": f"getDossierQr{fmt.capitalize()}",
        "tags": ["Dossiers"],
        "summary": f"The dossier's feedback QR code as {fmt.upper()}, to print beside the receipt",
        "description": "Cached privately: the image is behind a key. " + SCOPED_LOOKUP,
        "parameters": parameters,
        "responses": image_responses(mimetype, f"The {fmt.upper()} image."),
    }, 404, 422)}


def paths() -> dict[str, Schema]:
    return {
        "/api/v1/units/{code}/officers": {"get": _keyed({
            "operationId": "listUnitOfficers",
            "tags": ["Officers"],
            "summary": "Active officers of a unit subtree",
            "parameters": [UNIT_CODE],
            "responses": {"200": json_response("The officers, by unit code then officer code.", ref("OfficerList"))},
        }, 403, 404)},
        "/api/v1/officers/{code}/summary": {"get": _keyed({
            "operationId": "getOfficerSummary",
            "tags": ["Officers"],
            "summary": "An officer's satisfaction summary",
            "description": ("The same figures as a unit summary, for one officer; not public. Figures "
                            "resting on fewer than 5 answers are withheld here too, whatever the key. "
                            "An officer outside the key's subtree is a 404, like an unknown code."),
            "parameters": [OFFICER_CODE, *PERIOD_PARAMETERS],
            "responses": {"200": json_response("The summary.", ref("OfficerSummary"))},
        }, 404, 422)},
        "/api/v1/dossiers": {"post": _keyed({
            "operationId": "registerDossier",
            "tags": ["Dossiers"],
            "summary": "Register a dossier (hồ sơ) and get its feedback QR",
            "description": ("Idempotent by receipt code within the unit: the same facts again answer 200 "
                            "with the stored dossier; other facts answer 409 naming the differing fields. "
                            "Codes are unique per unit, so another unit's dossier with the same code neither "
                            "blocks the registration nor shows in the answer. A unit outside the key's "
                            "subtree is 403."),
            "requestBody": _json_body("DossierRegistration", REGISTRATION_EXAMPLE),
            "responses": {"201": json_response("Registered.", ref("Dossier")),
                          "200": json_response("Already registered with the same facts.", ref("Dossier"))},
        }, 400, 403, 409, 413, 415, 422)},
        "/api/v1/dossiers:batch": {"post": _keyed({
            "operationId": "registerDossierBatch",
            "tags": ["Dossiers"],
            "summary": f"Register up to {dossier_rules.BATCH_MAX_ITEMS} dossiers at once",
            "description": ("Each dossier is checked and registered on its own: one invalid, forbidden or "
                            "conflicting dossier does not refuse the others. A batch may be larger than "
                            "other bodies (about 2 MB)."),
            "requestBody": _json_body("DossierBatch", {"dossiers": [REGISTRATION_EXAMPLE]}),
            "responses": {"200": json_response("One result per dossier.", ref("DossierBatchResult"))},
        }, 400, 413, 415, 422)},
        "/api/v1/dossiers/{code}": {
            "get": _keyed({
                "operationId": "getDossier",
                "tags": ["Dossiers"],
                "summary": "A dossier as stored",
                "description": SCOPED_LOOKUP,
                "parameters": [DOSSIER_CODE, DOSSIER_UNIT],
                "responses": {"200": json_response("The dossier.", ref("Dossier"))},
            }, 404, 422),
            "patch": _keyed({
                "operationId": "updateDossier",
                "tags": ["Dossiers"],
                "summary": "Report what happened to a dossier",
                "description": ("Resolved, returned (on time or late), apology slip and new due time, cancelled. "
                                + SCOPED_LOOKUP),
                "parameters": [DOSSIER_CODE, DOSSIER_UNIT],
                "requestBody": _json_body("DossierUpdate", {"returned_at": "2026-10-09T15:00:00+07:00",
                                                            "late": False}),
                "responses": {"200": json_response("The dossier after the change.", ref("Dossier"))},
            }, 400, 404, 413, 415, 422),
        },
        "/api/v1/dossiers/{code}/qr.png": _dossier_qr("png", "image/png"),
        "/api/v1/dossiers/{code}/qr.svg": _dossier_qr("svg", "image/svg+xml"),
    }

"""Input checked at the edge: one error shape, strict JSON Schema, and the rules for text from outside.

Every channel (the citizen form, the JSON API, the dossier API, CSV imports, the
dashboard's forms) reports a refusal as `FieldError`s, so each audience can show
all of them at once in its own way (a Vietnamese page, the JSON error envelope).

Names and codes from outside are made comparable here: text pasted from macOS or
typed with some Vietnamese input methods arrives decomposed (NFD), and "Đức" in
two spellings would be two officer codes that look the same. A control character
has no place in a name or code: a NUL byte is an error in PostgreSQL's driver, an
escape sequence garbles a terminal or a CSV.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import abort, request
from jsonschema import Draft202012Validator, validators

# C0 and C1 controls, DEL included. Comments keep newline and tab (see ratings/submission.py);
# names and codes keep neither.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CONTROL_CODE = "control_character"
CONTROL_MESSAGE = "contains a control character"


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def refuse_nul_characters() -> None:
    """400 for a NUL character anywhere in the path, query or form: no name, code or
    comment holds one, and PostgreSQL refuses it in any text (a 500 deep in a query).
    Registered before the routes of the dashboard and the APIs. The login reads a NUL as
    a wrong account, and the citizen pages strip control characters from a comment, so a
    citizen's rating is kept."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    # Only a form is read here: reading a JSON body would apply the app-wide size limit
    # before a route (the dossier batch) could raise it for itself.
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    if any("\x00" in text for text in texts):
        abort(400)


@dataclass
class FieldError:
    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


# JSON Schema counts 4.0 as an integer; a level sent as a float is a client bug
# worth reporting, not a rating to round.
StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)),
)


def _field_errors(err) -> list[FieldError]:
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        return [
            FieldError(f"{path}.{name}" if path else name, "unknown field", "unknown_field")
            for name in sorted(set(err.instance) - allowed)
        ]
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        return [FieldError(f"{path}.{missing}" if path else missing, "required", "required")]
    if err.validator == "dependentRequired":
        # "'b' is a dependency of 'a'": b is what is missing.
        missing, given = (err.message.split("'")[1::2] + ["", ""])[:2]
        return [FieldError(f"{path}.{missing}" if path else missing, f"required with {given}", "required")]
    code = {"type": "wrong_type", "minimum": "out_of_range", "maximum": "out_of_range"}.get(err.validator, "invalid")
    return [FieldError(path or "(body)", err.message, code)]


def schema_errors(validator: Draft202012Validator, body: object) -> list[FieldError]:
    """Every error in the body at once, sorted by field (never only the first)."""
    errors = [error for err in validator.iter_errors(body) for error in _field_errors(err)]
    return sorted(errors, key=lambda e: e.field)

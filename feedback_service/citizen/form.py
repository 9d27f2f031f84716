"""The HTML form's fields, mapped to the API's shape so both are checked alike."""
from __future__ import annotations

from flask_babel import gettext as _

from ..ratings.instrument import Instrument
from ..validation import FieldError

_CONDUCT_VALUES = {"yes": True, "no": False, "unknown": None, "": None}


def _level(raw: str | None):
    # str.isdigit() is true for "²" and "٥" too, and int("²") raises: only ASCII digits
    # become a number; anything else goes to the validator as the string it is.
    if raw in (None, ""):
        return None
    return int(raw) if raw.isascii() and raw.isdigit() else raw


def form_to_body(form, token: str, instrument: Instrument) -> dict:
    """A JSON-API-shaped body; invalid values are passed through for the validator to name."""
    body: dict = {"token": token}
    overall = _level(form.get("overall"))
    if overall is not None:
        body["overall"] = overall
    body["conduct"] = {
        key: _CONDUCT_VALUES.get(form.get(f"conduct_{key}", ""), form.get(f"conduct_{key}"))
        for key in instrument.conduct_keys
    }
    body["elements"] = {
        key: _level(form.get(f"element_{key}"))
        for key in instrument.element_keys
        if form.get(f"element_{key}") not in (None, "")
    }
    if form.get("comment"):
        body["comment"] = form["comment"]
    phone = (form.get("phone") or "").strip()
    if phone or form.get("consent"):
        body["contact"] = {"phone": phone, "consent": form.get("consent") == "1"}
    return body


def form_errors(errors: list[FieldError]) -> dict[str, str]:
    """Field name in the form → a message a citizen understands."""
    messages = {}
    for error in errors:
        if error.field == "overall":
            messages["overall"] = _("Vui lòng chọn mức độ hài lòng.")
        elif error.field.startswith("conduct."):
            messages[f"conduct_{error.field.split('.', 1)[1]}"] = _("Lựa chọn không hợp lệ.")
        elif error.field.startswith("elements."):
            messages[f"element_{error.field.split('.', 1)[1]}"] = _("Lựa chọn không hợp lệ.")
        elif error.field == "comment":
            messages["comment"] = _("Góp ý quá dài, tối đa 1.000 ký tự.")
        elif error.field == "contact.consent":
            messages["consent"] = _("Vui lòng đánh dấu đồng ý để được gọi lại, hoặc xoá số điện thoại.")
        elif error.field.startswith("contact"):
            messages["phone"] = _("Số điện thoại không hợp lệ (ví dụ 0912345678).")
        else:
            messages.setdefault("form", _("Vui lòng kiểm tra lại các lựa chọn."))
    return messages

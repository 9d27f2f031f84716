"""Names and codes from outside (forms, CSV files, API bodies), made comparable at the edge.

Text pasted from macOS or typed with some Vietnamese input methods arrives
decomposed (NFD): "Đức" in two spellings would be two officer codes that look
the same. A control character has no place in a name or code: a NUL byte is an
error in PostgreSQL's driver, an escape sequence garbles a terminal or a CSV.
"""
from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL included. Comments keep newline and tab (see submission.py);
# names and codes keep neither.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CONTROL_CODE = "control_character"
CONTROL_MESSAGE = "contains a control character"


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None

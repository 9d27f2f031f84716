"""What is typed, or forged, into the dashboard's URLs, forms and query strings.

Numbers are read strictly as ASCII digits: `str.isdigit()` also says yes to "²" (which
`int()` then refuses: a 500) and `int()` takes "١" or "1_0" for numbers. And a number
too big for the database's integer columns never reaches a query, where the driver
would overflow (a 500).
"""
from __future__ import annotations

from ..models import ROW_ID_MAX

# No list here comes near it; it keeps OFFSET well inside every driver's integers.
PAGE_MAX = 100_000


def _digits(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text if text.isascii() and text.isdigit() else None


def row_id(raw: str | None) -> int | None:
    """A row id (1 … ROW_ID_MAX, like the `<id:…>` URL converter), or None for anything else."""
    text = _digits(raw)
    if text is None or len(text) > len(str(ROW_ID_MAX)):
        return None
    value = int(text)
    return value if 1 <= value <= ROW_ID_MAX else None


def page_number(raw: str | None, last: int | None = None) -> int:
    """A page of a list: 1 when missing or not a number, the last page (or PAGE_MAX)
    when past the end."""
    text = _digits(raw)
    if text is None:
        return 1
    page = PAGE_MAX if len(text) > len(str(PAGE_MAX)) else min(int(text), PAGE_MAX)
    if last is not None:
        page = min(page, last)
    return max(page, 1)

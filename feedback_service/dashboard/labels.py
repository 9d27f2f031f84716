"""Words for the case workflow's codes, shared by the pages and the CSV exports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "new": _l("Mới"),
    "assigned": _l("Đã giao xử lý"),
    "answered": _l("Đã trả lời"),
    "closed": _l("Đã đóng"),
}
REASON_LABELS = {
    "low_overall": _l("Mức hài lòng thấp"),
    "conduct_no": _l("Cán bộ không đạt “6 biết”"),
    "comment": _l("Có ý kiến"),
}
ACTION_LABELS = {
    "open": _l("Mở phản ánh"),
    "assign": _l("Giao xử lý"),
    "answer": _l("Trả lời"),
    "close": _l("Đóng"),
    "reopen": _l("Mở lại"),
}


def label(labels: dict, code: str) -> str:
    """The word for a code; an unknown code (a newer version's) shows as itself."""
    return str(labels.get(code, code))

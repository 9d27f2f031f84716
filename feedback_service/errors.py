"""One JSON error envelope for the API, one friendly Vietnamese page for people.

No traceback ever reaches a user: unexpected errors are logged with their
traceback and answered with a plain 500 in the caller's format.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Machine-readable codes for the HTTP errors the API can answer with.
_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    409: "conflict", 500: "internal_error", 503: "unavailable",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or _HTTP_CODES.get(status, "error")
        self.message = message
        self.details = details or []


def api_error_response(status: int, message: str, code: str | None = None, details: list | None = None):
    body = {"error": {"status": status, "code": code or _HTTP_CODES.get(status, "error"),
                      "message": message, "details": details or []}}
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/readyz"


_PAGE_TEXT = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Trang hoặc biểu mẫu gửi lên không dùng được. Vui lòng quay lại, "
                                         "tải lại trang và thử lại.")),
    404: (_l("Không tìm thấy trang"), _l("Mã QR này không còn hiệu lực hoặc không đúng. Vui lòng quét lại "
                                         "mã QR tại quầy hoặc hỏi cán bộ tiếp nhận.")),
    413: (_l("Nội dung quá dài"), _l("Góp ý của Ông/Bà quá dài. Vui lòng rút gọn và gửi lại.")),
    429: (_l("Gửi quá nhiều lần"), _l("Hệ thống nhận được quá nhiều đánh giá trong thời gian ngắn. "
                                      "Vui lòng thử lại sau ít phút.")),
}
_DEFAULT_PAGE = (_l("Đã có lỗi xảy ra"), _l("Hệ thống tạm thời gặp sự cố. Vui lòng thử lại sau ít phút."))


# Staff pages: the same answer whether a page does not exist or belongs to a unit
# the user may not see, so a URL reveals nothing about other communes.
_STAFF_NOT_FOUND = (_l("Không tìm thấy trang"), _l("Trang không tồn tại hoặc Ông/Bà không có quyền xem."))


def error_page(status: int):
    title, message = _PAGE_TEXT.get(status, _DEFAULT_PAGE)
    # The poster is staff material too (operators.py): its 404 also covers "not yours".
    staff = request.path.startswith(("/dashboard", "/login")) or request.endpoint == "citizen.counter_poster"
    if staff and status == 404:
        title, message = _STAFF_NOT_FOUND
    return render_template("error.html", title=title, message=message, status=status, staff=staff), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return api_error_response(err.status, err.message, err.code, err.details)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        if _wants_json():
            message = err.description if status != 429 else f"rate limit exceeded: {err.description}"
            return api_error_response(status, message)
        # Flask-Limiter adds Retry-After to a 429 in its after_request hook.
        return error_page(status)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return api_error_response(500, "internal error; it has been logged")
        return error_page(500)

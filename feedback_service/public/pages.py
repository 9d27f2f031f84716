"""`/public/units/<code>?period=<label>`: a unit's direct children ranked by satisfaction,
each share with its interval and band of ranks (`summaries.ranking`), for anyone.

Without `period` the page shows the last calendar quarter that has closed. An unknown
unit or a period that cannot be read is a friendly page, never an error trace.
"""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _

from ..clock import local_today
from ..extensions import limiter
from ..models import Unit
from ..ratings.abuse import client_address, limit_per_ip
from ..reports.periods import PeriodInvalid, last_closed, parse_period
from ..summaries.ranking import MAX_AGE_SECONDS, unit_ranking
from . import public

@public.get("/public/units/<code>")
@limiter.limit(limit_per_ip, key_func=client_address)
def unit_ranking_page(code: str):
    unit = Unit.by_code(code)
    if unit is None:
        return _friendly(404, _("Không tìm thấy đơn vị"),
                         _("Không có đơn vị nào mang mã này. Vui lòng kiểm tra lại đường dẫn."))
    label = request.args.get("period") or None
    try:
        period = parse_period(label) if label else last_closed(local_today(), "quarter", False)
    except PeriodInvalid:
        return _friendly(422, _("Kỳ báo cáo không hợp lệ"),
                         _("Vui lòng ghi kỳ báo cáo theo mẫu: 2026-11 (tháng), 2026-Q3 (quý), 2026-H1 (6 tháng), "
                           "2026-9M (9 tháng) hoặc 2026 (năm); thêm /official cho kỳ báo cáo chính thức."))
    ranking = unit_ranking(unit, period)
    response = make_response(render_template("public/ranking.html", unit=unit, period=period, ranking=ranking))
    return _cacheable(response)


def _friendly(status: int, title: str, message: str):
    return render_template("error.html", title=title, message=message, status=status, staff=False), status


def _cacheable(response):
    # A `?lang=` link sets the language cookie on its answer: no shared cache may keep that.
    response.cache_control.max_age = MAX_AGE_SECONDS
    if "lang" in request.args:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.vary.add("Cookie")  # the language is the cookie's
    return response

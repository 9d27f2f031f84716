"""The landing page, a unit's overview for a period, and the counter and officer pages.

Headline figures come from `summaries.unit_summary` / `scope_summary`, the same
calls behind the summary API, so the page and the API always agree. Every page
checks scope: a counter or officer outside the user's subtree is a 404.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..extensions import db
from ..i18n import pick
from ..models import Counter, Officer, Rating, Unit
from ..ratings.instrument import current_instrument
from ..summaries import disclosure
from ..summaries.read import scope_summary, unit_summary
from ..summaries.scoring import MIN_ANSWERS
from ..units.tree import subtree_ids
from . import charts, dashboard, queries
from .access import can_see, home_unit, visible_unit
from .periods import PERIOD_KEYS, Period, from_request

SORT_DIRECTIONS = ("asc", "desc")


@dashboard.app_template_global()
def figure(value: float | str | None, n: int | None = None, suffix: str = "%", element_id: str | None = None,
           brief: bool = True) -> Markup:
    """A figure, or — when the small-cell rule withholds it (`disclosure`: it reads "<5",
    or rests on too few answers `n`) — no number: a short "–" (`brief`, for table cells)
    whose tooltip and screen-reader text say why, or that explanation in full (cards).
    `data-value` / `data-n` carry the machine-readable numbers (tests, scripts)."""
    id_attr = f' id="{escape(element_id)}"' if element_id else ""
    counted = isinstance(n, int) and not isinstance(n, bool)
    if disclosure.is_withheld(value) or (n is not None and disclosure.too_few(n)):
        why = escape(too_few_reason(n if counted else None))
        # abbr's title is a mouse-only tooltip; the hidden twin is what screen readers say.
        text = (Markup(f'<abbr title="{why}" aria-hidden="true">–</abbr><span class="visually-hidden">{why}</span>')
                if brief else why)
        return Markup(f'<span class="figure too-few"{id_attr} data-value=""{_n_attr(n)}>{text}</span>')
    if value is None:
        return Markup(f'<span class="figure"{id_attr} data-value=""{_n_attr(n)}>–</span>')
    shown = escape(_number(value))
    return Markup(f'<span class="figure"{id_attr} data-value="{value}"{_n_attr(n)}>{shown}{suffix}</span>')


@dashboard.app_template_global()
def count(value: int | str | None) -> Markup:
    """A count of answers in a table: the number, or a "–" saying why when the small-cell
    rule withholds the distribution it belongs to."""
    if disclosure.is_withheld(value):
        return figure(value)
    return Markup(escape("–" if value is None else value))


@dashboard.app_template_global()
def withheld(value: object) -> bool:
    return disclosure.is_withheld(value)


def _n_attr(n: int | None) -> str:
    return f' data-n="{n}"' if isinstance(n, int) else ""


def too_few_reason(n: int | None) -> str:
    if n is None:
        return _("Chưa đủ dữ liệu: con số dựa trên dưới %(min)s ý kiến", min=MIN_ANSWERS)
    return _("Chưa đủ dữ liệu: %(n)s ý kiến, cần ít nhất %(min)s", n=n, min=MIN_ANSWERS)


def _number(value: float) -> str:
    """A figure as the reader's locale writes it (78,44 in Vietnamese)."""
    return format_decimal(value, format="#,##0.##")


dashboard.add_app_template_global(MIN_ANSWERS, "MIN_ANSWERS")
dashboard.add_app_template_global(disclosure.may_rank, "may_rank")


@dashboard.get("/")
def home():
    unit = home_unit()
    if unit is None:
        abort(404)
    return redirect(url_for("dashboard.unit_overview", code=unit.code))


@dashboard.get("/units/<code>")
def unit_overview(code: str):
    unit = visible_unit(code)
    period = from_request()
    summary = disclosure.for_pages(unit_summary(unit, period.date_from, period.date_to))
    sort, descending = _sort_args()
    ranking = sorted((c for c in summary["children"] if c["responses"]), key=_ranking_key)
    silent = [c for c in summary["children"] if not c["responses"]]
    return render_template(
        "dashboard/overview.html", unit=unit, summary=summary, ranking=ranking, silent=silent,
        officers=disclosure.rows_for_pages(
            queries.officers_table([Officer.unit_id.in_(subtree_ids(unit.id))], period, sort, descending)),
        counters=disclosure.rows_for_pages(queries.counters_table(unit.id, period)),
        crumbs=_unit_crumbs(unit, period), page_args={"code": unit.code, **period.query_args()},
        **_common(period, "unit", unit.id, queries.unit_ratings(unit.id), summary, sort, descending),
    )


@dashboard.get("/counters/<id:counter_id>")
def counter_page(counter_id: int):
    counter = db.session.get(Counter, counter_id)
    if counter is None or not can_see(counter.unit):
        abort(404)
    period = from_request()
    summary = disclosure.for_pages(scope_summary("counter", counter.id, period.date_from, period.date_to))
    sort, descending = _sort_args()
    crumbs = _unit_crumbs(counter.unit, period) + [(counter.name, None)]
    return render_template(
        "dashboard/counter.html", counter=counter, summary=summary, crumbs=crumbs,
        officers=disclosure.rows_for_pages(
            queries.officers_table([Officer.counter_id == counter.id], period, sort, descending)),
        page_args={"counter_id": counter.id, **period.query_args()},
        **_common(period, "counter", counter.id, [Rating.counter_id == counter.id], summary, sort, descending),
    )


@dashboard.get("/officers/<code>")
def officer_page(code: str):
    officer = db.session.scalar(db.select(Officer).where(Officer.code == code))
    if officer is None or not can_see(officer.unit):
        abort(404)
    period = from_request()
    summary = disclosure.for_pages(scope_summary("officer", officer.id, period.date_from, period.date_to))
    crumbs = _unit_crumbs(officer.unit, period)
    if officer.counter is not None:
        crumbs.append((officer.counter.name,
                       url_for("dashboard.counter_page", counter_id=officer.counter.id, **period.query_args())))
    crumbs.append((officer.name, None))
    return render_template(
        "dashboard/officer.html", officer=officer, summary=summary, crumbs=crumbs,
        page_args={"code": officer.code, **period.query_args()},
        **_common(period, "officer", officer.id, [Rating.officer_id == officer.id], summary, "name", False),
    )


def _common(period: Period, scope: str, scope_id: int, rating_filter: list, summary: dict,
            sort: str, descending: bool) -> dict:
    """What every scope page shows: period selector, labels and the three charts."""
    instrument = current_instrument()
    levels = [pick(level["label"]) for level in instrument["scale"]]
    points = [charts.TrendPoint(_bucket_label(p["start"], period.trend_grain), p["pct"], p["responses"])
              for p in queries.trend(scope, scope_id, period)]
    weekdays = [_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN")]
    return {
        "period": period, "period_keys": PERIOD_KEYS, "period_labels": _period_labels(),
        "sort": sort, "direction": "desc" if descending else "asc",
        "element_labels": {i["key"]: pick(i["label"]).split(":")[0] for i in instrument["elements"]["items"]},
        "conduct_labels": {i["key"]: pick(i["label"]).split(" — ")[0] for i in instrument["conduct"]["items"]},
        "distribution_chart": charts.distribution_bar(
            summary["overall"], levels, _("Phân bố mức hài lòng"), _("Số ý kiến"), _("Tỷ lệ"),
            number=_number, withheld="overall" in summary["withheld"],
            too_few=too_few_reason(summary["responses"])),
        "trend_chart": charts.trend_bars(
            points, _("Tỷ lệ hài lòng theo tuần") if period.trend_grain == "week" else _("Tỷ lệ hài lòng theo tháng"),
            _("Tỷ lệ hài lòng"), _("Số ý kiến"),
            _("chưa đủ dữ liệu (dưới %(min)s ý kiến)", min=MIN_ANSWERS), number=_number),
        "heatmap_chart": charts.heatmap(
            queries.heatmap(rating_filter, period), weekdays, _("Số ý kiến theo giờ và ngày trong tuần"), _("Ngày")),
    }


def _period_labels() -> dict[str, str]:
    return {"recent": _("30 ngày gần nhất"), "month": _("Tháng này"), "last_month": _("Tháng trước"), "quarter": _("Quý này"),
            "year": _("Năm nay"), "custom": _("Tùy chọn")}


def _bucket_label(start, grain: str) -> str:
    return start.strftime("%d/%m") if grain == "week" else start.strftime("%m/%Y")


def _sort_args() -> tuple[str, bool]:
    """`?sort=apologize&dir=asc`; anything unknown falls back to the name, A→Z."""
    sort = request.args.get("sort", "name")
    if sort not in ("name", "responses", "satisfaction", *current_instrument().conduct_keys):
        sort = "name"
    direction = request.args.get("dir", "asc")
    return sort, direction == "desc"


def _ranking_key(child: dict) -> tuple:
    # Best first; children with too few answers after all ranked ones.
    pct = child["satisfaction_pct"]
    if not disclosure.may_rank(child["responses"], pct) or disclosure.is_withheld(pct):
        return (1, 0.0, child["code"])
    return (0, -pct, child["code"])


def _unit_crumbs(unit: Unit, period: Period) -> list[tuple[str, str | None]]:
    """The unit and its ancestors up to the highest one the user may see."""
    chain, current = [], unit
    while current is not None and can_see(current):
        chain.append((current.name, url_for("dashboard.unit_overview", code=current.code, **period.query_args())))
        current = current.parent
    return list(reversed(chain))

"""The unit overview, counter and officer pages: figures, periods, sorting, scope, charts."""
import re
from datetime import date, timedelta

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, officer, tree

from feedback_service.summaries.fold import fold_all
from feedback_service import clock
from feedback_service.dashboard import charts
from feedback_service.dashboard.periods import resolve
from feedback_service.ratings.tokens import counter_token

ALL_YES = {k: True for k in ("greet", "smile", "listen", "guide", "thank", "apologize")}


def rate(client, desk, officer_code, overall, conduct, elements=None):
    body = {"token": counter_token(desk), "overall": overall, "officer_code": officer_code,
            "conduct": conduct, "elements": elements or {}}
    response = client.post("/api/v1/ratings", json=body)
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def demo(app, client, runner):
    """Commune 01273: officer CB-A (always apologises) at Q1, CB-B (rarely) at Q2;
    commune 01279: officer CB-C with only 3 ratings."""
    _, commune_a, commune_b = tree()
    q1, q2, q3 = counter(commune_a, "Q1"), counter(commune_a, "Q2"), counter(commune_b, "Q1")
    officer(q1, "CB-A", "Nguyễn Văn An")
    officer(q2, "CB-B", "Trần Thị Bình")
    officer(q3, "CB-C", "Lê Văn Cường")
    for i in range(6):
        rate(client, q1, "CB-A", 5, ALL_YES, {"access": 5, "procedure": 4})
        rate(client, q2, "CB-B", 4 if i % 2 else 2, {**ALL_YES, "apologize": i < 2}, {"access": 3, "officer": 2 + i % 4})
    for overall in (5, 3, 1):
        rate(client, q3, "CB-C", overall, {**ALL_YES, "apologize": False})
    fold_all(100)
    make_user(runner, "admin", "admin")
    make_user(runner, "chu-tich", "unit_manager", "01273")
    make_user(runner, "xem", "viewer", "04")
    return {"q1": q1.id, "q2": q2.id, "q3": q3.id}


def page(client, path: str, user: str = "admin") -> str:
    log_in(client, user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def value(html: str, element_id: str) -> str:
    # data-n: the answers a figure rests on, where the page may say it (a withheld behaviour's may not).
    return re.search(rf'id="{element_id}" data-value="([^"]*)"(?: data-n="(\d+)")?', html).group(1)


def shown_period(html: str) -> tuple[str, str]:
    match = re.search(r'id="period-shown" data-from="([\d-]+)" data-to="([\d-]+)"', html)
    return match.group(1), match.group(2)


def number(raw: str):
    return None if raw == "" else float(raw)


@pytest.mark.parametrize("code", ["04", "01273"])
@pytest.mark.parametrize("query", ["", "?period=year", "?period=last_month"])
def test_figures_equal_the_summary_api(calendar_day, client, demo, code, query):
    html = page(client, f"/dashboard/units/{code}{query}")
    date_from, date_to = shown_period(html)
    api = client.get(f"/api/v1/units/{code}/summary?from={date_from}&to={date_to}").get_json()
    assert int(re.search(r'id="fig-responses" data-value="(\d+)"', html).group(1)) == api["responses"]
    for element_id, key in (("fig-satisfaction", "satisfaction_pct"), ("fig-sipas", "sipas_index"),
                            ("fig-conduct", "conduct_score"), ("fig-verified", "verified_share_pct")):
        expected = api[key] if api["responses"] >= 5 else None
        assert number(value(html, element_id)) == expected, element_id
    for key, element in api["elements"].items():
        expected = element["satisfaction_pct"] if element["responses"] >= 5 else None
        assert number(value(html, f"el-{key}")) == expected, key
    for key, item in api["conduct"].items():
        expected = item["pct"] if item["yes"] + item["no"] >= 5 else None
        assert number(value(html, f"conduct-{key}")) == expected, key
    if not query.endswith("last_month"):
        assert api["responses"] == (15 if code == "04" else 12)


def test_counter_and_officer_figures_equal_the_api(client, demo):
    html = page(client, f"/dashboard/counters/{demo['q2']}")
    api = client.get(f"/api/v1/counters/{demo['q2']}/summary?from={'&to='.join(shown_period(html))}").get_json()
    assert number(value(html, "fig-satisfaction")) == api["satisfaction_pct"] == 50.0
    officer_html = client.get("/dashboard/officers/CB-B").get_data(as_text=True)
    assert number(value(officer_html, "conduct-apologize")) == pytest.approx(33.33)
    assert number(value(officer_html, "conduct-greet")) == 100.0
    assert "Trần Thị Bình" in officer_html


TOO_FEW_3 = "Chưa đủ dữ liệu: 3 ý kiến, cần ít nhất 5"
NOTE = "chưa đủ dữ liệu: con số dựa trên dưới 5 ý kiến nên không được hiển thị."


def test_small_numbers_are_suppressed(client, demo):
    html = page(client, "/dashboard/units/01279")
    assert value(html, "fig-satisfaction") == ""
    assert f'<span class="figure too-few" id="fig-satisfaction" data-value="" data-n="3">{TOO_FEW_3}</span>' in html
    assert "33.33" not in html and "33,33" not in html  # CB-C's 1 of 3 satisfied never shows
    officer_html = client.get("/dashboard/officers/CB-C").get_data(as_text=True)
    assert value(officer_html, "conduct-apologize") == "" and TOO_FEW_3 in officer_html


def section(html: str, table_id: str) -> str:
    """A table and what follows it up to the end of its panel (where the note goes)."""
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</section>", start)]


def visible_text(markup: str) -> str:
    without_hidden = re.sub(r'<span class="visually-hidden">.*?</span>', "", markup)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_hidden))


def test_a_suppressed_figure_in_a_table_is_a_dash_explained_to_everyone(client, demo):
    officers = section(page(client, "/dashboard/units/01279"), "officers")
    row = re.search(r'<tr data-officer="CB-C">(.*?)</tr>', officers, re.S).group(1)
    cell = (f'<abbr title="{TOO_FEW_3}" aria-hidden="true">–</abbr>'
            f'<span class="visually-hidden">{TOO_FEW_3}</span>')
    # Satisfaction and all six behaviours: a dash with tooltip, and the reason for screen readers;
    # a behaviour's reason names no count (its yes + no would give its unknown back).
    assert row.count(cell) == 1
    general = "Chưa đủ dữ liệu: con số dựa trên dưới 5 ý kiến"
    assert row.count(f'<abbr title="{general}" aria-hidden="true">–</abbr>'
                     f'<span class="visually-hidden">{general}</span>') == 6
    assert "Chưa đủ dữ liệu" not in visible_text(row) and "n = 3" not in row
    # One note under the table says what the dash means.
    assert officers.count('class="table-note"') == 1 and NOTE in officers
    assert officers.index("</table>") < officers.index(NOTE)


def test_the_note_appears_only_under_tables_with_a_dash(client, demo):
    html = page(client, "/dashboard/units/01273")
    conduct = section(html, "conduct")  # 12 answers to every behaviour: nothing hidden
    assert "too-few" not in conduct and "table-note" not in conduct
    elements = section(html, "elements")  # results and feedback handling were never asked here
    assert "figure too-few" in elements and NOTE in elements


def test_distribution_legend_gives_each_levels_label_count_and_share(client, demo):
    html = page(client, "/dashboard/units/01273")
    legend = html[html.index('<table class="legend">'):]
    legend = legend[:legend.index("</table>")]
    rows = re.findall(r'<tr data-level="(\d)"><th scope="row"><svg class="swatch".*?</svg> (.*?)</th>'
                      r'<td class="num">(\d+)</td><td class="num">([^<]+)</td></tr>', legend)
    # 01273: CB-A six 5s, CB-B three 2s and three 4s.
    assert rows == [("1", "1 · Rất không hài lòng", "0", "0%"), ("2", "2 · Không hài lòng", "3", "25%"),
                    ("3", "3 · Bình thường", "0", "0%"), ("4", "4 · Hài lòng", "3", "25%"),
                    ("5", "5 · Rất hài lòng", "6", "50%")]
    english = client.get("/dashboard/units/01273?lang=en").get_data(as_text=True)
    assert "1 · Very dissatisfied" in english and "5 · Very satisfied" in english


def test_a_withheld_distribution_gives_neither_counts_nor_shares(client, demo):
    html = page(client, "/dashboard/units/01279")  # CB-C: one 5, one 3, one 1
    chart = html[html.index('class="chart distribution"'):]
    chart = chart[:chart.index("</table>")]
    # Three answers: each level's count would be one citizen's answer, as the summary API says.
    assert not re.findall(r'<tr data-level="(\d)">.*?<td class="num">(\d+)</td>', chart)
    assert chart.count(f'<abbr title="{TOO_FEW_3}" aria-hidden="true">–</abbr>') == 10
    assert "%" not in chart.split("<table", 1)[1] and "%</text>" not in chart
    assert '<g class="placeholder">' in chart and "<title>" in chart and ": 1<" not in chart


def test_shares_are_written_the_readers_way():
    bar = charts.distribution_bar({"1": 1, "5": 2}, ["a", "b", "c", "d", "e"], "t", "n", "%",
                                  number=lambda v: f"{v:.2f}".replace(".", ","))
    assert "<td class=\"num\">33,33%</td>" in bar and "66,67%</text>" in bar
    empty = charts.distribution_bar({}, ["a", "b", "c", "d", "e"], "t", "n", "%")
    assert empty.count("<td class=\"num\">–</td>") == 5


def officer_order(html: str) -> list[str]:
    table = html[html.index('id="officers"'):]
    return re.findall(r'data-officer="([^"]+)"', table)


def test_sorting_by_apologize_puts_the_weakest_first(client, demo):
    html = page(client, "/dashboard/units/04?sort=apologize&dir=asc")
    # CB-C has too few answers to be ranked: last in either direction.
    assert officer_order(html) == ["CB-B", "CB-A", "CB-C"]
    assert 'aria-sort="ascending"' in html
    assert officer_order(client.get("/dashboard/units/04?sort=apologize&dir=desc").get_data(as_text=True)) == [
        "CB-A", "CB-B", "CB-C"]
    # The header link of the active column reverses the order, and keeps the period.
    link = re.search(r'href="([^"]+)"\s+data-sort="apologize"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/dashboard/units/04?") and link.endswith("#officers")
    assert set(link[len("/dashboard/units/04?"):-len("#officers")].split("&")) == {
        "period=recent", "sort=apologize", "dir=desc"}
    # An unknown column falls back to names, A→Z, not an error.
    assert officer_order(client.get("/dashboard/units/04?sort=drop+table").get_data(as_text=True)) == [
        "CB-C", "CB-A", "CB-B"]


def test_drill_down_links_and_breadcrumbs(client, demo):
    html = page(client, "/dashboard/units/04")
    assert 'href="/dashboard/units/01273?period=recent"' in html
    assert f'href="/dashboard/counters/{demo["q1"]}?period=recent"' in html
    assert 'href="/dashboard/officers/CB-A?period=recent"' in html
    assert re.findall(r'data-unit="(\d+)"', html) == ["01273", "01279"]  # ranked by satisfaction %
    officer_html = client.get("/dashboard/officers/CB-A?period=year").get_data(as_text=True)
    crumbs = officer_html[officer_html.index('class="crumbs"'):officer_html.index("</nav>", officer_html.index('class="crumbs"'))]
    assert 'href="/dashboard/units/04?period=year"' in crumbs and 'href="/dashboard/units/01273?period=year"' in crumbs
    assert f'href="/dashboard/counters/{demo["q1"]}?period=year"' in crumbs and 'aria-current="page"' in crumbs


def test_a_commune_manager_sees_only_their_commune(client, demo):
    html = page(client, "/dashboard/units/01273", user="chu-tich")
    assert 'href="/dashboard/units/04' not in html  # no breadcrumb to the province they cannot see
    assert client.get(f"/dashboard/counters/{demo['q1']}").status_code == 200
    assert client.get("/dashboard/officers/CB-A").status_code == 200
    for path in (f"/dashboard/counters/{demo['q3']}", "/dashboard/officers/CB-C", "/dashboard/units/01279",
                 "/dashboard/units/04", "/dashboard/counters/9999", "/dashboard/officers/NOBODY"):
        assert client.get(path).status_code == 404, path


def test_a_viewer_can_read_the_pages(client, demo):
    html = page(client, "/dashboard/units/04", user="xem")
    assert "Phường Thục Phán" in html and "<svg" in html
    assert client.get(f"/dashboard/counters/{demo['q3']}").status_code == 200


def test_login_required(client, demo):
    response = client.get("/dashboard/units/04")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("query, expected", [
    ("", ("recent", date(2026, 1, 17), date(2026, 2, 15))),
    ("recent", ("recent", date(2026, 1, 17), date(2026, 2, 15))),
    ("month", ("month", date(2026, 2, 1), date(2026, 2, 15))),
    ("last_month", ("last_month", date(2026, 1, 1), date(2026, 1, 31))),
    ("quarter", ("quarter", date(2026, 1, 1), date(2026, 2, 15))),
    ("year", ("year", date(2026, 1, 1), date(2026, 2, 15))),
])
def test_named_periods_in_local_days(query, expected):
    period, problem = resolve(query or None, None, None, date(2026, 2, 15))
    assert (period.key, period.date_from, period.date_to) == expected and problem is None


def test_the_default_period_is_the_last_30_days_whatever_the_date(calendar_day):
    today = calendar_day.date()
    period, problem = resolve(None, None, None, today)
    assert problem is None and period.key == "recent"
    assert (period.date_from, period.date_to) == (today - timedelta(days=29), today)
    assert period.trend_grain == "week"


def test_every_named_period_is_well_formed_whatever_the_date(calendar_day):
    today = calendar_day.date()
    for key in ("recent", "month", "last_month", "quarter", "year"):
        period, problem = resolve(key, None, None, today)
        assert problem is None and period.key == key
        assert period.date_from <= period.date_to <= today, key
        if key == "last_month":
            assert period.date_to == today.replace(day=1) - timedelta(days=1) and period.date_from.day == 1
        else:
            assert period.date_to == today, key


def test_the_default_page_shows_the_weeks_before_the_1st_and_names_its_days(calendar_day, app, client, runner):
    """On the 1st of a month a chair must not open on one empty day: ratings from ten
    days ago are in the default view, and the page says which days it shows."""
    _, commune, _ = tree()
    desk = counter(commune, "Q1")
    officer(desk, "CB-A", "Nguyễn Văn An")
    with clock.running_from(calendar_day - timedelta(days=10)):
        for _ in range(5):
            rate(client, desk, "CB-A", 5, ALL_YES)
    rate(client, desk, "CB-A", 4, ALL_YES)
    fold_all(100)
    make_user(runner, "chu-tich", "unit_manager", "01273")
    html = page(client, "/dashboard/units/01273", user="chu-tich")
    today = calendar_day.date()
    first = today - timedelta(days=29)
    assert shown_period(html) == (first.isoformat(), today.isoformat())
    assert f"30 ngày gần nhất: {first:%d/%m/%Y} – {today:%d/%m/%Y}" in html
    assert '<option value="recent" selected>' in html
    assert re.search(r'id="fig-responses" data-value="(\d+)"', html).group(1) == "6"
    assert number(value(html, "fig-satisfaction")) == 100.0


def test_last_month_in_january_and_quarters():
    assert resolve("last_month", None, None, date(2026, 1, 10))[0].date_from == date(2025, 12, 1)
    assert resolve("quarter", None, None, date(2026, 11, 22))[0].date_from == date(2026, 10, 1)
    assert resolve("year", None, None, date(2026, 11, 22))[0].trend_grain == "month"
    assert resolve("quarter", None, None, date(2026, 12, 31))[0].trend_grain == "week"


@pytest.mark.parametrize("period", ["recent", "month", "last_month", "quarter", "year"])
def test_every_period_option_renders(client, demo, period):
    html = page(client, f"/dashboard/units/04?period={period}")
    assert f'<option value="{period}" selected>' in html and 'class="flash error"' not in html


def test_custom_period(client, demo):
    html = page(client, "/dashboard/units/04?period=custom&from=2026-01-01&to=2026-03-31")
    assert shown_period(html) == ("2026-01-01", "2026-03-31")
    assert 'value="2026-01-01"' in html and '<option value="custom" selected>' in html
    assert 'href="/dashboard/units/01273?period=custom&amp;from=2026-01-01&amp;to=2026-03-31"' in html


@pytest.mark.parametrize("query", [
    "period=weekly", "period=custom", "period=custom&from=2026-13-01&to=2026-12-31",
    "period=custom&from=2026-1-1&to=2026-02-01", "period=custom&from=2026-03-02&to=2026-03-01",
    "period=custom&from=2010-01-01&to=2026-01-01",
])
def test_bad_period_args_flash_and_fall_back(client, demo, query):
    log_in(client, "admin")
    response = client.get(f"/dashboard/units/04?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html and '<option value="recent" selected>' in html
    assert "đang xem 30 ngày gần nhất" in html


def test_charts_are_accessible_svg():
    bar = charts.distribution_bar({"1": 1, "4": 2, "5": 3}, ["a", "b", "c", "d", "e"], "Phân bố", "n", "%")
    assert "<title" in bar and "<desc" in bar and 'role="img"' in bar
    assert '<table class="legend"><caption class="visually-hidden">Phân bố</caption>' in bar
    assert '<td class="num">50%</td>' in bar
    trend = charts.trend_bars([charts.TrendPoint("01/11", 80.0, 10), charts.TrendPoint("08/11", None, 2)],
                              "Xu hướng", "%", "n", "ít quá")
    assert "<td>80%</td>" in trend and "<td>– (ít quá)</td>" in trend and "<title" in trend
    grid = [[0] * 24 for _ in range(7)]
    grid[0][9] = 4
    heat = charts.heatmap(grid, ["T2", "T3", "T4", "T5", "T6", "T7", "CN"], "Giờ", "Ngày")
    assert "T2 9h: 4" in heat and heat.count("<tr>") == 8
    assert "<script" not in bar + trend + heat and "<b>" not in charts.trend_bars(
        [charts.TrendPoint("<b>", 1.0, 9)], "t", "%", "n", "x")


def svg_texts(markup: str) -> list[str]:
    svg = markup[:markup.index("</svg>")]
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_thin_period_is_a_hatched_placeholder_not_a_zero_bar():
    points = [charts.TrendPoint("01/11", 80.0, 10), charts.TrendPoint("08/11", None, 2),
              charts.TrendPoint("15/11", 0.0, 6)]
    trend = charts.trend_bars(points, "Xu hướng", "%", "n", "chưa đủ dữ liệu")
    placeholder = re.search(r'<g class="placeholder">(.*?)</g>', trend).group(1)
    assert "<title>08/11: chưa đủ dữ liệu (n = 2)</title>" in placeholder
    assert 'stroke-dasharray' in placeholder and re.search(r'fill="url\(#trend-\d+-hatch\)"', placeholder)
    assert ">–</text>" in placeholder
    assert trend.count('class="placeholder"') == 1  # a measured 0% is a bar, not a placeholder
    # The thin period is explained under the chart too, for readers who do not hover.
    assert '<p class="chart-note">' in trend and "– chưa đủ dữ liệu</p>" in trend
    # Every percentage drawn carries its sign: axis 0/50/100 and the bars' 80 and 0.
    numeric = [t for t in svg_texts(trend) if re.fullmatch(r"[\d.,]+%?", t)]
    assert numeric == ["0%", "50%", "100%", "80%", "0%"]
    assert "<title>01/11: 80% (n = 10)</title>" in trend
    full = charts.trend_bars([charts.TrendPoint("01/11", 90.0, 10)], "t", "%", "n", "x")
    assert "placeholder" not in full and "chart-note" not in full


def test_the_trend_on_a_page_marks_thin_periods(calendar_day, client, demo):
    html = page(client, "/dashboard/units/01279?period=year")  # 3 ratings: every month thin
    trend = html[html.index('class="chart trend"'):]
    trend = trend[:trend.index("</table>")]
    assert 'class="placeholder"' in trend and 'x="' in trend
    assert "chưa đủ dữ liệu (dưới 5 ý kiến)" in trend
    assert not re.search(r'class="chart trend".*<rect[^>]*fill="#0b5cad"', trend, re.S)


def test_heatmap_counts_every_unflagged_rating(client, demo):
    html = page(client, "/dashboard/units/04")
    heat = html[html.index('class="chart heatmap"'):]
    table = heat[heat.index("<tbody>"):heat.index("</tbody>")]
    assert sum(int(n) for n in re.findall(r"<td>(\d+)</td>", table)) == 15


def test_children_without_ratings_are_listed_apart_from_the_ranking(client, demo):
    from factories import unit

    from feedback_service.models import Unit

    unit("01281", "Phường Im Lặng", Unit.by_code("04"))
    html = page(client, "/dashboard/units/04")
    assert re.findall(r'data-unit="(\d+)"', html) == ["01273", "01279"]
    assert 'data-unit-silent="01281"' in html and "1 đơn vị chưa có ý kiến trong kỳ" in html

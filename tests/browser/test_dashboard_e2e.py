"""The dashboard in a real Chromium on a 1366×768 laptop: a commune chair logs in,
reads the overview, drills down, answers and closes a complaint, and cannot reach
the neighbouring commune by editing the URL. Then axe-core on the main pages."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import factories
import pytest
from axe import at_least, describe, violations
from calendar_days import browser_calendar_days
from dashboard_helpers import PASSWORD, make_user
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from feedback_service.summaries.fold import fold_all
from feedback_service.extensions import db
from feedback_service.ratings.instrument import current_instrument
from feedback_service.models import Case
from feedback_service.ratings.submission import Answers, store_rating

pytestmark = pytest.mark.timeout(90)

# As in conftest.py: a local page that takes 5 s to answer is itself a failure.
ACTION_TIMEOUT_MS = 5_000
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "is_mobile": True, "has_touch": True}
ALL_YES = {k: True for k in ("greet", "smile", "listen", "guide", "thank", "apologize")}
WAIT = "Phải chờ gần hai tiếng mới đến lượt."
RUDE = "Cán bộ không hướng dẫn, nói năng cộc lốc."
PAPERS = "Thủ tục yêu cầu bản sao công chứng không cần thiết."
REPLY = "Phường đã bổ sung một cán bộ vào giờ cao điểm. Xin cảm ơn ông/bà."
# (counter, officer, overall, conduct, elements, comment): a dozen at 01273, negatives with comments.
RATINGS_01273 = [
    ("Q1", "CB01", 5, ALL_YES, {"access": 5, "procedure": 5, "officer": 5}, None),
    ("Q1", "CB01", 5, ALL_YES, {"access": 4, "procedure": 5, "officer": 5}, None),
    ("Q1", "CB01", 4, ALL_YES, {"access": 4, "procedure": 4, "officer": 4}, None),
    ("Q1", "CB02", 4, {**ALL_YES, "apologize": False}, {"access": 4, "procedure": 3}, None),
    ("Q1", "CB02", 2, {**ALL_YES, "smile": False}, {"access": 3, "officer": 2}, WAIT),
    ("Q1", "CB02", 5, ALL_YES, {"access": 5, "officer": 5}, None),
    ("Q2", "CB03", 5, ALL_YES, {"access": 5, "procedure": 4, "officer": 5}, None),
    ("Q2", "CB03", 1, {"greet": False, "listen": False}, {"officer": 1}, RUDE),
    ("Q2", "CB03", 4, ALL_YES, {"access": 4}, None),
    ("Q2", "CB03", 3, ALL_YES, {"procedure": 2}, PAPERS),
    ("Q2", "CB03", 5, ALL_YES, {"access": 5, "procedure": 5}, None),
    ("Q1", "CB01", 5, ALL_YES, {"officer": 5}, None),
]


@dataclass(frozen=True)
class DashboardSite:
    """The app over real HTTP with two communes of demo-like data and a chair of 01273."""

    app: Flask
    base_url: str
    counter_id: int
    other_case_id: int

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


def _rate(desk, clerk, overall, conduct, elements, comment) -> None:
    store_rating(Answers(overall=overall, conduct=conduct, elements=elements, comment=comment), desk, clerk,
                 channel="counter_qr", instrument=current_instrument())


@pytest.fixture
def dashboard_site(make_app) -> Iterator[DashboardSite]:
    app = make_app()
    with app.app_context():
        _, commune, other = factories.tree()
        desks = {"Q1": factories.counter(commune, "Q1", "Quầy 1 — Tư pháp, hộ tịch"),
                 "Q2": factories.counter(commune, "Q2", "Quầy 2 — Đất đai, xây dựng")}
        clerks = {"CB01": factories.officer(desks["Q1"], "CB01", "Nguyễn Thị Lan"),
                  "CB02": factories.officer(desks["Q1"], "CB02", "Trần Văn Minh"),
                  "CB03": factories.officer(desks["Q2"], "CB03", "Lê Thị Hồng")}
        for desk, clerk, *answers in RATINGS_01273:
            _rate(desks[desk], clerks[clerk], *answers)
        far_desk = factories.counter(other, "Q1", "Quầy 1 — Nùng Trí Cao")
        far_clerk = factories.officer(far_desk, "CB91", "Hoàng Văn Xa")
        for overall in (5, 4, 5, 1):
            _rate(far_desk, far_clerk, overall, ALL_YES, {"access": overall},
                  "Bí mật của phường bên cạnh." if overall == 1 else None)
        fold_all(100)
        make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
        other_case_id = db.session.scalar(select(Case.id).where(Case.unit_id == other.id))
        counter_id = desks["Q1"].id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard-site", daemon=True)
    thread.start()
    try:
        yield DashboardSite(app, f"http://127.0.0.1:{server.server_port}", counter_id, other_case_id)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def _page(browser: Browser, site: DashboardSite, options: dict) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(lambda url: not site.is_local(url), lambda route: route.abort("blockedbyclient"))
    yield context.new_page()
    context.close()


@pytest.fixture
def laptop(browser: Browser, dashboard_site: DashboardSite) -> Iterator[Page]:
    yield from _page(browser, dashboard_site, LAPTOP)


@pytest.fixture
def phone(browser: Browser, dashboard_site: DashboardSite) -> Iterator[Page]:
    yield from _page(browser, dashboard_site, PHONE)


def log_in(page: Page, site: DashboardSite) -> None:
    page.goto(site.url("/dashboard/"))
    page.wait_for_url("**/login?**")
    page.get_by_label("Tên đăng nhập").fill("chu-tich")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(site.url("/dashboard/units/01273"))


def figure(page: Page, element_id: str) -> str:
    return page.locator(f"#{element_id}").get_attribute("data-value")


@browser_calendar_days()
def test_a_commune_chair_works_through_the_dashboard(calendar_day, laptop: Page, dashboard_site: DashboardSite,
                                                     artifacts):
    site, page = dashboard_site, laptop
    page.goto(site.url("/login"))
    page.screenshot(path=str(artifacts / "dashboard-login.png"), full_page=True)
    log_in(page, site)

    # The overview: its cards are the summary API's figures for the period shown.
    expect(page.locator("h1")).to_contain_text("Phường Thục Phán")
    shown = page.locator("#period-shown")
    api = page.request.get(site.url(f"/api/v1/units/01273/summary?from={shown.get_attribute('data-from')}"
                                    f"&to={shown.get_attribute('data-to')}")).json()
    assert int(figure(page, "fig-responses")) == api["responses"] == len(RATINGS_01273)
    assert float(figure(page, "fig-satisfaction")) == api["satisfaction_pct"]
    assert float(figure(page, "fig-sipas")) == api["sipas_index"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    page.screenshot(path=str(artifacts / "dashboard-overview.png"), full_page=True)

    # Drill down: a counter, then one of its officers.
    page.locator("#counters").get_by_role("link", name="Quầy 1 — Tư pháp, hộ tịch").click()
    page.wait_for_url(f"**/dashboard/counters/{site.counter_id}**")
    expect(page.locator("h1")).to_contain_text("Quầy 1 — Tư pháp, hộ tịch")
    assert int(figure(page, "fig-responses")) == 7
    page.screenshot(path=str(artifacts / "dashboard-counter.png"), full_page=True)
    page.get_by_role("link", name="Trần Văn Minh").click()
    page.wait_for_url("**/dashboard/officers/CB02**")
    expect(page.locator("h1")).to_contain_text("Trần Văn Minh")
    assert int(figure(page, "fig-responses")) == 3
    page.screenshot(path=str(artifacts / "dashboard-officer.png"), full_page=True)

    # The complaint inbox: three commented negatives and one "did not apologise", none of the neighbour's.
    page.goto(site.url("/dashboard/units/01273/cases"))
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("table.cases")).not_to_contain_text("Nùng Trí Cao")
    # Each row says whom the rating was about and how the comment begins.
    wait_row = rows.filter(has_text=WAIT)
    expect(wait_row).to_have_count(1)
    expect(wait_row.locator("td.officer")).to_have_text("Trần Văn Minh")
    page.screenshot(path=str(artifacts / "dashboard-inbox.png"), full_page=True)

    # One case: read it, answer it, close it.
    # Newest first: the first Quầy 1 row is the two-hour wait.
    rows.filter(has_text="Quầy 1").first.get_by_role("link").click()
    page.wait_for_url("**/dashboard/cases/*")
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("blockquote.comment")).to_have_text(WAIT)
    page.screenshot(path=str(artifacts / "dashboard-case.png"), full_page=True)
    page.get_by_label("Nội dung trả lời").fill(REPLY)
    page.get_by_role("button", name="Trả lời").click()
    expect(page.locator(".answer")).to_contain_text("bổ sung một cán bộ")
    page.get_by_role("button", name="Đóng phản ánh").click()
    expect(page.get_by_role("button", name="Mở lại")).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard-case-closed.png"), full_page=True)
    with site.app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.status, case.answer) == ("closed", REPLY)
        assert [e.action for e in case.events][-2:] == ["answer", "close"]

    # Editing the URL to the neighbouring commune shows the 404 page, never its data.
    for path in ("/dashboard/units/01279", f"/dashboard/cases/{site.other_case_id}",
                 "/dashboard/units/01279/cases", "/dashboard/officers/CB91"):
        response = page.goto(site.url(path))
        assert response.status == 404, path
        expect(page.locator("h1")).to_contain_text("Không tìm thấy trang")
        body = page.locator("body").inner_text()
        assert "Nùng Trí Cao" not in body and "Bí mật" not in body and "Hoàng Văn Xa" not in body, path
    page.goto(site.url(f"/dashboard/cases/{site.other_case_id}"))
    page.screenshot(path=str(artifacts / "dashboard-404.png"), full_page=True)


def panel(page: Page, heading_id: str) -> dict:
    return page.locator(f'section[aria-labelledby="{heading_id}"]').bounding_box()


@browser_calendar_days()
def test_overview_panels_pair_up_on_a_laptop_and_stack_on_a_phone(calendar_day, laptop: Page, phone: Page,
                                                                  dashboard_site: DashboardSite, artifacts):
    site = dashboard_site
    log_in(laptop, site)
    distribution, trend = panel(laptop, "h-distribution"), panel(laptop, "h-trend")
    elements, conduct, heat = panel(laptop, "h-elements"), panel(laptop, "h-conduct"), panel(laptop, "h-heatmap")
    # Two by two, each pair side by side and equally tall: no column ends in a hole.
    for left, right in ((distribution, trend), (elements, conduct)):
        assert left["x"] < right["x"] and abs(left["y"] - right["y"]) < 1
        assert abs(left["height"] - right["height"]) < 1
    assert elements["y"] >= distribution["y"] + distribution["height"]
    # The heatmap has a row of its own under them.
    assert heat["y"] >= elements["y"] + elements["height"] and heat["width"] > 1.9 * elements["width"]

    # The officers table: a dash for every hidden figure, explained once, and no sideways scrolling.
    officers = laptop.locator("#officers")
    assert officers.locator("abbr[title^='Chưa đủ dữ liệu']").count() >= 14
    expect(laptop.locator("section:has(#officers) .table-note")).to_contain_text("dưới 5 ý kiến")
    assert officers.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    heights = officers.locator("tbody tr").evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert len(heights) == 3 and max(heights) < 45, heights  # one line per officer

    # The trend: thin weeks are placeholders, and every number drawn is a percentage.
    texts = laptop.locator("svg.trend text").all_text_contents()
    assert [t for t in texts if t.strip() and t.strip()[0].isdigit() and "/" not in t] == [
        t for t in texts if t.endswith("%")]
    expect(laptop.locator("svg.trend g.placeholder").first).to_be_attached()
    laptop.screenshot(path=str(artifacts / "dashboard-overview-1366.png"), full_page=True)

    log_in(phone, site)
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    elements, conduct = panel(phone, "h-elements"), panel(phone, "h-conduct")
    assert abs(elements["x"] - conduct["x"]) < 1 and conduct["y"] >= elements["y"] + elements["height"]
    phone.screenshot(path=str(artifacts / "dashboard-overview-390.png"), full_page=True)
    phone.goto(site.url("/dashboard/units/01273/cases"))
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "dashboard-inbox-390.png"), full_page=True)


def test_a_refused_form_comes_back_filled_with_the_reason_and_focus(laptop: Page, dashboard_site: DashboardSite,
                                                                     artifacts):
    log_in(laptop, dashboard_site)
    laptop.goto(dashboard_site.url("/dashboard/units/01273/manage"))
    laptop.locator("#new-counter-code").fill("Q1")  # taken
    laptop.locator("#new-counter-name").fill("Quầy một cửa liên thông")
    laptop.get_by_role("button", name="Thêm quầy").click()
    expect(laptop.locator(".flash.error")).to_be_visible()
    code = laptop.locator("#new-counter-code")
    expect(code).to_have_value("Q1")
    expect(code).to_be_focused()
    expect(code).to_have_accessible_description("Đơn vị đã có quầy mã Q1.")
    expect(laptop.locator("#new-counter-name")).to_have_value("Quầy một cửa liên thông")
    laptop.screenshot(path=str(artifacts / "dashboard-manage-refused.png"), full_page=True)
    found = at_least("moderate", violations(laptop))
    assert not found, describe(found)


def _open_case_page(page: Page, site: DashboardSite) -> None:
    page.goto(site.url("/dashboard/units/01273/cases"))
    page.locator("table.cases tbody tr").first.get_by_role("link").click()
    page.wait_for_url("**/dashboard/cases/*")


A11Y_PAGES: dict[str, Callable[[Page, DashboardSite], None]] = {
    "login": lambda page, site: page.goto(site.url("/login")),
    "overview": lambda page, site: page.goto(site.url("/dashboard/units/01273")),
    "counter": lambda page, site: page.goto(site.url(f"/dashboard/counters/{site.counter_id}")),
    "officer": lambda page, site: page.goto(site.url("/dashboard/officers/CB02")),
    "inbox": lambda page, site: page.goto(site.url("/dashboard/units/01273/cases")),
    "case": _open_case_page,
    "manage": lambda page, site: page.goto(site.url("/dashboard/units/01273/manage")),
}


@pytest.mark.parametrize("name", list(A11Y_PAGES))
def test_no_accessibility_violations_of_moderate_impact_or_worse(laptop: Page, dashboard_site: DashboardSite,
                                                                 name: str):
    if name != "login":
        log_in(laptop, dashboard_site)
    A11Y_PAGES[name](laptop, dashboard_site)
    found = at_least("moderate", violations(laptop))
    assert not found, describe(found)

"""The report page in a real Chromium: a commune chair opens October's report, clicks
"Nộp báo cáo" and sees the frozen version with its SHA-256; the province reads its
board; the public verify page says the downloaded JSON is intact. axe-core on each page."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import factories
import pytest
from axe import at_least, describe, violations
from dashboard_helpers import PASSWORD, make_user
from live_server import served
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import ReportVersion
from feedback_service.ratings.instrument import current_instrument
from feedback_service.ratings.submission import Answers, store_rating
from feedback_service.reports import filing
from feedback_service.summaries.fold import fold_all

pytestmark = pytest.mark.timeout(120)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
ACTION_TIMEOUT_MS = 5_000
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "vi-VN"}
ALL_YES = {k: True for k in ("greet", "smile", "listen", "guide", "thank", "apologize")}


@pytest.fixture
def report_site(make_app) -> Iterator[tuple]:
    app = make_app()
    with clock.running_from(datetime(2026, 10, 12, 9, tzinfo=HANOI)), app.app_context():
        _, commune, _ = factories.tree()
        desk = factories.counter(commune, "Q1", "Quầy 1 — Tư pháp, hộ tịch")
        clerk = factories.officer(desk, "CB01", "Nguyễn Thị Lan")
        for overall in (5, 5, 4, 3, 5, 2, 4):
            store_rating(Answers(overall=overall, conduct=ALL_YES, elements={"access": overall}), desk, clerk,
                         channel="counter_qr", instrument=current_instrument())
        fold_all(100)
        make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
        make_user(app.test_cli_runner(), "so-noi-vu", "province_officer", "04")
    # The clock is process-wide: the server thread reads 2 November too (October closed, in time).
    with served(app, "report-site") as base, clock.running_from(datetime(2026, 11, 2, 9, tzinfo=HANOI)):
        yield app, base


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dashboard/units/**")


def _axe_clean(page: Page) -> None:
    found = at_least("moderate", violations(page))
    assert not found, describe(found)


def test_a_chair_submits_the_report_and_the_province_reads_it(browser: Browser, report_site, artifacts):
    app, base = report_site
    context = browser.new_context(**LAPTOP)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(lambda url: not url.startswith(base) and not url.startswith(("data:", "about:")),
                  lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    _log_in(page, base, "chu-tich")
    page.get_by_role("link", name="Báo cáo Quý III/2026", exact=False).first.wait_for()
    page.goto(f"{base}/dashboard/units/01273/reports/2026-10")
    expect(page.locator("#report-status")).to_have_text("Bản nháp")
    _axe_clean(page)
    page.screenshot(path=str(artifacts / "report-draft.png"), full_page=True)

    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.locator("#report-status")).to_have_text("Đã nộp")
    with app.app_context():
        row = db.session.scalar(select(ReportVersion))
        snapshot = filing.snapshot_of(row)
    expect(page.locator("#report-sha256")).to_have_text(row.sha256)
    expect(page.get_by_role("button", name="Nộp báo cáo")).to_have_count(0)
    _axe_clean(page)
    page.screenshot(path=str(artifacts / "report-submitted.png"), full_page=True)

    reviewer = context.new_page()
    context.clear_cookies()
    _log_in(reviewer, base, "so-noi-vu")
    reviewer.goto(f"{base}/dashboard/units/04/reports?period=2026-10")
    expect(reviewer.locator('tr[data-unit="01273"] td[data-status]')).to_have_text("Đã nộp")
    _axe_clean(reviewer)
    reviewer.goto(f"{base}/dashboard/units/01273/reports/2026-10")
    reviewer.get_by_role("button", name="Tiếp nhận").click()
    expect(reviewer.locator("#report-status")).to_have_text("Đã tiếp nhận")

    context.clear_cookies()  # the verify page needs no login
    reviewer.goto(f"{base}/reports/verify")
    reviewer.get_by_label("Hoặc dán nội dung JSON").fill(json.dumps(snapshot, ensure_ascii=False))
    reviewer.get_by_role("button", name="Kiểm tra").click()
    expect(reviewer.locator("#verify-outcome")).to_have_attribute("data-verdict", "intact")
    expect(reviewer.locator("#verify-stored")).to_have_attribute("data-matches", "yes")
    _axe_clean(reviewer)
    reviewer.screenshot(path=str(artifacts / "report-verify.png"), full_page=True)
    context.close()

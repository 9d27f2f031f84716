"""The report page fits the screen it is read on and prints on A4 landscape.

A province officer reads the province's quarter (children, procedures and fields in
Biểu II.06a) on a 1280 px laptop and on a 360 px phone: the page is never wider than
the window (a wide table scrolls inside its own box). Printed, the page is A4 landscape
without the navigation and the buttons. Screenshots land in test-artifacts/.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factories
import pytest
from browser_pages import logged_in_page
from dashboard_helpers import make_user
from live_server import served
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Dossier, Unit, User
from feedback_service.reports import filing
from feedback_service.reports.periods import parse_period

pytestmark = pytest.mark.timeout(120)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
WIDTHS = (1280, 360)
# (field code, field name, procedure code, procedure name): long names, as the catalogue has them.
PROCEDURES = (
    ("HT", "Hộ tịch", "1.001193", "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"),
    ("CT", "Chứng thực", "2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan cấp"),
    ("DD", "Đất đai", "1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"),
    (None, None, "1.009999", "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình"),
)
# A4 landscape in PostScript points (297 × 210 mm), and its width inside 12 mm margins in CSS pixels.
A4_LANDSCAPE = (842, 595)
A4_PRINTED_WIDTH_PX = round((297 - 2 * 12) / 25.4 * 96)


@pytest.fixture
def report_site(make_app) -> Iterator[tuple]:
    app = make_app()
    with clock.running_from(datetime(2026, 9, 20, 9, tzinfo=HANOI)), app.app_context():
        _, commune, other = factories.tree()
        for number in range(24):
            field_code, field_name, code, name = PROCEDURES[number % len(PROCEDURES)]
            received = datetime(2026, 7, 1 + number, 9, tzinfo=HANOI)
            returned = received + timedelta(days=number % 5) if number % 3 else None
            db.session.add(Dossier(
                code=f"H15.50.05.13-2607{number:02d}-0001", unit_id=(commune, other)[number % 2].id,
                procedure_code=code, procedure_name=name, field_code=field_code, field_name=field_name,
                channel=("online", "in_person", "post")[number % 3], received_at=received,
                received_day=received.date(), due_at=received + timedelta(days=3), returned_at=returned,
                returned_day=returned.date() if returned else None))
        # Counted beside the form's columns, so its notes show: no due date, and cancelled.
        for number, cancelled in ((30, False), (31, True)):
            received = datetime(2026, 8, number - 20, 9, tzinfo=HANOI)
            db.session.add(Dossier(
                code=f"H15.50.05.13-2608{number:02d}-0001", unit_id=commune.id, procedure_code="1.001193",
                procedure_name=PROCEDURES[0][3], field_code="HT", field_name="Hộ tịch", channel="in_person",
                received_at=received, received_day=received.date(), cancelled=cancelled,
                cancelled_at=received + timedelta(days=2) if cancelled else None))
        db.session.commit()
        make_user(app.test_cli_runner(), "so-noi-vu", "province_officer", "04")
        make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    with clock.running_from(datetime(2026, 10, 1, 9, tzinfo=HANOI)), app.app_context():
        # The commune's report submitted: its page carries the SHA-256 and the versions table too.
        # Accepted, it fills the province's report, compiled from it (the other commune's is missing).
        chair = db.session.scalar(select(User).where(User.username == "chu-tich"))
        version = filing.submit(db.session.get(Unit, commune.id), parse_period("2026-Q3"), chair)
        filing.review(version, db.session.scalar(select(User).where(User.username == "so-noi-vu")), accept=True)
    with served(app, "report-layout") as base, clock.running_from(datetime(2026, 10, 2, 9, tzinfo=HANOI)):
        yield app, base


def _page(browser: Browser, base: str, width: int) -> Page:
    return logged_in_page(browser, base, "so-noi-vu", width)


def _overflow(page: Page) -> dict:
    """The document's width against the window's, and what sticks out past its right edge."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 0.5 && !el.closest('.scroll'))
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : ''));
        return {document: document.documentElement.scrollWidth, viewport: window.innerWidth, wide: wide.slice(0, 8)};
    }""")


@pytest.mark.parametrize("code", ["04", "01273"])
def test_the_report_page_is_never_wider_than_the_window(browser: Browser, report_site, artifacts, code):
    _, base = report_site
    for width in WIDTHS:
        page = _page(browser, base, width)
        page.goto(f"{base}/dashboard/units/{code}/reports/2026-Q3")
        page.locator("#report-tthc-form").wait_for()
        page.screenshot(path=str(artifacts / f"report-{code}-{width}px.png"), full_page=True)
        page.locator("#report-method").screenshot(path=str(artifacts / f"report-{code}-{width}px-method.png"))
        assert page.locator("#form-notes").is_visible()
        found = _overflow(page)
        assert found["document"] <= found["viewport"], (width, found)
        if width >= 1280:
            # On a laptop Biểu II.06a is read whole: no column hidden past its box's edge.
            cut = page.locator(".tthc .scroll").evaluate_all(
                "boxes => boxes.filter(box => box.scrollWidth > box.clientWidth).map(box => box.scrollWidth)")
            assert cut == [], cut
        # The wide tables are there, scrolling inside their own box rather than the page.
        box = page.locator("#report-tthc-form").locator("xpath=ancestor::div[contains(@class, 'scroll')]")
        assert box.count() == 1
        page.context.close()


def test_the_report_page_prints_on_a4_landscape_without_navigation_or_buttons(browser: Browser, report_site,
                                                                                artifacts):
    _, base = report_site
    page = _page(browser, base, 1280)
    page.goto(f"{base}/dashboard/units/04/reports/2026-Q3")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINTED_WIDTH_PX, "height": 800})
    page.locator("section.tthc").screenshot(path=str(artifacts / "report-04-print-tthc.png"))
    # The form is printed whole across the page: no column cut off at its edge.
    fits = page.locator("#report-tthc-form").evaluate("table => table.getBoundingClientRect().right")
    assert fits <= A4_PRINTED_WIDTH_PX, fits
    for hidden in (".bar", "nav.crumbs", "nav.report-periods", "form.report-export", "button"):
        shown = page.locator(hidden).evaluate_all("els => els.filter(el => el.offsetParent !== null).length")
        assert shown == 0, hidden
    assert page.locator("#report-tthc-form").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    (artifacts / "report-04-print.pdf").write_bytes(pdf)
    boxes = {tuple(round(float(n)) for n in box.split()[2:])
             for box in re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", pdf) for box in [box.decode()]}
    assert boxes == {A4_LANDSCAPE}, boxes
    page.context.close()

"""The dashboard without a mouse: a chair logs in, skips to the content, sorts the
officers by "biết xin lỗi" and opens the weakest one — Tab and Enter only, with a
visible focus ring on every stop."""
from __future__ import annotations

import re

import pytest
from dashboard_helpers import PASSWORD, make_user
from playwright.sync_api import expect

from feedback_service.summaries.fold import fold_all
from feedback_service.ratings.instrument import current_instrument
from feedback_service.models import Counter, Officer
from feedback_service.ratings.submission import Answers, store_rating

pytestmark = pytest.mark.timeout(90)
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
MAX_TABS = 200


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus, checking that
    each stop on the way shows a focus ring."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            // Chromium's own calendar button inside a date field takes one Tab stop of its own;
            // the field itself is then not :focus, and the button draws the browser's ring.
            const pickerButton = el.type === 'date' && !el.matches(':focus');
            return {ring: pickerButton || (parseFloat(style.outlineWidth) > 0 && style.outlineStyle !== 'none'),
                    tag: el.tagName, id: el.id, text: (el.innerText || '').slice(0, 40)};
        }""")
        assert focused["ring"], f"no visible focus on {focused}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} was not reached in {MAX_TABS} presses of Tab")


def test_a_chair_works_the_dashboard_with_the_keyboard_alone(live_site, open_page):
    app = live_site.app
    with app.app_context():
        make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
        desk = app.extensions["sqlalchemy"].session.get(Counter, live_site.counter_id)
        lan, minh = (app.extensions["sqlalchemy"].session.get(Officer, i) for i in live_site.officer_ids.values())
        for clerk, apologised in [(lan, True)] * 6 + [(minh, False)] * 3 + [(minh, True)] * 3:
            store_rating(Answers(overall=4, conduct={"apologize": apologised}, elements={}), desk, clerk,
                         channel="counter_qr", instrument=current_instrument())
        fold_all(1000)

    page = open_page(**LAPTOP)
    page.goto(f"{live_site.base_url}/login")
    tab_to(page, "#username")
    page.keyboard.type("chu-tich")
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/units/01273$"))

    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.get_by_role("link", name="Chuyển đến nội dung chính")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, 'a[data-sort="apologize"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=apologize&dir=asc"))
    first = page.locator("#officers tbody tr").first
    expect(first).to_have_attribute("data-officer", "CB02")  # Trần Văn Minh: 3 of 6
    tab_to(page, '#officers tbody tr:first-child th a')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trần Văn Minh")

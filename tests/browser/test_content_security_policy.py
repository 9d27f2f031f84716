"""The Content-Security-Policy in a real Chromium: every kind of page still renders with
its stylesheet, and the browser reports no violation (an inline style or script the
policy would block, the docs page's hashed <style> included)."""
from __future__ import annotations

import pytest
from dashboard_helpers import PASSWORD, make_user
from playwright.sync_api import Page

pytestmark = pytest.mark.timeout(60)


def watch_violations(page: Page) -> list[str]:
    """Chromium logs each blocked resource as a console error naming the policy."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_pages_render_under_the_policy_without_violations(open_page, live_site):
    with live_site.app.app_context():
        make_user(live_site.app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    page = open_page()
    violations = watch_violations(page)

    # Each page's stylesheet is applied: the computed style is the sheet's, not the default.
    for path, selector, css_property, expected in [
        (f"/q/{live_site.token}", "button.send", "cursor", "pointer"),
        (f"/counters/{live_site.counter_id}/poster", "body", "margin-top", "0px"),
        ("/docs", "body", "display", "flex"),  # the page's own inline <style>, allowed by its hash
        ("/no-such-page", "body", "margin-top", "0px"),
    ]:
        response = page.goto(live_site.base_url + path)
        assert response.headers.get("content-security-policy"), path
        value = page.locator(selector).first.evaluate(f"e => getComputedStyle(e)['{css_property}']")
        assert value == expected, (path, css_property, value)

    page.goto(live_site.base_url + "/login")
    page.get_by_label("Tên đăng nhập").fill("chu-tich")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(live_site.base_url + "/dashboard/units/01273")
    for path in ("/dashboard/units/01273", "/dashboard/units/01273/cases", "/dashboard/units/01273/manage",
                 f"/dashboard/counters/{live_site.counter_id}"):
        assert page.goto(live_site.base_url + path).status == 200, path
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    assert violations == []

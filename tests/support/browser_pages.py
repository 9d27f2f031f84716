"""A dashboard page in a real browser, logged in as someone, at a given width, that reaches
nothing but the local server."""
from __future__ import annotations

from dashboard_helpers import PASSWORD
from playwright.sync_api import Browser, Page

ACTION_TIMEOUT_MS = 5_000


def logged_in_page(browser: Browser, base: str, username: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(lambda url: not url.startswith(base) and not url.startswith(("data:", "about:")),
                  lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dashboard/units/**")
    return page

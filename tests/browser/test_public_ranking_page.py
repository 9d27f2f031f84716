"""The public ranking page on a 360 px phone: never wider than the window, no moderate or
worse axe violation, and not one figure of the commune under 5 answers; printed, without
the form and the language link. Screenshots land in test-artifacts/."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import ranking_scene
from axe import at_least, describe, violations
from live_server import served
from playwright.sync_api import Browser, Page

from feedback_service import clock

pytestmark = pytest.mark.timeout(120)

PHONE = 360


@pytest.fixture
def ranking_site(make_app) -> Iterator[str]:
    app = make_app()
    with clock.running_from(ranking_scene.READ_AT), app.app_context():
        ranking_scene.build()
    with served(app, "ranking-page") as base, clock.running_from(ranking_scene.READ_AT):
        yield base


def _phone(browser: Browser, base: str) -> Page:
    context = browser.new_context(viewport={"width": PHONE, "height": 800}, locale="vi-VN", java_script_enabled=False)
    context.route(lambda url: not url.startswith(base) and not url.startswith(("data:", "about:")),
                  lambda route: route.abort("blockedbyclient"))
    return context.new_page()


def test_the_ranking_page_fits_a_phone_passes_axe_and_shows_no_small_cell(browser: Browser, ranking_site, artifacts):
    page = _phone(browser, ranking_site)
    page.goto(f"{ranking_site}/public/units/04?period={ranking_scene.PERIOD}")
    page.screenshot(path=str(artifacts / f"public-ranking-{PHONE}px.png"), full_page=True)
    width = page.evaluate("() => ({document: document.documentElement.scrollWidth, viewport: window.innerWidth})")
    assert width["document"] <= width["viewport"], width
    assert page.locator('[data-unit="01273"] .band').inner_text() == "Hạng 1–2"
    small = page.locator('[data-unit="01282"]')
    assert small.locator(".figure, .band, dl").count() == 0
    assert "Xã Bế Văn Đàn" in small.inner_text()
    page.context.close()

    # axe runs as a script: a context of its own, the page's unchanged.
    checked = browser.new_page(viewport={"width": PHONE, "height": 800})
    checked.goto(f"{ranking_site}/public/units/04?period={ranking_scene.PERIOD}")
    found = at_least("moderate", violations(checked))
    assert not found, describe(found)
    checked.emulate_media(media="print")
    for hidden in ("form.period-form", "a.lang"):
        assert not checked.locator(hidden).is_visible(), hidden
    assert checked.locator("#public-ranking").is_visible()
    checked.close()

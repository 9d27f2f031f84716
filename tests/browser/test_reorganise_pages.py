"""The pages that show a split and a merger (tests/support/reorganise_scene.py), looked at as
their readers do: a successor's overview with its predecessors' history, the split unit's own
page, and the province's manage page listing the reorganisations, at 1280 and 360 px, never
wider than the window. Screenshots land in test-artifacts/."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import reorganise_scene
from browser_pages import logged_in_page
from dashboard_helpers import make_user
from live_server import served
from playwright.sync_api import Browser

from feedback_service import clock

pytestmark = pytest.mark.timeout(180)

WIDTHS = (1280, 360)


@pytest.fixture
def reorganised_site(make_app, tmp_path) -> Iterator[str]:
    app = make_app()
    with app.app_context():
        scene = reorganise_scene.build(app.test_client(), tmp_path)
        reorganise_scene.record(app.test_cli_runner(), scene)
        reorganise_scene.after(app.test_client(), scene)
        make_user(app.test_cli_runner(), "so-noi-vu", "province_officer", "04")
    with served(app, "reorganise-pages") as base, clock.running_from(reorganise_scene.RECORDED + timedelta(days=2)):
        yield base


@pytest.mark.parametrize("path, shown", [
    ("/dashboard/units/01279", "#history [data-relation=shared]"),
    ("/dashboard/units/01273", "#history [data-relation=merged]"),
    ("/dashboard/units/01300", "#reorganised"),
    ("/dashboard/units/04/manage", "#reorganisations [data-reorganised='01300']"),
])
def test_history_pages_fit_the_window(browser: Browser, reorganised_site, artifacts, path, shown):
    for width in WIDTHS:
        page = logged_in_page(browser, reorganised_site, "so-noi-vu", width)
        page.goto(reorganised_site + path)
        assert page.locator(shown).first.is_visible()
        name = path.strip("/").split("?")[0].replace("/", "-")
        page.screenshot(path=str(artifacts / f"{name}-{width}px.png"), full_page=True)
        width_seen = page.evaluate("() => ({document: document.documentElement.scrollWidth, viewport: window.innerWidth})")
        assert width_seen["document"] <= width_seen["viewport"], (path, width, width_seen)
        page.context.close()

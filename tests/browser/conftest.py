"""Real-browser fixtures: one headless Chromium per session, the app on a live local server.

Playwright's own browser download cannot work offline, so the suite drives
Debian's chromium (installed with apt-get if missing, like redis-server).
Every context refuses any host but 127.0.0.1: the page must stand alone, and
the tests must never send traffic anywhere else.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import factories
from debian import ensure
from live_server import served
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from feedback_service.ratings.tokens import counter_token

CHROMIUM = "/usr/bin/chromium"
# Without a colour emoji font the five faces render as monochrome glyphs or
# boxes, and the screenshots would judge a page no phone shows.
APT_PACKAGES = ("chromium", "fonts-noto-color-emoji")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
    # Belt and braces with the per-context route guard: no name resolves but the loopback.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Fail fast: a local page that takes 5 s to answer is itself a failure.
ACTION_TIMEOUT_MS = 5_000


def _has_colour_emoji_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", ":color=true", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def find_or_install_chromium() -> str:
    def ready() -> str | None:
        return CHROMIUM if os.path.exists(CHROMIUM) and _has_colour_emoji_font() else None

    return ensure(ready, list(APT_PACKAGES), f"{CHROMIUM} or a colour emoji font")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = find_or_install_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class LiveSite:
    """The app served over real HTTP, with one counter (two officers) ready to rate."""

    app: Flask
    base_url: str
    token: str
    counter_id: int
    officer_ids: dict[str, int]

    @property
    def form_url(self) -> str:
        return f"{self.base_url}/q/{self.token}"

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@pytest.fixture
def live_site(make_app) -> Iterator[LiveSite]:
    app = make_app()
    with app.app_context():
        _, commune, _ = factories.tree()
        desk = factories.counter(commune, "Q1", "Quầy 1 — Tư pháp, hộ tịch")
        officers = [factories.officer(desk, "CB01", "Nguyễn Thị Lan"),
                    factories.officer(desk, "CB02", "Trần Văn Minh")]
        token = counter_token(desk)
        counter_id = desk.id
        officer_ids = {o.name: o.id for o in officers}
    with served(app) as base_url:
        yield LiveSite(app, base_url, token, counter_id, officer_ids)


@pytest.fixture
def open_page(browser: Browser, live_site: LiveSite) -> Iterator[Callable[..., Page]]:
    """`open_page(**context_options)` → a page in a fresh context, closed at teardown."""
    contexts: list[BrowserContext] = []

    def factory(**options) -> Page:
        options.setdefault("locale", "vi-VN")
        context = browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.route(lambda url: not live_site.is_local(url), lambda route: route.abort("blockedbyclient"))
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

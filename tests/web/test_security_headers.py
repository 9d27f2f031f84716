"""Security headers on every response: a CSP without inline script, no framing, a
Referrer-Policy that keeps citizens' tokens on this site, nosniff, HSTS only over HTTPS."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, tree

from feedback_service.ratings.tokens import counter_token


def directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def script_sources(response) -> list[str]:
    found = directives(response)
    return found.get("script-src", found.get("default-src", []))


@pytest.fixture
def pages(app, client):
    """One path per audience, and the page a logged-in chair sees."""
    _, commune, _ = tree()
    desk = counter(commune)
    make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    return [f"/q/{counter_token(desk)}", f"/counters/{desk.id}/poster", "/login", "/api/v1/units/04/summary",
            f"/api/v1/counters/{desk.id}/qr.svg", "/openapi.json", "/docs", "/healthz", "/no-such-page",
            "/static/css/dashboard.css", "/dashboard/units/01273", "/dashboard/units/01273/cases",
            "/dashboard/units/01273/manage"]


def test_every_response_carries_the_security_headers(client, pages):
    assert log_in(client, "chu-tich").status_code == 302
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 302, 404), path
        found = directives(response)
        assert found.get("default-src") == ["'self'"], (path, response.headers.get("Content-Security-Policy"))
        assert found.get("frame-ancestors") == ["'none'"], path
        assert found.get("object-src") == ["'none'"], path
        assert found.get("base-uri") == ["'none'"], path
        assert found.get("form-action") == ["'self'"], path
        sources = script_sources(response)
        assert sources and "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, path
        assert "'unsafe-inline'" not in found.get("style-src", []), path
        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "same-origin", path
        assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP here


def test_an_error_page_carries_them_too(client, app, monkeypatch):
    from feedback_service.citizen import pages as citizen_pages

    _, commune, _ = tree()
    token = counter_token(counter(commune))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(citizen_pages, "store_rating", broken)
    response = client.post(f"/q/{token}", data={"overall": "5"})
    assert response.status_code == 500
    assert directives(response).get("frame-ancestors") == ["'none'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_hsts_only_over_https(client, app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://sipas.test")
    assert secure.headers.get("Strict-Transport-Security") == "max-age=31536000"


def test_hsts_behind_a_trusted_proxy_that_terminated_tls(make_app):
    behind_proxy = make_app(TRUSTED_PROXIES=1).test_client()
    forwarded = behind_proxy.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"})
    assert forwarded.headers.get("Strict-Transport-Security") == "max-age=31536000"
    plain = behind_proxy.get("/login", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "10.0.0.9"})
    assert "Strict-Transport-Security" not in plain.headers


def test_an_untrusted_forwarded_proto_earns_no_hsts(client):
    # Without TRUSTED_PROXIES anyone could send the header: it is not believed.
    assert "Strict-Transport-Security" not in client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


def test_docs_page_allows_its_own_inline_style_by_hash_and_nothing_else(client):
    response = client.get("/docs")
    html = response.get_data(as_text=True)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and "<script" not in html
    digest = base64.b64encode(hashlib.sha256(styles[0].encode("utf-8")).digest()).decode()
    found = directives(response)
    assert found.get("style-src") == ["'self'", f"'sha256-{digest}'"]
    assert found.get("frame-ancestors") == ["'none'"] and "'unsafe-inline'" not in script_sources(response)

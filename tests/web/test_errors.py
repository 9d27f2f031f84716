"""No traceback ever reaches a user: unexpected failures get the caller's format."""
import logging

from factories import counter, tree

from feedback_service.api import summaries as summary_routes
from feedback_service.citizen import pages
from feedback_service.ratings.tokens import counter_token


def test_api_failure_is_a_json_envelope_and_logged(client, app, monkeypatch, caplog):
    tree()

    def broken(*_args):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(summary_routes, "unit_summary", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/units/04/summary")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "fire" not in response.get_data(as_text=True)
    assert any("database on fire" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_citizen_failure_is_a_friendly_vietnamese_page(client, app, monkeypatch):
    _, commune, _ = tree()
    token = counter_token(counter(commune))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pages, "store_rating", broken)
    response = client.post(f"/q/{token}", data={"overall": "5"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Đã có lỗi xảy ra" in html and "disk full" not in html and "Traceback" not in html


def test_english_error_page(client, app):
    response = client.get("/q/forged?lang=en")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


"""Summary routes: shapes, periods and bad input."""
import pytest
from factories import counter, tree

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def units(app):
    return tree()


def test_empty_unit_summary_has_nulls_not_zeros(client, units):
    body = client.get("/api/v1/units/04/summary").get_json()
    assert body["unit"] == {"code": "04", "name": "Tỉnh Cao Bằng", "kind": "tỉnh"}
    assert body["responses"] == 0 and body["satisfaction_pct"] is None and body["sipas_index"] is None
    assert body["as_of"] is None
    assert set(body["conduct"]) == {"greet", "smile", "listen", "guide", "thank", "apologize"}
    assert set(body["elements"]) == {"access", "procedure", "officer", "result", "feedback"}
    assert [c["code"] for c in body["children"]] == ["01273", "01279"]
    assert body["period"] == {"from": None, "to": None, "timezone": "Asia/Ho_Chi_Minh"}


def test_summary_has_no_comments_or_personal_data(client, units):
    _, commune, _ = units
    from feedback_service.ratings.tokens import counter_token

    desk = counter(commune)
    client.post("/api/v1/ratings", json={"token": counter_token(desk), "overall": 1, "comment": "Bí mật riêng",
                                         "contact": {"phone": "0912345678", "consent": True}})
    from feedback_service.summaries.fold import fold_all

    fold_all(10)
    for path in ("/api/v1/units/04/summary", f"/api/v1/counters/{desk.id}/summary"):
        text = client.get(path).get_data(as_text=True)
        assert "Bí mật" not in text and "0912345678" not in text


@pytest.mark.parametrize("query, field", [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-1-1", "from"),
    ("from=2026-03-02&to=2026-03-01", "from"),
])
def test_bad_periods_are_422(client, units, query, field):
    response = client.get(f"/api/v1/units/04/summary?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == field


def test_unknown_unit_and_counter_are_404(client, units):
    assert client.get("/api/v1/units/99/summary").get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/counters/999/summary").status_code == 404


def test_counter_summary_names_its_counter(client, units):
    _, commune, _ = units
    desk = counter(commune, name="Quầy 2")
    body = client.get(f"/api/v1/counters/{desk.id}/summary").get_json()
    assert body["counter"] == {"id": desk.id, "name": "Quầy 2", "unit_code": "01273"}
    assert body["responses"] == 0


def test_summaries_are_cached_until_the_next_fold(app, client, units, redis_server):
    from redis import Redis

    from feedback_service.summaries.fold import fold_all
    from feedback_service.ratings.tokens import counter_token

    _, commune, _ = units
    token = counter_token(counter(commune))
    client.post("/api/v1/ratings", json={"token": token, "overall": 5})
    fold_all(10)
    assert client.get("/api/v1/units/04/summary").get_json()["responses"] == 1
    cache = Redis.from_url(redis_server.url)
    assert any(key.startswith(b"sipas:summary:1:") for key in cache.keys("sipas:summary:*"))
    client.post("/api/v1/ratings", json={"token": token, "overall": 1})
    # Not folded yet: the cached figures are still the truth.
    assert client.get("/api/v1/units/04/summary").get_json()["responses"] == 1
    fold_all(10)
    fresh = client.get("/api/v1/units/04/summary").get_json()
    assert fresh["responses"] == 2 and fresh["overall"] is None  # fresh, and a small cell


def test_summaries_answer_without_redis(make_app, backend):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        tree()
    response = app.test_client().get("/api/v1/units/04/summary")
    assert response.status_code == 200 and response.get_json()["responses"] == 0


@pytest.mark.parametrize("path", ["/api/v1/counters/99999999999999999999/summary", "/api/v1/counters/0/summary",
                                  "/api/v1/counters/9223372036854775808/qr.png"])
def test_ids_out_of_range_are_404_not_500(client, units, path):
    response = client.get(path)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"

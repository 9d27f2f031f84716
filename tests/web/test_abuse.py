"""Rate limits (real Redis), the honeypot and the per-browser cool-down."""
import pytest
from factories import counter, tree
from redis import Redis

from feedback_service.extensions import db
from feedback_service.models import Rating
from feedback_service.ratings.tokens import counter_token


@pytest.fixture(params=[{"RATELIMIT_PER_IP": "100 per minute", "RATELIMIT_PER_COUNTER": "3 per minute"}])
def limited(make_app, request):
    app = make_app(RATELIMIT_ENABLED=True, **request.param)
    with app.app_context():
        _, commune, other = tree()
        tokens = counter_token(counter(commune)), counter_token(counter(other))
        yield app, tokens


def test_above_the_counter_allowance_ratings_are_stored_flagged_not_refused(limited, redis_server):
    app, (token, _) = limited
    client = app.test_client()
    answers = [client.post("/api/v1/ratings", json={"token": token, "overall": 4}) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert [a.get_json()["flagged"] for a in answers] == [False, False, False, True]
    assert [r.flag_reason for r in db.session.query(Rating).order_by(Rating.id)] == [None] * 3 + ["over_allowance"]
    # The counters live in the real Redis, not in process memory.
    assert any(b"counter-allowance" in key for key in Redis.from_url(redis_server.url).keys("*"))


@pytest.mark.parametrize("limited", [{"RATELIMIT_PER_IP": "3 per minute", "RATELIMIT_PER_COUNTER": "100 per minute"}],
                         indirect=True)
def test_per_ip_limit_gives_clear_json_429(limited, redis_server):
    app, (token, _) = limited
    client = app.test_client()
    codes = [client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/api/v1/ratings", json={"token": token, "overall": 4})
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert db.session.query(Rating).count() == 3
    assert any(b"LIMITER" in key for key in Redis.from_url(redis_server.url).keys("*"))


@pytest.mark.parametrize("limited", [{"RATELIMIT_PER_IP": "5 per minute", "RATELIMIT_PER_COUNTER": "100 per minute"}],
                         indirect=True)
def test_per_ip_limit_spans_counters_and_gives_a_vietnamese_page(limited):
    app, (first, second) = limited
    client = app.test_client()
    for token in (first, first, first, second, second):
        assert client.post(f"/q/{token}", data={"overall": "5"}).status_code == 303
    page = client.post(f"/q/{second}", data={"overall": "5"})
    assert page.status_code == 429
    assert "Gửi quá nhiều lần" in page.get_data(as_text=True)
    # Another address is not affected.
    other = client.post(f"/q/{second}", data={"overall": "5"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_limits_can_be_switched_off(client, app):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    assert all(client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code == 201
               for _ in range(40))


def test_limits_fail_open_when_redis_is_down(make_app):
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL="redis://127.0.0.1:1/0",
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
    assert app.test_client().post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code == 201


def test_honeypot_is_stored_flagged_and_thanked(client, app):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    response = client.post(f"/q/{token}", data={"overall": "1", "website": "http://spam.example"})
    assert response.status_code == 303  # a bot learns nothing
    assert db.session.query(Rating).one().flag_reason == "honeypot"


def test_cooldown_flags_repeats_and_leaves_them_out(make_app):
    app = make_app(ABUSE_COOLDOWN_SECONDS=600)
    with app.app_context():
        _, commune, other = tree()
        first, second = counter(commune), counter(other)
        client = app.test_client()
        for _ in range(3):
            assert client.post(f"/q/{counter_token(first)}", data={"overall": "5"}).status_code == 303
        client.post(f"/q/{counter_token(second)}", data={"overall": "5"})
        flags = [r.flag_reason for r in db.session.query(Rating).order_by(Rating.id)]
        assert flags == [None, "cooldown", "cooldown", None]
        # A different browser (no cookie) is not flagged.
        app.test_client().post(f"/q/{counter_token(first)}", data={"overall": "2"})
        assert db.session.query(Rating).order_by(Rating.id.desc()).first().flag_reason is None

        from feedback_service.summaries.fold import fold_all

        fold_all(100)
        from feedback_service.models import Unit
        from feedback_service.summaries.read import unit_summary

        summary = client.get("/api/v1/units/04/summary").get_json()
        assert summary["responses"] == 3 and summary["flagged"] == 2
        # Three answers are a small cell in public; the figures behind it leave the repeats out.
        figures = unit_summary(Unit.by_code("04"), None, None)
        assert figures["overall"]["5"] == 2 and figures["overall"]["2"] == 1


def test_no_raw_ip_is_stored(client, app):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    client.post(f"/q/{token}", data={"overall": "4"}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    rating = db.session.query(Rating).one()
    assert rating.client_hash and "203.0.113.77" not in str(rating.client_hash)
    row = db.session.execute(db.text("SELECT * FROM ratings")).mappings().one()
    assert not any("203.0.113" in str(value) for value in row.values())

"""Probes and metrics."""
from factories import counter, tree

from feedback_service.ratings.tokens import counter_token


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_with_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_without_redis(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_metrics_count_ratings_lag_and_queue(client, app):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    for _ in range(3):
        client.post("/api/v1/ratings", json={"token": token, "overall": 4})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sipas_ratings_received{channel="api",flagged="false"} 3.0' in text
    assert "sipas_aggregation_pending 3.0" in text
    assert 'sipas_queue_depth{queue="aggregation"} 1.0' in text
    assert "sipas_redis_up 1.0" in text
    lag = next(line for line in text.splitlines() if line.startswith("sipas_aggregation_lag_seconds"))
    assert float(lag.split()[1]) >= 0


def test_metrics_survive_redis_outage(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "sipas_redis_up 0.0" in text


def _statements_reading_ratings(app, scrapes: int) -> list[str]:
    """The SQL each of `scrapes` scrapes sends that touches the `ratings` table."""
    import re

    from sqlalchemy import event

    from feedback_service.extensions import db

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if re.search(r"\bratings\b", statement):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client = app.test_client()
        for _ in range(scrapes):
            assert client.get("/metrics").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_metrics_scrapes_do_not_scan_the_ratings_each_time(client, app):
    """Prometheus scrapes every 15 s from every replica; counting all ratings each
    time is a full scan of the biggest table. Once per METRICS_CACHE_SECONDS is enough."""
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    client.post("/api/v1/ratings", json={"token": token, "overall": 4})
    assert len(_statements_reading_ratings(app, 10)) == 1
    # The cached figure is served to every worker process (it lives in Redis).
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sipas_ratings_received{channel="api",flagged="false"} 1.0' in text


def test_metrics_without_redis_still_scan_at_most_once_per_period(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    assert len(_statements_reading_ratings(app, 5)) == 1

"""Probes and metrics."""
from factories import counter, tree

from feedback_service.ratings.tokens import counter_token


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_with_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_stays_ready_without_redis_and_says_so(make_app):
    """Without Redis the web still takes every rating (stored, folded when Redis is back):
    a load balancer must keep sending citizens to it. It is ready, degraded, and says why."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_readyz_names_the_missing_dependency(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    body = app.test_client().get("/readyz").get_json()
    assert body["missing"] == ["redis"]
    healthy = make_app().test_client().get("/readyz").get_json()
    assert healthy["missing"] == []


def test_readyz_names_a_missing_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no/such/dir/feedback.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["missing"] == ["database"]


def test_metrics_count_the_redis_outages_the_background_roles_saw(client, app):
    from datetime import datetime, timedelta, timezone

    from feedback_service.extensions import db
    from feedback_service.models import RedisOutage

    started = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    db.session.add_all([
        RedisOutage(role="worker", seen_by="host:1", started_at=started, ended_at=started + timedelta(seconds=30)),
        RedisOutage(role="worker", seen_by="host:1", started_at=started + timedelta(hours=1)),  # not over
        RedisOutage(role="scheduler", seen_by="host:2", started_at=started, ended_at=started + timedelta(seconds=31)),
    ])
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sipas_redis_outages_total{role="worker"} 2.0' in text
    assert 'sipas_redis_outages_total{role="scheduler"} 1.0' in text
    assert "sipas_redis_up 1.0" in text


def test_metrics_show_no_outage_as_zero(client):
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sipas_redis_outages_total{role="worker"} 0.0' in text
    assert 'sipas_redis_outages_total{role="scheduler"} 0.0' in text


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

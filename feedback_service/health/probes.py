"""Liveness, readiness and Prometheus metrics.

Metrics are read from the database and Redis at scrape time rather than
counted in process memory: they stay right with any number of gunicorn workers.
The ratings count is the exception in cost: it reads the biggest table whole, so
it is computed at most once per `METRICS_CACHE_SECONDS` and shared through Redis
(a per-process copy stands in while Redis is down). The outbox figures (pending,
lag) are read on every scrape: that table holds only what is not yet folded.
"""
from __future__ import annotations

import json
import time

from flask import Response, current_app, jsonify
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import clock
from ..clock import as_utc
from ..extensions import db, redis_client, rq_redis
from ..jobs import ALL_QUEUES
from ..models import PendingFold, Rating, RedisOutage
from ..models.outages import ROLES as OUTAGE_ROLES
from . import health


@health.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        redis_client().ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    missing = [name for name, outcome in checks.items() if outcome != "ok"]
    # Ready means "send citizens here": without the database no rating can be stored, but
    # without Redis every rating is still stored and folded later, so the instance stays in
    # service, degraded, and says what is missing.
    if "database" in missing:
        status, code = "unavailable", 503
    else:
        status, code = ("degraded" if missing else "ok"), 200
    return jsonify({"status": status, "checks": checks, "missing": missing}), code


@health.get("/metrics")
def metrics():
    registry = CollectorRegistry()
    received = Gauge("sipas_ratings_received", "Ratings stored, by channel and whether flagged",
                     ["channel", "flagged"], registry=registry)
    for channel, flagged, count in _ratings_received():
        received.labels(channel, flagged).set(count)

    pending, oldest = db.session.execute(
        select(func.count(PendingFold.id), func.min(PendingFold.created_at))).one()
    Gauge("sipas_aggregation_pending", "Ratings stored but not yet folded into summaries",
          registry=registry).set(pending)
    lag = (clock.now() - as_utc(oldest)).total_seconds() if oldest else 0.0
    Gauge("sipas_aggregation_lag_seconds", "Age of the oldest rating not yet folded",
          registry=registry).set(lag)

    registry.register(_RedisOutages(_redis_outages()))

    depth = Gauge("sipas_queue_depth", "Jobs waiting per RQ queue", ["queue"], registry=registry)
    up = Gauge("sipas_redis_up", "Whether Redis answered this scrape", registry=registry)
    try:
        for name in ALL_QUEUES:
            depth.labels(name).set(Queue(name, connection=rq_redis()).count)
        up.set(1)
    except RedisError:
        up.set(0)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _redis_outages() -> dict[str, int]:
    """Outages each background role lived through (one row per process and outage); a
    handful of rows a year, read on every scrape."""
    counts = dict.fromkeys(OUTAGE_ROLES, 0)
    rows = db.session.execute(select(RedisOutage.role, func.count()).group_by(RedisOutage.role))
    counts.update({role: n for role, n in rows})
    return counts


class _RedisOutages:
    """A real counter (TYPE counter, `_total`), read from the database rather than counted here."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def collect(self):
        family = CounterMetricFamily("sipas_redis_outages", "Redis outages the worker and scheduler lived "
                                     "through, one per process and outage", labels=["role"])
        for role, n in self.counts.items():
            family.add_metric([role], n)
        yield family


RATINGS_RECEIVED_KEY = "sipas:metrics:ratings_received"
# Per process, for when Redis is down: database URI -> (monotonic time, rows).
_local_ratings_received: dict[str, tuple[float, list]] = {}


def _count_ratings_received() -> list:
    rows = db.session.execute(
        select(Rating.channel, Rating.flag_reason.is_not(None), func.count()).group_by(
            Rating.channel, Rating.flag_reason.is_not(None)))
    return [[channel, str(bool(flagged)).lower(), count] for channel, flagged, count in rows]


def _ratings_received() -> list:
    """[channel, "true"/"false", count] rows, at most METRICS_CACHE_SECONDS old."""
    ttl = int(current_app.config["METRICS_CACHE_SECONDS"])
    if ttl <= 0:
        return _count_ratings_received()
    try:
        cached = redis_client().get(RATINGS_RECEIVED_KEY)
    except RedisError:
        return _locally_cached_ratings_received(ttl)
    if cached is not None:
        return json.loads(cached)
    rows = _count_ratings_received()
    try:
        redis_client().set(RATINGS_RECEIVED_KEY, json.dumps(rows), ex=ttl)
    except RedisError:
        pass  # served all the same; the next scrape counts again
    return rows


def _locally_cached_ratings_received(ttl: int) -> list:
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    stored = _local_ratings_received.get(database)
    if stored is not None and time.monotonic() - stored[0] < ttl:
        return stored[1]
    rows = _count_ratings_received()
    _local_ratings_received[database] = (time.monotonic(), rows)
    return rows

"""A hung Redis (the process stopped, not gone: connections open, nothing answers)
must not hold a citizen's submission: every Redis client the web app uses times out
quickly and does not retry a timeout, the limiter fails open, and the rating is stored.

A private redis-server is started and SIGSTOPped here, so the session's one is never hung.
"""
from __future__ import annotations

import gc
import os
import signal
import threading
import time

import pytest
from factories import counter, tree
from redis import Redis
from redis_server import RedisServer

from feedback_service.extensions import db, limiter, redis_client, rq_redis
from feedback_service.jobs import FOLD_PENDING_KEY
from feedback_service.models import Rating
from feedback_service.ratings.tokens import counter_token

# The limiter's hit and its health check (then it falls back to memory) and the fold
# nudge: three timeouts, with the default REDIS_TIMEOUT_SECONDS of 0.25 under a second.
# Before, redis-py's retries made it 12 s.
QUICK_ENOUGH_SECONDS = 1.5


@pytest.fixture
def private_redis():
    server = RedisServer().start()
    yield server
    os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def _timed(call) -> tuple[object, float]:
    """The call's result and how long it took; gives up waiting (result None) after 20 s.

    The garbage collector is held off while the call runs: what is measured here is the
    wait on Redis, not the test process's heap. Once, in a full CI run, the first rating on
    the hung Redis took 0.67 s where it takes 0.26 s alone (8 runs); the cause was not
    pinned down, and a collection over everything earlier tests left is the likeliest pause
    of this process that has nothing to do with Redis."""
    outcome: dict = {}
    gc.collect()
    gc.disable()
    try:
        started = time.monotonic()
        worker = threading.Thread(target=lambda: outcome.setdefault("result", call()), daemon=True)
        worker.start()
        worker.join(20)
        return outcome.get("result"), time.monotonic() - started
    finally:
        gc.enable()


@pytest.mark.parametrize("path", ["form", "api"])
def test_a_rating_is_stored_quickly_while_redis_hangs(make_app, private_redis, path):
    app = make_app(REDIS_URL=private_redis.url, RATELIMIT_STORAGE_URI=private_redis.url,
                   RATELIMIT_ENABLED=True, ABUSE_COOLDOWN_SECONDS=600)
    limiter._storage_dead = False  # an earlier test's outage must not hide this one's
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
    client = app.test_client()

    def submit():
        if path == "form":
            return client.post(f"/q/{token}", data={"overall": "4"}).status_code
        return client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code

    # Healthy first: every pool holds an open connection, as in a running server.
    assert submit() in (201, 303)
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        status, seconds = _timed(submit)
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
    assert status in (201, 303), f"no answer within {seconds:.1f} s"
    assert seconds < QUICK_ENOUGH_SECONDS, f"the submission waited {seconds:.1f} s on a hung Redis"
    with app.app_context():
        assert db.session.query(Rating).count() == 2


def test_every_web_redis_client_has_the_short_timeout(make_app):
    app = make_app(REDIS_TIMEOUT_SECONDS=0.3, RATELIMIT_ENABLED=True)
    with app.app_context():
        pools = [redis_client().connection_pool, rq_redis().connection_pool,
                 limiter.storage.storage.connection_pool]
    for pool in pools:
        kwargs = pool.connection_kwargs
        assert kwargs["socket_timeout"] == 0.3 and kwargs["socket_connect_timeout"] == 0.3
        # A timeout is not retried: a hung server would cost the timeout again each time.
        from redis.exceptions import TimeoutError

        assert TimeoutError not in kwargs["retry"]._supported_errors


@pytest.mark.timeout(120)
def test_after_one_timeout_ratings_skip_the_hung_redis_and_use_it_again_once_it_answers(make_app, private_redis):
    """One Redis timeout opens the breaker: for REDIS_BREAKER_SECONDS every Redis call of this
    process fails at once (open, as on an error), so the next ratings pay nothing; then Redis is
    tried again, and limits and nudges work as before."""
    app = make_app(REDIS_URL=private_redis.url, RATELIMIT_STORAGE_URI=private_redis.url,
                   RATELIMIT_ENABLED=True, ABUSE_COOLDOWN_SECONDS=0, REDIS_BREAKER_SECONDS=2)
    limiter._storage_dead = False
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
    client = app.test_client()
    server = Redis.from_url(private_redis.url)

    def submit():
        return client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code

    assert submit() == 201
    server.delete(FOLD_PENDING_KEY)
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        status, first = _timed(submit)
        assert status == 201, f"no answer within {first:.1f} s"
        later = []
        for _ in range(5):
            status, seconds = _timed(submit)
            assert status == 201
            later.append(seconds)
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
    assert first < 0.5, f"the first rating on a hung Redis waited {first:.2f} s"
    assert max(later) < 0.15, f"later ratings still waited on the hung Redis: {[round(s, 2) for s in later]}"
    with app.app_context():
        assert db.session.query(Rating).count() == 7

    # Redis answers again: after the breaker's few seconds, limits and nudges use it again.
    server.flushdb()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert submit() == 201
        if server.exists(FOLD_PENDING_KEY) and server.keys("LIMITS*"):
            break
        time.sleep(0.5)
    assert server.exists(FOLD_PENDING_KEY), "no fold nudged after Redis came back"
    assert server.keys("LIMITS*"), "rate limits not counted in Redis after it came back"

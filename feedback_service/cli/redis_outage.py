"""Waiting out a Redis outage in the background roles (`flask worker`, `flask scheduler`).

RQ quits its work loop on most Redis errors (a timeout, any error outside its
dequeue, every error at start-up or shutdown), and CronScheduler on all of them, so
a Redis restart stopped both roles. Rather than wrap each of RQ's calls, their Redis
connection waits: its `Retry` (redis-py calls every command, pipeline, connect and
pub/sub read through it) retries for as long as the outage lasts, with a backoff of
0.5 s doubling to 10 s. RQ never sees the outage, and keeps its own semantics.

One `OutageWatch` per process says it once: a warning when Redis is lost, a line
when it answers again, and a row in `redis_outages` (read by `/metrics`). Once a
stop is requested (SIGTERM) nothing waits any more: a call fails as soon as Redis
does, so the role stops promptly whatever state Redis is in.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .. import clock
from ..models import RedisOutage

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0

log = logging.getLogger(__name__)


class OutageWatch:
    """A process's view of Redis: up, or down since when; shared by all its connections."""

    def __init__(self, role: str, engine: Engine | None, on_recovery: Callable[[], object] | None = None) -> None:
        self.role = role
        self.engine = engine
        self.on_recovery = on_recovery
        self.stopping = False
        self._down_since: float | None = None
        self._outage_id: int | None = None
        self._lock = threading.Lock()

    def __deepcopy__(self, memo) -> OutageWatch:
        # redis-py deep-copies a connection's Retry; the watch is the process's, not the copy's.
        return self

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def lost(self, error: Exception) -> None:
        with self._lock:  # held while the row is written, so a recovery seen meanwhile closes it
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
            log.warning("redis outage: %s unreachable (%s: %s); waiting for it, retrying every %g s at most",
                        self.role, type(error).__name__, error, MAX_RETRY_SECONDS)
            self._outage_id = self._record_start()

    def answered(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            lasted, self._down_since = time.monotonic() - self._down_since, None
            outage_id, self._outage_id = self._outage_id, None
        log.info("redis outage over after %.1f s: %s carries on", lasted, self.role)
        self._record_end(outage_id)
        if self.on_recovery is not None:
            try:
                self.on_recovery()
            except RedisError as exc:
                log.warning("after the redis outage: %s", exc)

    def _record_start(self) -> int | None:
        # On an engine connection of its own: never inside a job's transaction.
        if self.engine is None:
            return None
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(RedisOutage).values(
                    role=self.role, seen_by=f"{socket.gethostname()}:{os.getpid()}", started_at=clock.now()))
                return result.inserted_primary_key[0]
        except SQLAlchemyError as exc:
            log.warning("redis outage not recorded in the database: %s", type(exc).__name__)
            return None

    def _record_end(self, outage_id: int | None) -> None:
        if self.engine is None or outage_id is None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(update(RedisOutage).where(RedisOutage.id == outage_id).values(ended_at=clock.now()))
        except SQLAlchemyError as exc:
            log.warning("end of the redis outage not recorded in the database: %s", type(exc).__name__)


class WaitingRetry(Retry):
    """Retry a Redis call until Redis answers (bounded backoff), unless the role is stopping."""

    def __init__(self, watch: OutageWatch) -> None:
        super().__init__(NoBackoff(), -1, supported_errors=(RedisConnectionError, RedisTimeoutError))
        self.watch = watch

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        delay, failures = FIRST_RETRY_SECONDS, 0
        while True:
            if self.watch.stopping and self.watch.down:
                raise RedisConnectionError("Redis unavailable, and this process is stopping")
            try:
                result = do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                if self.watch.stopping:
                    raise
                if failures == 1 and not isinstance(error, RedisTimeoutError):
                    continue  # a dropped connection (Redis restarted): reconnect at once
                self.watch.lost(error)
                time.sleep(delay)  # SIGTERM interrupts it: RQ's handlers raise from here
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            self.watch.answered()
            return result


def for_last_words(connection: Redis) -> Redis:
    """A twin of `connection` for a stopping role's last calls (deregistering): new
    connections that give up within a second. The pooled ones keep their long timeout,
    and a hung Redis would hold each call that long."""
    pool = connection.connection_pool
    kwargs = dict(pool.connection_kwargs, socket_timeout=1.0, socket_connect_timeout=1.0)
    return Redis(connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs))

"""A circuit breaker for the web app's Redis clients: one timeout, then skip Redis a while.

Redis holds nothing a rating needs: limits fail open, a lost nudge is caught by the
sweep, the summary cache is rebuilt. So when Redis hangs, every call to it is time a
citizen waits for nothing. After a call fails with a timeout or a refused connection,
every client of this process for that Redis fails at once, with `RedisSkipped` (a
`ConnectionError`, handled wherever an outage already is), for `REDIS_BREAKER_SECONDS`;
then the next call tries Redis again. A hung Redis so costs one timeout per process
per breaker period instead of one per call.

The breaker sits in each connection's `Retry` (redis-py calls every command, pipeline
and connect through it), outside redis-py's own retry: a dropped connection (Redis
restarted) is still retried once, at once, and only a retry that fails too opens it.
"""
from __future__ import annotations

import logging
import threading
import time

from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)


class RedisSkipped(RedisConnectionError):
    """Not sent: this Redis failed moments ago and the breaker is open."""


class RedisBreaker:
    """Per process and Redis URL: open for `seconds` after a call to that Redis failed."""

    def __init__(self, url: str, seconds: float) -> None:
        self.url = url
        self.seconds = seconds
        self._open_until = 0.0
        self._failing = False  # between a failure and the next call that succeeds: one line each
        self._lock = threading.Lock()

    def __deepcopy__(self, memo) -> RedisBreaker:
        # redis-py deep-copies a connection's Retry; every connection must share this state.
        return self

    def check(self) -> None:
        if time.monotonic() < self._open_until:
            raise RedisSkipped(f"Redis skipped for {self.seconds:g} s after it failed")

    def trip(self, error: Exception) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.seconds
            first, self._failing = not self._failing, True
        if first:
            log.warning("Redis unavailable (%s: %s): skipped for %g s at a time until it answers",
                        type(error).__name__, error, self.seconds)

    def succeeded(self) -> None:
        if self._failing:
            with self._lock:
                was_failing, self._failing = self._failing, False
            if was_failing:
                log.info("Redis answers again")


class BreakerRetry(Retry):
    """redis-py's Retry (once at once, on a dropped connection only) behind a breaker."""

    def __init__(self, breaker: RedisBreaker) -> None:
        super().__init__(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
        self.breaker = breaker

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        if self.breaker.seconds <= 0:
            return super().call_with_retry(do, fail, is_retryable, with_failure_count)
        self.breaker.check()
        try:
            result = super().call_with_retry(do, fail, is_retryable, with_failure_count)
        except RedisSkipped:
            raise
        except (RedisConnectionError, RedisTimeoutError) as exc:
            self.breaker.trip(exc)
            raise
        self.breaker.succeeded()
        return result


_breakers: dict[tuple[str, float], RedisBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str, seconds: float) -> RedisBreaker:
    """The one breaker of this process for a Redis URL: the app's, RQ's and the limiter's
    clients share it, so one timeout spares them all."""
    with _breakers_lock:
        return _breakers.setdefault((url, seconds), RedisBreaker(url, seconds))

"""Queue names and the one helper every enqueue goes through.

Queue names are constants; `tests/test_processes.py` checks the Procfile's worker
consumes every one of them.
"""
from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rq import Queue, Retry

from .extensions import redis_client, rq_redis

AGGREGATION = "aggregation"
DEFAULT = "default"
ALL_QUEUES = (AGGREGATION, DEFAULT)

# A nudge that found this key set knows a fold job is already queued and will
# see its rating; the job deletes the key before it reads the outbox.
FOLD_PENDING_KEY = "sipas:fold:pending"
FOLD_PENDING_TTL = 60

log = logging.getLogger(__name__)


def enqueue(func: str, *args, queue: str = DEFAULT, job_id: str | None = None,
            timeout: int = 300, retries: int = 3):
    """Enqueue a job by dotted path with the house defaults.

    Results are not kept for long (nobody reads them); failures are kept a week
    for an operator to look at. Retries are for transient failures: jobs are
    idempotent, so a retry never double-counts.
    """
    return Queue(queue, connection=rq_redis()).enqueue(
        func,
        *args,
        job_id=job_id,
        job_timeout=timeout,
        result_ttl=300,
        failure_ttl=7 * 86400,
        retry=Retry(max=retries, interval=[5, 30, 120][:retries]) if retries else None,
    )


def nudge_aggregation() -> bool:
    """Ask for a fold soon; coalesces a burst of ratings into a few jobs.

    Best-effort by design: the rating is already committed with its outbox row,
    and the scheduler's sweep folds anything a lost nudge missed. Returns whether
    a job was enqueued.
    """
    try:
        if not redis_client().set(FOLD_PENDING_KEY, "1", nx=True, ex=FOLD_PENDING_TTL):
            return False
        enqueue("worker.aggregation.fold_pending", queue=AGGREGATION, timeout=600)
        return True
    except RedisError as exc:
        log.warning("aggregation nudge skipped, Redis unavailable: %s", exc)
        return False

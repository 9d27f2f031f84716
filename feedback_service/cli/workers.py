"""`flask worker` and `flask scheduler`: the background process roles.

`flask worker` consumes the fold worker's queues (aggregation, default);
`flask worker --queue long` is the long-jobs worker (exports, report runs), a process
of its own so a fold never waits behind a job that runs for minutes (jobs.WORKER_ROLES).
All run with the app's own configuration and app context, created once before
any job runs. Both wait out a Redis outage of any length instead of exiting
(redis_outage.py): one line when Redis is lost, one when it is back, then they
carry on consuming and scheduling. SIGTERM stops them promptly all the same; a
worker busy with a job finishes it first (RQ's warm shutdown).
"""
from __future__ import annotations

import logging
import signal
from contextlib import contextmanager

import click
from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from ..extensions import db
from ..jobs import AGGREGATION, FOLD_PENDING, PERIODIC_JOBS, QueuesRefused, enqueue, job_function, worker_queues
from .redis_outage import OutageWatch, WaitingRetry, for_last_words

# The worker's blocking pop lasts this long; RQ gives its connection a socket timeout
# 10 s longer, so a hung Redis is noticed within 15 s rather than RQ's default 7 minutes.
DEQUEUE_SECONDS = 5
# Nothing the scheduler sends blocks: a hung Redis is noticed within this.
SCHEDULER_SOCKET_SECONDS = 5.0
CONNECT_SECONDS = 5.0

log = logging.getLogger(__name__)


def _connection(watch: OutageWatch, socket_timeout: float | None) -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=socket_timeout,
                          socket_connect_timeout=CONNECT_SECONDS, retry=WaitingRetry(watch))


class OutageTolerantWorker(SimpleWorker):
    """RQ's SimpleWorker on a connection that waits out outages, and stops promptly in one.

    SimpleWorker runs jobs without forking: aggregation jobs are few because
    submissions coalesce them, and not forking saves ~70% per job.
    """

    def __init__(self, *args, watch: OutageWatch, **kwargs) -> None:
        self.watch = watch
        # RQ's dequeue timeout is worker_ttl - 15.
        super().__init__(*args, worker_ttl=DEQUEUE_SECONDS + 15, **kwargs)

    def request_stop(self, signum, frame):
        self.watch.stopping = True
        super().request_stop(signum, frame)

    def set_shutdown_requested_date(self):
        try:  # informational only, and called from the signal handler mid-job
            super().set_shutdown_requested_date()
        except RedisError:
            pass

    def register_death(self):
        if self.watch.stopping:
            self.connection = for_last_words(self.connection)
        super().register_death()


class OutageTolerantScheduler(CronScheduler):
    """RQ's CronScheduler on a connection that waits out outages, and stops promptly in one."""

    def __init__(self, *args, watch: OutageWatch, **kwargs) -> None:
        self.watch = watch
        super().__init__(*args, **kwargs)

    def _request_stop(self, signum, frame):
        self.watch.stopping = True
        super()._request_stop(signum, frame)

    def register_death(self, pipeline=None) -> None:
        if self.watch.stopping:
            self.connection = for_last_words(self.connection)
        super().register_death(pipeline)


@contextmanager
def _stopped_by_signals():
    """SIGTERM/SIGINT before RQ installs its own handlers (a role started while Redis is
    down waits in its start-up calls): stop there, cleanly. RQ's handlers replace these."""

    def stop(signum, frame):
        raise StopRequested()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except StopRequested:
        log.info("stopped on request")
    except RedisError as exc:
        # Only when stopping: its last calls to Redis (deregistering) failed. RQ's records of
        # this process expire on their own.
        log.info("stopped; Redis unavailable, so not deregistered (%s)", type(exc).__name__)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
    @click.option("--queue", "queues", multiple=True,
                  help="Queues to consume (default: aggregation and default; `--queue long` for the long jobs).")
    def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
        """Run an RQ worker in this process (SIGTERM: finish the job, then exit)."""
        try:
            queues = worker_queues(queues)
        except QueuesRefused as exc:
            raise click.UsageError(str(exc)) from None
        watch = OutageWatch("worker", db.engine)
        # No socket timeout of our own: RQ sets one a little longer than its blocking pop.
        connection = _connection(watch, socket_timeout=None)
        # Ratings stored during the outage lost their nudge: fold them as soon as Redis is
        # back rather than at the next rating's nudge or the sweep.
        if AGGREGATION in queues:
            watch.on_recovery = lambda: enqueue(FOLD_PENDING, timeout=600, connection=connection)
        with _stopped_by_signals():
            worker = OutageTolerantWorker([Queue(q, connection=connection) for q in queues],
                                          connection=connection, watch=watch)
            worker.work(burst=burst, logging_level=current_app.config["LOG_LEVEL"])

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Enqueue the periodic jobs (feedback_service/jobs.py) on their intervals."""
        watch = OutageWatch("scheduler", db.engine)
        cron = OutageTolerantScheduler(connection=_connection(watch, SCHEDULER_SOCKET_SECONDS),
                                       logging_level=current_app.config["LOG_LEVEL"], watch=watch)
        for job in PERIODIC_JOBS:
            cron.register(job_function(job.func), queue_name=job.queue,
                          interval=int(current_app.config[job.interval_setting]),
                          job_timeout=job.timeout, name=job.name)
        log.info("scheduler started with %d periodic jobs", len(PERIODIC_JOBS))
        with _stopped_by_signals():
            cron.start()

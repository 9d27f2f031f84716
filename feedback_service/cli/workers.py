"""`flask worker` and `flask scheduler`: the two background process roles.

Both run with the app's own configuration and app context, created once before
any job runs.
"""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from redis import Redis
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler

from ..jobs import ALL_QUEUES, PERIODIC_JOBS, job_function


def _connection() -> Redis:
    # No socket timeout: the worker blocks on BLPOP for minutes by design.
    return Redis.from_url(current_app.config["REDIS_URL"])


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
    @click.option("--queue", "queues", multiple=True, help="Queues to consume (default: all).")
    def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
        """Run an RQ worker in this process (SIGTERM: finish the job, then exit).

        SimpleWorker runs jobs without forking: aggregation jobs are few because
        submissions coalesce them, and not forking saves ~70% per job.
        """
        connection = _connection()
        worker = SimpleWorker([Queue(q, connection=connection) for q in (queues or ALL_QUEUES)],
                              connection=connection)
        worker.work(burst=burst, logging_level=current_app.config["LOG_LEVEL"])

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Enqueue the periodic jobs (feedback_service/jobs.py) on their intervals."""
        cron = CronScheduler(connection=_connection(), logging_level=current_app.config["LOG_LEVEL"])
        for job in PERIODIC_JOBS:
            cron.register(job_function(job.func), queue_name=job.queue,
                          interval=int(current_app.config[job.interval_setting]),
                          job_timeout=job.timeout, name=job.name)
        logging.getLogger(__name__).info("scheduler started with %d periodic jobs", len(PERIODIC_JOBS))
        cron.start()

"""The background roles wait out a Redis outage instead of exiting.

Real `flask worker` / `flask scheduler` subprocesses against a private redis-server that
is stopped (connections refused) or SIGSTOPped (hung: connections open, nothing answers)
and then brought back. Each role logs the loss once and the recovery once, records the
outage in the database (for /metrics), carries on, and still stops promptly on SIGTERM.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import counter, tree
from redis import Redis
from redis_server import RedisServer

from feedback_service.extensions import db
from feedback_service.jobs import AGGREGATION
from feedback_service.models import PendingFold, RedisOutage
from feedback_service.ratings.tokens import counter_token

ROOT = Path(__file__).resolve().parents[2]
LOSS = "redis outage:"
RECOVERY = "redis outage over"
# SIGTERM during an outage: the role stops within this, not after its backoff or a timeout.
PROMPT_SECONDS = 2.5


@pytest.fixture
def private_redis():
    server = RedisServer().start()
    yield server
    if server.process and server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


@pytest.fixture
def app(make_app, private_redis):
    """The web side on the private Redis too, so its nudges reach the role under test."""
    # No breaker on the web side: a rating right after Redis' return is nudged at once (the
    # breaker's few seconds of skipped nudges are the web's trade, tested in test_redis_hung.py).
    app = make_app(REDIS_URL=private_redis.url, REDIS_BREAKER_SECONDS=0)
    with app.app_context():
        yield app


class Role:
    """A `flask <role>` subprocess whose output goes to a file the test reads."""

    def __init__(self, app, redis_url: str, role: str, tmp_path: Path, script: str | None = None, **env) -> None:
        self.log = tmp_path / f"{role}.log"
        environment = dict(os.environ, SECRET_KEY=app.config["SECRET_KEY"], REDIS_URL=redis_url,
                           DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PYTHONPATH=str(ROOT),
                           LOG_LEVEL="INFO", **env)
        command = ([sys.executable, "-c", script] if script
                   else [sys.executable, "-m", "flask", "--app", "feedback_service", role])
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out,
                                            stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 30, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            assert self.process.poll() is None, f"the role exited ({self.process.returncode}):\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{self.output()[-3000:]}"
            time.sleep(0.1)

    def stop_within(self, seconds: float) -> int:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(seconds + 10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"did not stop on SIGTERM:\n{self.output()[-3000:]}") from None
        took = time.monotonic() - started
        assert took < seconds, f"took {took:.1f} s to stop on SIGTERM:\n{self.output()[-3000:]}"
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _pending() -> int:
    db.session.rollback()
    return db.session.query(PendingFold).count()


def _folded_within(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    return _pending() == 0


def _outages(role: str) -> list[RedisOutage]:
    db.session.rollback()
    return db.session.query(RedisOutage).filter_by(role=role).all()


@pytest.fixture
def rate(app):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    client = app.test_client()

    def submit() -> None:
        assert client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code == 201

    return submit


@pytest.mark.timeout(120)
def test_worker_waits_out_redis_being_down_and_carries_on(app, private_redis, tmp_path, rate):
    worker = Role(app, private_redis.url, "worker", tmp_path)
    try:
        worker.wait_for("Listening on")
        private_redis.stop()
        time.sleep(6)  # several rounds of its backoff
        rate()  # stored; its nudge is lost with Redis
        worker.wait_for(LOSS)
        [outage] = _outages("worker")
        assert outage.ended_at is None

        private_redis.start()
        worker.wait_for(RECOVERY, timeout=15)
        # No new rating, no sweep: the worker folds what the outage held back by itself.
        assert _folded_within(5), "the rating stored during the outage not folded within 5 s of Redis' return"
        rate()
        assert _folded_within(5), "a rating after Redis' return not folded within 5 s"

        output = worker.output()
        assert output.count(LOSS) == 1 and output.count(RECOVERY) == 1, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        [outage] = _outages("worker")
        assert outage.ended_at is not None and outage.ended_at > outage.started_at
        assert worker.stop_within(PROMPT_SECONDS) == 0
    finally:
        worker.kill()


@pytest.mark.timeout(120)
def test_worker_waits_out_a_hung_redis(app, private_redis, tmp_path, rate):
    worker = Role(app, private_redis.url, "worker", tmp_path)
    try:
        worker.wait_for("Listening on")
        os.kill(private_redis.process.pid, signal.SIGSTOP)
        try:
            # Its blocking pop has a socket timeout a little longer than the pop itself.
            worker.wait_for(LOSS, timeout=30)
        finally:
            os.kill(private_redis.process.pid, signal.SIGCONT)
        worker.wait_for(RECOVERY, timeout=15)
        rate()
        assert _folded_within(5)
        assert "Traceback" not in worker.output()
        assert worker.stop_within(PROMPT_SECONDS) == 0
    finally:
        worker.kill()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("outage", ["down", "hung", "down from the start"])
def test_worker_stops_promptly_on_sigterm_during_an_outage(app, private_redis, tmp_path, outage):
    if outage == "down from the start":
        private_redis.stop()
    worker = Role(app, private_redis.url, "worker", tmp_path)
    try:
        if outage == "down from the start":
            worker.wait_for(LOSS)
        else:
            worker.wait_for("Listening on")
            if outage == "down":
                private_redis.stop()
                worker.wait_for(LOSS)
            else:
                os.kill(private_redis.process.pid, signal.SIGSTOP)
        time.sleep(3)  # well into the wait, its backoff or a blocked read
        assert worker.stop_within(PROMPT_SECONDS) == 0
        assert "Traceback" not in worker.output()
    finally:
        worker.kill()


SLOW_JOB_WORKER = """
import sys, time
sys.path.insert(0, {root!r})
import worker.aggregation as jobs
real_job = jobs.fold_pending
def slow_job(*args, **kwargs):
    print("job started", flush=True)
    time.sleep(3)
    return real_job(*args, **kwargs)
jobs.fold_pending = slow_job
from flask.cli import main
sys.argv = ["flask", "--app", "feedback_service", "worker"]
main()
"""


@pytest.mark.timeout(60)
def test_worker_busy_with_a_job_finishes_it_on_sigterm(app, private_redis, tmp_path, rate):
    worker = Role(app, private_redis.url, "worker", tmp_path, script=SLOW_JOB_WORKER.format(root=str(ROOT)))
    try:
        worker.wait_for("Listening on")
        rate()
        worker.wait_for("job started")
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(15) == 0  # warm shutdown: the job in hand is finished
        assert _pending() == 0
    finally:
        worker.kill()


@pytest.mark.timeout(120)
def test_scheduler_waits_out_redis_being_down_and_carries_on(app, private_redis, tmp_path):
    scheduler = Role(app, private_redis.url, "scheduler", tmp_path, SWEEP_INTERVAL_SECONDS="1")
    queue = f"rq:queue:{AGGREGATION}"
    try:
        scheduler.wait_for("scheduler started")
        private_redis.stop()
        scheduler.wait_for(LOSS, timeout=15)
        time.sleep(5)
        private_redis.start()  # empty: whatever the sweep enqueues now is new
        scheduler.wait_for(RECOVERY, timeout=20)
        deadline = time.monotonic() + 10
        while not Redis.from_url(private_redis.url).llen(queue) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert Redis.from_url(private_redis.url).llen(queue), "the sweep was not enqueued after Redis' return"
        output = scheduler.output()
        assert output.count(LOSS) == 1 and output.count(RECOVERY) == 1, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        [outage] = _outages("scheduler")
        assert outage.ended_at is not None
        assert scheduler.stop_within(PROMPT_SECONDS) == 0
    finally:
        scheduler.kill()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("outage", ["down", "hung"])
def test_scheduler_stops_promptly_on_sigterm_during_an_outage(app, private_redis, tmp_path, outage):
    scheduler = Role(app, private_redis.url, "scheduler", tmp_path, SWEEP_INTERVAL_SECONDS="1")
    try:
        scheduler.wait_for("scheduler started")
        if outage == "down":
            private_redis.stop()
        else:
            os.kill(private_redis.process.pid, signal.SIGSTOP)
        time.sleep(4)
        assert scheduler.stop_within(PROMPT_SECONDS) == 0
        assert "Traceback" not in scheduler.output()
    finally:
        scheduler.kill()

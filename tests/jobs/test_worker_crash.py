"""A worker SIGKILLed inside a fold job leaves nothing that holds back the next nudge.

The nudge key says "a fold job is queued and will see your rating". A worker that
took that job off the queue and died before the job cleared the key left the key
standing with nothing queued, so every new rating found it set and enqueued nothing
until the scheduler's sweep (up to 30 s). Here no scheduler runs: only the nudge can
bring the rating into the summaries.
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

from feedback_service.extensions import db
from feedback_service.jobs import FOLD_PENDING_KEY
from feedback_service.models import PendingFold
from feedback_service.ratings.tokens import counter_token

ROOT = Path(__file__).resolve().parents[2]

# A `flask worker` whose fold job blocks once it has printed where it is: either as it
# starts (the key not yet cleared: the job was just taken off the queue) or with the fold
# half written (the key cleared, the transaction open).
BLOCKING_WORKER = """
import sys, time
sys.path.insert(0, {root!r})
stage = {stage!r}
import worker.aggregation as jobs
from feedback_service.summaries import fold as aggregation
if stage == "before-clearing-the-key":
    real_job = jobs.fold_pending
    def blocked_job(*args, **kwargs):
        print(stage, flush=True)
        time.sleep(120)
        return real_job(*args, **kwargs)
    jobs.fold_pending = blocked_job
else:
    real_write = aggregation.Deltas.write
    def blocked_write(self):
        real_write(self)
        print(stage, flush=True)
        time.sleep(120)
    aggregation.Deltas.write = blocked_write
from flask.cli import main
sys.argv = ["flask", "--app", "feedback_service", "worker"]
main()
"""


def _worker(env: dict, stage: str | None = None) -> subprocess.Popen:
    if stage is None:
        command = [sys.executable, "-m", "flask", "--app", "feedback_service", "worker"]
    else:
        command = [sys.executable, "-c", BLOCKING_WORKER.format(root=str(ROOT), stage=stage)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)


def _pending() -> int:
    db.session.rollback()  # a fresh read: the worker commits in another process
    return db.session.query(PendingFold).count()


@pytest.mark.timeout(90)
@pytest.mark.parametrize("stage", ["before-clearing-the-key", "mid-fold"])
def test_a_rating_is_folded_within_five_seconds_of_a_worker_restart_after_a_crash(app, client, redis_server,
                                                                                 stage):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    env = dict(os.environ, SECRET_KEY=app.config["SECRET_KEY"], REDIS_URL=redis_server.url,
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    doomed = _worker(env, stage)
    try:
        assert client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code == 201
        assert doomed.stdout.readline().strip() == stage
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
    assert _pending() == 1

    successor = _worker(env)
    try:
        time.sleep(2)  # the restarted worker is listening
        restarted = time.monotonic()
        assert client.post("/api/v1/ratings", json={"token": token, "overall": 5}).status_code == 201
        while _pending() and time.monotonic() - restarted < 5:
            time.sleep(0.1)
        held = Redis.from_url(redis_server.url).get(FOLD_PENDING_KEY)
        assert _pending() == 0, f"not folded within 5 s of the restart (nudge key left at {held!r})"
    finally:
        successor.send_signal(signal.SIGTERM)
        assert successor.wait(15) == 0


def _claim(redis: Redis, job_id: str, age_seconds: float) -> None:
    """The nudge key as a nudge `age_seconds` ago left it, naming `job_id`."""
    from feedback_service.jobs import FOLD_PENDING_TTL

    redis.set(FOLD_PENDING_KEY, job_id, px=int((FOLD_PENDING_TTL - age_seconds) * 1000))


@pytest.mark.parametrize("held, age, enqueues", [
    ("queued", 10, False),       # its job waits in the queue and will see the rating
    ("taken", 10, True),         # its job left the queue with a worker that died before clearing it
    ("unmade", 0.1, False),      # claimed this instant, its job being enqueued right now
    ("unmade", 10, True),        # claimed, but the enqueue never came (a client that timed out)
])
def test_a_nudge_coalesces_only_into_a_job_that_will_run(app, redis_server, held, age, enqueues):
    from rq import Queue

    from feedback_service.jobs import AGGREGATION, FOLD_PENDING, enqueue, nudge_aggregation

    redis = Redis.from_url(redis_server.url)
    queue = Queue(AGGREGATION, connection=redis)
    job_id = "fold-earlier"
    if held != "unmade":
        enqueue(FOLD_PENDING, queue=AGGREGATION, job_id=job_id)
    if held == "taken":
        redis.lrem(queue.key, 0, job_id)  # what a worker's pop does
    _claim(redis, job_id, age)
    waiting = queue.count

    assert nudge_aggregation() is enqueues
    assert queue.count == waiting + enqueues
    if enqueues:
        assert redis.get(FOLD_PENDING_KEY).decode() == queue.job_ids[-1]

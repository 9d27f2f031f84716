"""The scheduler role: its sweep folds ratings whose nudge was lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from factories import counter, tree

from feedback_service.extensions import db
from feedback_service.models import PendingFold, Rating
from feedback_service.clock import local_day
from feedback_service.jobs import PERIODIC_JOBS

ROOT = Path(__file__).resolve().parents[2]


def test_every_periodic_job_names_a_real_function_and_setting(app):
    import importlib

    for job in PERIODIC_JOBS:
        module, name = job.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))
        assert int(app.config[job.interval_setting]) > 0


@pytest.mark.timeout(90)
def test_sweep_folds_a_rating_that_was_never_nudged(app, client, redis_server):
    _, commune, _ = tree()
    desk = counter(commune)
    now = datetime.now(timezone.utc)
    rating = Rating(submitted_at=now, local_day=local_day(now), unit_id=desk.unit_id, counter_id=desk.id,
                    channel="api", instrument_version="sipas-6biet-v1", overall=5, conduct={}, elements={})
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()  # stored, but no job was enqueued: as if Redis had been down

    env = dict(os.environ, SECRET_KEY=app.config["SECRET_KEY"], REDIS_URL=redis_server.url,
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SWEEP_INTERVAL_SECONDS="1",
               PYTHONPATH=str(ROOT))
    roles = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "feedback_service", role], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for role in ("scheduler", "worker")]
    try:
        deadline = time.monotonic() + 30
        responses = 0
        while time.monotonic() < deadline and responses == 0:
            responses = client.get("/api/v1/units/04/summary").get_json()["responses"]
            time.sleep(0.2)
        assert responses == 1
    finally:
        for role in roles:
            role.send_signal(signal.SIGTERM)
        assert [role.wait(20) for role in roles] == [0, 0]  # both stop cleanly on SIGTERM

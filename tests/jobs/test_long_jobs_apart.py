"""A fold never waits behind an export: the fold worker and the long-jobs worker run as
`make run` starts them (real processes, the suite's Redis, a SQLite file), five exports
of a province's year are queued over the API, and a rating submitted while the first is
being built is in the summary API within seconds, before that export is done.

With one worker for every queue (as before the long queue), the fold waited for the
export in hand: RQ runs one job at a time in a process, whatever the queues' order."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from factories import counter, create_key, tree

from benchmarks import reports as bench
from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import ReportExport
from feedback_service.ratings.tokens import counter_token

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
YEAR = 2025
# Five exports of the bench province's year, each under another label (a repeated one might
# be answered with the export already asked for); the first rests on all RATINGS.
PERIODS = (f"{YEAR}", f"{YEAR}/official", f"{YEAR}-H1", f"{YEAR}-H2", f"{YEAR}-H1/official")
# Enough that the first export takes longer than FOLD_WITHIN_SECONDS (~40,000 rows a second
# on a 2-core machine): with one worker for all queues, this test fails on both counts.
RATINGS = 250_000
MOMENT = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)  # 10 March 2026, 10:00 in Hà Nội
FOLD_WITHIN_SECONDS = 5


def start_worker_roles(env: dict[str, str], logs: Path) -> dict[str, subprocess.Popen]:
    import run

    commands = dict(run._role_commands())
    started = {}
    for role in ("worker", "long_worker"):
        with (logs / f"{role}.log").open("wb") as out:
            started[role] = subprocess.Popen(commands[role], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    for role, process in started.items():
        log = logs / f"{role}.log"
        while "Listening on" not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
    return started


def statuses(ids: list[str]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(ReportExport, export_id).status for export_id in ids]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.mark.timeout(120)
def test_a_rating_is_folded_while_five_exports_run(make_app, redis_server, tmp_path, monkeypatch):
    exports_dir = tmp_path / "exports"
    app = make_app(REPORT_EXPORT_DIR=str(exports_dir), REPORT_EXPORT_INLINE_MAX=1000)
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    for name, value in (("RATINGS", RATINGS), ("DOSSIERS", RATINGS // 10), ("COMMUNES", 20)):
        monkeypatch.setattr(bench, name, value)
    bench.seed(database, YEAR)  # province 90's year, straight through the driver, not folded
    env = dict(os.environ, SECRET_KEY=app.config["SECRET_KEY"], REDIS_URL=redis_server.url,
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REPORT_EXPORT_DIR=str(exports_dir),
               PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
    roles = start_worker_roles(env, tmp_path)
    try:
        with app.app_context(), clock.running_from(MOMENT):
            _, commune, _ = tree()
            desk = counter(commune)
            client = app.test_client()
            # Five readers (each may have only a few exports running), one province-year each.
            keys = [create_key(app.test_cli_runner(), bench.PROVINCE, name=f"Sở Nội vụ {n}", scope="reports")
                    for n in range(len(PERIODS))]
            asked = [client.get(f"/api/v1/units/{bench.PROVINCE}/report.xlsx?period={period}",
                                headers={"Authorization": f"Bearer {key}"})
                     for period, key in zip(PERIODS, keys)]
            assert [answer.status_code for answer in asked] == [202] * 5, asked[0].get_json()
            ids = [answer.get_json()["id"] for answer in asked]
            first = wait_for(lambda: "running" in (now := statuses(ids)) and ids[now.index("running")],
                             30, "an export running")

            submitted = time.monotonic()
            assert client.post("/api/v1/ratings", json={"token": counter_token(desk), "overall": 5}).status_code == 201
            day = clock.local_today().isoformat()
            wait_for(lambda: client.get(f"/api/v1/units/{commune.code}/summary?from={day}&to={day}")
                     .get_json()["responses"] == 1, FOLD_WITHIN_SECONDS, "the rating folded")
            folded_after = time.monotonic() - submitted

            during = statuses(ids)
            assert statuses([first]) == ["running"], f"the fold waited for the export in hand: {during}"
            # A real export all the same, built to the end by the long-jobs worker.
            wait_for(lambda: statuses([first]) == ["done"], 60, "the first export built")
            assert statuses(ids).count("queued") >= 3, "the others wait for the long-jobs worker"
        print(f"folded {folded_after:.2f} s after submission; exports then: {during}")
    finally:
        for process in roles.values():
            # SIGKILL: a SIGTERM would let the long-jobs worker finish the export in hand first.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

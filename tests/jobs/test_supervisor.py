"""`make run`'s supervisor (scripts/run.py) keeps the service up: a role or the private
Redis that dies is restarted with a backoff while the web keeps answering; a role that
cannot start stops everything with a clear message; SIGTERM stops everything, and so does
closing its terminal (SIGHUP); a role's output reaches the terminal as text only.

Each test of `make run` starts the real supervisor (about 15 s of setup: migrations, demo data).
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
import time
import urllib.error
import urllib.request

import pytest
from make_run import ROOT, MakeRun, alive, answers_on, command_line, descendants, get

sys.path.insert(0, str(ROOT / "scripts"))
from supervision import Supervisor, command_role  # noqa: E402


def wait_until(condition, timeout: float, what: str, run: MakeRun, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        assert run.process.poll() is None, f"run.py exited while waiting for {what}:\n{run.tail()}"
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout}s\n{run.tail()}")


def submit_rating(run: MakeRun, token: str) -> int:
    request = urllib.request.Request(
        f"{run.base}/api/v1/ratings", data=json.dumps({"token": token, "overall": 5}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def all_folded(run: MakeRun) -> tuple[int, int] | None:
    """(ratings stored, ratings in the counters' day summaries) once nothing waits to be folded."""
    with sqlite3.connect(run.instance / "feedback.db", timeout=5) as db:
        pending = db.execute("SELECT count(*) FROM pending_folds").fetchone()[0]
        stored = db.execute("SELECT count(*) FROM ratings").fetchone()[0]
        folded = db.execute("SELECT coalesce(sum(responses), 0) FROM summary_totals "
                            "WHERE scope = 'counter' AND grain = 'day'").fetchone()[0]
    return (stored, folded) if pending == 0 and stored == folded else None


def redis_socket(pid: int) -> str:
    """The unix socket a redis-server listens on: from its process title once it has rewritten
    its command line to `redis-server unixsocket:PATH`, or from its `--unixsocket` until then."""
    words = command_line(pid)
    found = re.search(r"unixsocket:(\S+)", " ".join(words))
    if found:
        return found.group(1)
    assert "--unixsocket" in words, words
    return words[words.index("--unixsocket") + 1]


class HealthWatch:
    """Probe /healthz between the test's steps; every answer must be 200."""

    def __init__(self, run: MakeRun) -> None:
        self.run, self.answers, self.failures = run, 0, []

    def probe(self) -> bool:
        try:
            status = get(f"{self.run.base}/healthz")
        except (urllib.error.URLError, OSError) as exc:
            status = repr(exc)
        self.answers += 1
        if status != 200:
            self.failures.append(status)
        return True


@pytest.mark.timeout(100)
def test_make_run_restarts_a_killed_worker_and_a_killed_redis(tmp_path):
    run = MakeRun(tmp_path)
    try:
        feedback_page = run.wait_for_line("demo feedback page")
        token = feedback_page.rsplit("/q/", 1)[1]
        health = HealthWatch(run)
        worker, redis_server = run.role_pid("worker"), run.role_pid("redis")
        assert worker and redis_server, run.tail()
        redis_at = redis_socket(redis_server)
        assert redis_at == str(run.instance / "redis" / "redis.sock")

        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: "run: worker exited (rc -9); restarting in 1 s" in run.output() and health.probe(),
                   10, "the worker's exit reported", run)
        new_worker = wait_until(lambda: health.probe() and (pid := run.role_pid("worker")) != worker and pid,
                                15, "a new worker", run)

        os.kill(redis_server, signal.SIGKILL)
        wait_until(lambda: "run: redis exited (rc -9); restarting in 1 s" in run.output() and health.probe(),
                   10, "the private Redis' exit reported", run)
        new_redis = wait_until(lambda: health.probe() and (pid := run.role_pid("redis")) != redis_server and pid,
                               15, "a new private Redis", run)
        assert redis_socket(new_redis) == redis_at, "the roles' REDIS_URL names the old socket"
        # redis-server moves into its --dir itself, a moment after it starts (the pid can be
        # read before that: seen once in CI as the project root).
        data_dir = str(run.instance / "redis")
        assert wait_until(lambda: os.readlink(f"/proc/{new_redis}/cwd") == data_dir, 5, "the new Redis in the same data dir", run)
        # The worker and scheduler lost their Redis: whether they waited or were restarted,
        # each is running again.
        wait_until(lambda: health.probe() and run.role_pid("worker") and run.role_pid("scheduler"),
                   30, "the worker and the scheduler back", run)
        assert new_worker

        before = sqlite3.connect(run.instance / "feedback.db").execute("SELECT count(*) FROM ratings").fetchone()[0]
        assert submit_rating(run, token) == 201
        stored, folded = wait_until(lambda: health.probe() and all_folded(run), 20, "the new rating folded", run)
        assert stored == folded == before + 1

        assert health.failures == [], f"/healthz did not answer: {health.failures}"
        assert health.answers > 10
        assert "run: error" not in run.output()

        run.processes()
        run.process.send_signal(signal.SIGTERM)
        assert run.wait() == 0
        assert run.left_running() == set(), f"orphans left running:\n{run.tail()}"
    finally:
        run.kill_all()


@pytest.mark.timeout(100)
def test_make_run_restarts_the_web_on_the_same_port(tmp_path):
    run = MakeRun(tmp_path)
    try:
        run.wait_for_line("demo feedback page")
        web = run.role_pid("web")
        assert web, run.tail()
        old_workers = descendants(web)
        assert old_workers, run.tail()

        os.kill(web, signal.SIGKILL)  # the master only: its workers would keep holding the port
        wait_until(lambda: "run: web exited (rc -9); restarting in 1 s" in run.output(), 10, "the web's exit", run)

        def answers() -> bool:
            try:
                return get(f"{run.base}/healthz") == 200 and run.role_pid("web") not in (None, web)
            except OSError:
                return False

        wait_until(answers, 30, "the web answering again on its port", run)
        assert get(f"{run.base}/readyz") == 200
        # The old master's workers went with it, not left serving beside the new ones.
        assert {pid for pid in old_workers if alive(pid)} == set()
        assert "Connection in use" not in run.output()

        run.processes()
        run.process.send_signal(signal.SIGINT)
        assert run.wait() == 0
        assert run.left_running() == set(), f"orphans left running:\n{run.tail()}"
    finally:
        run.kill_all()


@pytest.mark.timeout(100)
def test_make_run_gives_up_on_a_role_that_cannot_start(tmp_path):
    # A setting only the scheduler is given, and that it cannot read: it fails at every start.
    run = MakeRun(tmp_path, "--role-env", "scheduler:SWEEP_INTERVAL_SECONDS=soon")
    try:
        deadline = time.monotonic() + 80
        while run.process.poll() is None and time.monotonic() < deadline:
            run.processes()  # every scheduler started, for the orphan check below
            time.sleep(0.2)
        code = run.wait(timeout=1)
        output = run.output()
        assert code != 0
        for delay in (1, 2, 4, 8):
            assert re.search(rf"^run: scheduler exited \(rc \d+\); restarting in {delay} s$", output, re.MULTILINE), output
        assert re.search(r"^run: error: scheduler exited 5 times, each within 10 s of its start", output,
                         re.MULTILINE), output[-3000:]
        # Its last output lines say why, after the give-up line.
        give_up = output.index("run: error: scheduler exited 5 times")
        assert "invalid literal for int() with base 10: 'soon'" in output[give_up:]
        assert "web exited" not in output and "worker exited" not in output
        assert run.left_running() == set(), f"orphans left running:\n{run.tail()}"
    finally:
        run.kill_all()


@pytest.mark.timeout(100)
def test_closing_the_terminal_stops_everything(tmp_path):
    """The operator closes the terminal window `make run` runs in: the kernel hangs the
    terminal up and sends SIGHUP; the roles (each in a session of its own) never see it."""
    run = MakeRun(tmp_path, terminal=True)
    try:
        run.wait_for_line("demo feedback page")
        assert get(f"{run.base}/healthz") == 200
        pids = {role: run.role_pid(role) for role in ("web", "worker", "long_worker", "scheduler", "redis")}
        assert all(pids.values()), f"{pids}\n{run.tail()}"

        run.close_terminal()

        assert run.wait() == 0, "run.py did not stop as on SIGTERM"
        assert run.left_running() == set(), f"left running after the terminal closed:\n{run.tail()}"
        assert descendants(run.process.pid) == set()
        assert not answers_on(run.port), f"something still listens on port {run.port}"
        assert not (run.instance / "redis" / "redis.sock").exists(), "the private Redis did not shut down"
    finally:
        run.kill_all()


# ESC ] 0 ; … BEL retitles the window, ESC [ 2 J clears the screen, CR goes back to overwrite
# the start of the line, and U+009B is CSI to some terminals.
HOSTILE = "GET /\\x1b]0;owned\\x07\\x1b[2J\\rrun: ready\\x9b31m\\x00\\x7f\\tend"


@pytest.mark.timeout(30)
def test_a_roles_output_is_echoed_with_its_control_characters_escaped(capsys):
    """A log line carries what a visitor sent (a path, a header): echoed as text, it must not
    drive the operator's terminal."""
    role = command_role("web", [sys.executable, "-c", f"print('{HOSTILE}'); print('next line')"])
    supervisor = Supervisor(grace_seconds=5)
    supervisor.start(role)
    try:
        role.process.wait(10)
        role.drain()
    finally:
        supervisor.stop()
    echoed = capsys.readouterr().out
    lines = echoed.splitlines()
    # A tab stays a tab.
    assert lines[:2] == ["web         | GET /\\x1b]0;owned\\x07\\x1b[2J\\rrun: ready\\x9b31m\\x00\\x7f\tend",
                         "web         | next line"], echoed
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]", echoed.replace("\n", "")), repr(echoed)
    # The lines kept for a give-up message are the escaped ones too.
    assert role.last_output()[0] == lines[0].split(" | ", 1)[1]

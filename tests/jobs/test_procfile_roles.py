"""Each Procfile role behaves the same under any process manager (make run, systemd, a
platform): a fatal start error exits non-zero, so the manager sees a failed start and
not a clean stop; SIGTERM stops it promptly with exit code 0.

The Procfile's own command words run here, found on PATH in this venv, as a
Procfile runner or a systemd unit (config/systemd/) would run them.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from make_run import ROOT, free_port, procfile

BIN = Path(sys.executable).parent
# What each role prints once it is up and waiting for work.
UP_LINE = {"worker": "Listening on", "long_worker": "Listening on", "scheduler": "scheduler started with"}


def role_environment(tmp_path: Path, redis_url: str, migrated_db: Path, **extra: str) -> dict[str, str]:
    database = tmp_path / "feedback.db"
    shutil.copy(migrated_db, database)
    env = {k: v for k, v in os.environ.items() if k not in {"BIND", "SECRET_KEY_FILE"}}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1",
               SECRET_KEY="procfile-roles-test", DATABASE_URL=f"sqlite:///{database}", REDIS_URL=redis_url,
               PORT=str(free_port()), WEB_CONCURRENCY="1", **extra)
    return env


def start(role: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(procfile()[role], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(role: str, process: subprocess.Popen, env: dict[str, str], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{role} exited at start:\n{log.read_text(errors='replace')[-3000:]}"
        if role == "web":
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        elif UP_LINE[role] in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{role} not up within 30 s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", ["web", "worker", "long_worker", "scheduler"])
def test_a_role_exits_non_zero_on_a_fatal_start_error(role, tmp_path, redis_server, migrated_db):
    env = role_environment(tmp_path, redis_server.url, migrated_db, SWEEP_INTERVAL_SECONDS="soon")
    log = tmp_path / f"{role}.log"
    process = start(role, env, log)
    try:
        code = process.wait(30)
    finally:
        stop_group(process)
    output = log.read_text(errors="replace")
    assert code != 0, output[-3000:]
    assert "invalid literal for int() with base 10: 'soon'" in output


@pytest.mark.timeout(60)
@pytest.mark.parametrize("role", ["web", "worker", "long_worker", "scheduler"])
def test_a_role_stops_promptly_on_sigterm(role, tmp_path, redis_server, migrated_db):
    env = role_environment(tmp_path, redis_server.url, migrated_db)
    log = tmp_path / f"{role}.log"
    process = start(role, env, log)
    try:
        wait_until_up(role, process, env, log)
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        code = process.wait(15)
        assert time.monotonic() - stopped < 10, "slower than a process manager's patience"
        assert code == 0, log.read_text(errors="replace")[-3000:]
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    """Nothing of the role may outlive the test: gunicorn's workers neither."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()

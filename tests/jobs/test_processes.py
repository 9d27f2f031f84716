"""The process roles as deployed: Procfile, gunicorn config, .env.example and `make run`'s supervisor."""
from __future__ import annotations

import multiprocessing
import os
import re
import runpy
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config
from rq import Queue

from feedback_service.extensions import rq_redis
from feedback_service.jobs import ALL_QUEUES, enqueue

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from find_redis import choose_redis, free_port  # noqa: E402

GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"


def procfile() -> dict[str, list[str]]:
    roles = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            role, command = line.split(":", 1)
            roles[role.strip()] = shlex.split(command)
    return roles


def test_procfile_declares_the_three_roles():
    roles = procfile()
    assert set(roles) == {"web", "worker", "scheduler"}
    assert roles["web"][:3] == ["gunicorn", "-c", "config/gunicorn.conf.py"]
    assert roles["web"][3] == "feedback_service:create_app()"
    assert roles["scheduler"] == ["flask", "--app", "feedback_service", "scheduler"]


def test_procfile_worker_consumes_every_queue(runner):
    """Run the Procfile's worker command itself, in burst mode, against jobs on every queue."""
    command = procfile()["worker"]
    assert command[:3] == ["flask", "--app", "feedback_service"]
    jobs = [enqueue("os.getpid", queue=name, retries=0) for name in ALL_QUEUES]

    result = runner.invoke(args=[*command[3:], "--burst"])

    assert result.exit_code == 0, result.output
    for name, job in zip(ALL_QUEUES, jobs):
        assert Queue(name, connection=rq_redis()).count == 0, f"queue {name!r} is not consumed"
        assert job.get_status(refresh=True) == "finished", name


def gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("PORT", "BIND", "WEB_CONCURRENCY", "WEB_TIMEOUT", "WEB_GRACEFUL_TIMEOUT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(GUNICORN_CONF))
    return {k: v for k, v in namespace.items() if not k.startswith("_") and not hasattr(v, "__spec__")}


def test_gunicorn_config_defaults(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == min(2 * multiprocessing.cpu_count() + 1, 9)
    assert settings["preload_app"] is True
    assert settings["accesslog"] == "-"
    assert settings["control_socket_disable"] is True
    # The supervisor must wait longer than gunicorn lets requests finish.
    import run

    assert 0 < settings["graceful_timeout"] < run.STOP_GRACE_SECONDS


def test_gunicorn_config_reads_the_environment(monkeypatch):
    assert gunicorn_settings(monkeypatch, PORT="9123")["bind"] == "127.0.0.1:9123"
    assert gunicorn_settings(monkeypatch, PORT="9123", BIND="0.0.0.0:80")["bind"] == "0.0.0.0:80"
    assert gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


def test_gunicorn_config_names_only_real_settings(monkeypatch):
    """A misspelt setting is silently ignored by gunicorn; its own Config refuses it."""
    config = Config()
    for name, value in gunicorn_settings(monkeypatch).items():
        assert name in config.settings, f"{name} is not a gunicorn setting"
        config.set(name, value)
    assert config.control_socket_disable is True


def test_env_example_lists_every_setting_of_config():
    source = (ROOT / "feedback_service" / "config.py").read_text()
    read = set(re.findall(r'(?:environ\.get|environ\[|_int|_bool|_float)\(?\s*"([A-Z][A-Z0-9_]+)"', source))
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no setting found in config.py: the pattern above needs updating"
    assert read - listed == set(), "add these to .env.example"


def test_redis_discovery_prefers_redis_url(tmp_path):
    choice = choose_redis({"REDIS_URL": "redis://redis.internal:6380/2"}, tmp_path / "redis")
    assert choice.url == "redis://redis.internal:6380/2"
    assert choice.process is None
    assert not (tmp_path / "redis").exists()


def test_redis_discovery_starts_a_private_server(tmp_path):
    choice = choose_redis({}, tmp_path / "redis")
    try:
        import redis

        assert redis.Redis.from_url(choice.url).ping()
        assert (tmp_path / "redis" / "redis.log").exists()
    finally:
        choice.process.terminate()
        choice.process.wait(10)


# --- `make run` end to end -------------------------------------------------


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


class Supervisor:
    """`scripts/run.py` in its own temp instance dir, on a free port, with a private Redis."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.log = tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items()
               if k not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "PUBLIC_BASE_URL",
                             "BIND"}}
        env.update(PORT=str(self.port), WEB_CONCURRENCY="2", DEMO_RATINGS="0")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "run.py"), "--instance-dir", str(tmp_path / "instance")],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_poster(self, timeout: float = 45, label: str = "demo poster") -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(rf"^run: {label}: (\S+)", self.output(), re.MULTILINE)
            if found:
                return found.group(1)
            assert self.process.poll() is None, f"run.py exited early:\n{self.output()[-3000:]}"
            time.sleep(0.2)
        raise AssertionError(f"no poster URL within {timeout}s:\n{self.output()[-3000:]}")

    def wait(self, timeout: float = 40) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"run.py did not stop within {timeout}s:\n{self.output()[-3000:]}") from None

    def kill_all(self, pids: set[int]) -> None:
        for pid in pids | {self.process.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.timeout(120)
def test_make_run_serves_and_stops_everything_on_sigint(tmp_path):
    supervisor = Supervisor(tmp_path)
    started: set[int] = set()
    try:
        poster = supervisor.wait_for_poster()
        base = f"http://127.0.0.1:{supervisor.port}"
        assert poster.startswith(f"{base}/")
        assert get(f"{base}/healthz") == 200
        assert get(f"{base}/readyz") == 200
        # The poster is operators' material: without a login it leads to the login page;
        # the feedback page its QR carries is printed too, and opens for anyone.
        with urllib.request.urlopen(poster, timeout=10) as response:
            assert response.status == 200 and "/login" in response.url
        feedback_page = supervisor.wait_for_poster(label="demo feedback page")
        assert feedback_page.startswith(f"{base}/q/")
        assert get(feedback_page) == 200

        started = descendants(supervisor.process.pid)
        # redis, gunicorn master with its 2 workers, worker, scheduler
        assert len(started) >= 6, supervisor.output()[-3000:]

        supervisor.process.send_signal(signal.SIGINT)
        assert supervisor.wait() == 0
        left = {pid for pid in started if alive(pid)}
        assert left == set(), f"orphans left running: {left}"
    finally:
        supervisor.kill_all(started)


@pytest.mark.timeout(120)
def test_make_run_stops_the_rest_when_a_role_dies(tmp_path):
    supervisor = Supervisor(tmp_path)
    started: set[int] = set()
    try:
        supervisor.wait_for_poster()
        started = descendants(supervisor.process.pid)
        worker = next(pid for pid in started if command_line(pid)[-1:] == ["worker"])
        os.kill(worker, signal.SIGKILL)

        assert supervisor.wait() != 0
        assert "worker exited" in supervisor.output()
        left = {pid for pid in started if alive(pid)}
        assert left == set(), f"orphans left running: {left}"
    finally:
        supervisor.kill_all(started)

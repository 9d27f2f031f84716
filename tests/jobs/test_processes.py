"""The process roles as deployed: Procfile, gunicorn config, .env.example and `make run`'s supervisor."""
from __future__ import annotations

import multiprocessing
import os
import pwd
import re
import runpy
import signal
import socket
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import redis
from factories import counter, tree
from gunicorn.config import Config
from rq import Queue

from feedback_service.extensions import rq_redis
from feedback_service.jobs import AGGREGATION, ALL_QUEUES, LONG, enqueue
from feedback_service.ratings.tokens import counter_token

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from find_redis import choose_redis  # noqa: E402
from make_run import MakeRun, command_line, get, procfile, tcp_listeners, worker_queues_of  # noqa: E402

GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"


WORKER_ROLES = ("worker", "long_worker")


def test_procfile_declares_the_roles():
    roles = procfile()
    assert set(roles) == {"web", *WORKER_ROLES, "scheduler"}
    assert roles["web"][:3] == ["gunicorn", "-c", "config/gunicorn.conf.py"]
    assert roles["web"][3] == "feedback_service:create_app()"
    assert roles["scheduler"] == ["flask", "--app", "feedback_service", "scheduler"]


def test_procfile_workers_consume_every_queue_and_the_fold_apart_from_the_long_jobs(runner):
    """Run each Procfile worker command itself, in burst mode, against a job on every queue:
    together they take them all, and no one of them takes both the fold's and the long jobs'."""
    jobs = {name: enqueue("os.getpid", queue=name, retries=0) for name in ALL_QUEUES}
    consumed: dict[str, set[str]] = {}
    for role in WORKER_ROLES:
        command = procfile()[role]
        assert command[:4] == ["flask", "--app", "feedback_service", "worker"]
        result = runner.invoke(args=[*command[3:], "--burst"])
        assert result.exit_code == 0, result.output
        consumed[role] = {name for name, job in jobs.items() if job.get_status(refresh=True) == "finished"}
        consumed[role] -= set().union(*(taken for other, taken in consumed.items() if other != role))

    assert set().union(*consumed.values()) == set(ALL_QUEUES), consumed
    for name in ALL_QUEUES:
        assert Queue(name, connection=rq_redis()).count == 0, f"queue {name!r} is not consumed"
    for role, taken in consumed.items():
        assert not {AGGREGATION, LONG} <= taken, f"{role} serves the fold and the long jobs: {taken}"
    assert consumed["long_worker"] == {LONG}


def test_a_worker_refuses_the_fold_beside_the_long_jobs(runner):
    result = runner.invoke(args=["worker", "--burst", "--queue", AGGREGATION, "--queue", LONG])
    assert result.exit_code == 2, result.output
    assert "need a worker each" in result.output
    assert runner.invoke(args=["worker", "--burst", "--queue", "exports"]).exit_code == 2


def test_make_run_starts_the_procfile_roles():
    """`make run` runs the Procfile's commands from its venv: every queue is consumed there
    too, by the same two workers."""
    import run

    started = dict(run._role_commands())
    assert set(started) == set(procfile()) == set(run.ROLES)
    for role, command in procfile().items():
        assert Path(started[role][0]).name == command[0]
        # gunicorn's config is given by its absolute path; every other word is the Procfile's.
        assert [Path(word).name if word.endswith(".py") else word for word in started[role][1:]] == \
            [Path(word).name if word.endswith(".py") else word for word in command[1:]], role
    queues = {role: worker_queues_of(started[role]) for role in WORKER_ROLES}
    assert set().union(*queues.values()) == set(ALL_QUEUES)
    assert all(not {AGGREGATION, LONG} <= set(taken) for taken in queues.values()), queues


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


def test_gunicorn_binds_a_host_without_port_on_port(monkeypatch):
    """A platform gives the port only at run time ($PORT) and routes from outside the
    container: BIND=0.0.0.0 (a config var cannot expand $PORT) listens there on $PORT."""
    assert gunicorn_settings(monkeypatch, PORT="9123", BIND="0.0.0.0")["bind"] == "0.0.0.0:9123"
    assert gunicorn_settings(monkeypatch, PORT="9123", BIND="[::]")["bind"] == "[::]:9123"
    assert gunicorn_settings(monkeypatch, PORT="9123", BIND="[::]:80")["bind"] == "[::]:80"
    assert gunicorn_settings(monkeypatch, BIND="unix:/run/sipas/web.sock")["bind"] == "unix:/run/sipas/web.sock"


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


# Another local user's attempt to reach the private Redis: stdlib only, as `nobody`.
def connect_as_nobody(sock) -> str:
    """Another local user's attempt to reach the socket, in a forked child that drops to
    `nobody` (no interpreter of its own needed: root's may sit in a home nobody can read).
    Returns the error it met, or "" if it connected."""
    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        outcome = ""
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            socket.socket(socket.AF_UNIX).connect(str(sock))
        except OSError as exc:
            outcome = type(exc).__name__
        os.write(write, outcome.encode() or b"connected")
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as answer:
        outcome = answer.read().decode()
    return "" if outcome == "connected" else outcome


def test_the_private_redis_listens_on_a_unix_socket_only_this_user_reaches(tmp_path):
    data_dir = tmp_path / "redis"
    data_dir.mkdir(mode=0o755)  # as an older `make run` left it
    choice = choose_redis({}, data_dir)
    try:
        assert choice.url.startswith("unix:///") and choice.url.endswith("/redis.sock?db=0")
        client = redis.Redis.from_url(choice.url)
        assert client.ping()
        assert (data_dir / "redis.log").exists()
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        sock = data_dir / "redis.sock"
        assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o700
        # No TCP at all: not even the loopback, where every local user could connect.
        assert client.config_get("port") == {"port": "0"}
        assert tcp_listeners(choice.process.pid) == set()
        assert "unixsocket:" in " ".join(command_line(choice.process.pid))
        if os.geteuid() == 0:
            assert connect_as_nobody(sock) == "PermissionError"
    finally:
        choice.process.terminate()
        choice.process.wait(10)


def test_every_consumer_of_redis_url_takes_the_private_redis_socket(make_app, tmp_path):
    """The web app, its rate limiter (whose library spells the scheme `redis+unix`), RQ's
    enqueue and the worker, all on `unix://…`."""
    choice = choose_redis({}, tmp_path / "redis")
    try:
        assert choice.url.startswith("unix://")
        app = make_app(REDIS_URL=choice.url, RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="2 per minute")
        with app.app_context():
            _, commune, _ = tree()
            token = counter_token(counter(commune))
            client = app.test_client()
            codes = [client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code
                     for _ in range(3)]
            assert codes == [201, 201, 429]
            private = redis.Redis.from_url(choice.url)
            assert any(b"LIMITER" in key for key in private.keys("*")), "the limits are not kept in this Redis"
            assert Queue(AGGREGATION, connection=private).count >= 1, "no fold job queued on the socket"
            result = app.test_cli_runner().invoke(args=[*procfile()["worker"][3:], "--burst"])
            assert result.exit_code == 0, result.output
            assert client.get(f"/api/v1/units/{commune.code}/summary").get_json()["responses"] == 2
            assert client.get("/readyz").status_code == 200
    finally:
        choice.process.terminate()
        choice.process.wait(10)


# --- `make run` end to end (restarts: test_supervisor.py) ----------------------


@pytest.mark.timeout(120)
def test_make_run_serves_and_stops_everything_on_sigint(tmp_path):
    supervisor = MakeRun(tmp_path)
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

        # redis, gunicorn master with its 2 workers, worker, long_worker, scheduler
        assert len(supervisor.processes()) >= 7, supervisor.tail()
        assert supervisor.role_pid("long_worker") not in (None, supervisor.role_pid("worker")), supervisor.tail()

        supervisor.process.send_signal(signal.SIGINT)
        assert supervisor.wait() == 0
        assert supervisor.left_running() == set(), f"orphans left running:\n{supervisor.tail()}"
    finally:
        supervisor.kill_all()

"""`make run`: prepare a local service, then supervise its three process roles.

Steps: secret key and Redis, `flask db upgrade`, `flask demo load`, then web
(gunicorn), worker and scheduler with one shared environment. Ctrl-C or SIGTERM
stops everything started here; if any role dies, the others are stopped too and
the exit code is non-zero, so a broken process is never left half-running.

Run it with the project's venv: `.venv/bin/python scripts/run.py [--instance-dir DIR]`.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
from find_redis import RedisUnavailable, choose_redis  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: flask and gunicorn live beside python
FLASK = [str(BIN / "flask"), "--app", "feedback_service"]
# Longer than gunicorn's graceful_timeout, so a citizen's request in flight can finish.
STOP_GRACE_SECONDS = 25
READY_TIMEOUT_SECONDS = 60


class SetupFailed(RuntimeError):
    """A step before the roles start failed; the message says what to do."""


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived."""


@dataclass
class Child:
    role: str
    process: subprocess.Popen


def say(message: str) -> None:
    print(f"run: {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance-dir", type=Path, default=ROOT / "instance",
                        help="where the secret key, SQLite database and private Redis live")
    args = parser.parse_args(argv)
    port = int(os.environ.get("PORT", "8000"))

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    roles: list[Child] = []
    private_redis: list[Child] = []
    try:
        _check_port_free(port)
        instance = args.instance_dir.resolve()
        _ensure_secret_key(instance)
        choice = choose_redis(os.environ, instance / "redis")
        if choice.process:
            private_redis.append(Child("redis", choice.process))
            say(f"started a private Redis at {choice.url}")
        _check_redis_answers(choice.url)
        env = _environment(instance, port, choice.url)

        _setup_step("db", "upgrade", env=env)
        poster, feedback_page = _load_demo(env)
        for role, command in _role_commands():
            roles.append(Child(role, subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                                      start_new_session=True)))
        _wait_until_ready(port, roles)
        say(f"ready: {env['PUBLIC_BASE_URL']}/")
        say(f"demo feedback page: {feedback_page or '(the demo printed no feedback page URL)'}")
        say(f"demo poster: {poster or '(the demo printed no poster URL)'}")
        say("  the poster needs a dashboard login: .venv/bin/flask --app feedback_service users create "
            "--username chutich --role unit_manager --unit 01273, then log in at /login")
        say("press Ctrl-C to stop")
        return _supervise(roles)
    except StopRequested:
        say("stopping")
        return 0
    except (SetupFailed, RedisUnavailable) as exc:
        print(f"run: error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        # Redis last: the worker and scheduler talk to it while they shut down.
        _stop(roles)
        _stop(private_redis)


def _request_stop(signum: int, frame: object) -> None:
    # One stop at a time: a second Ctrl-C during shutdown must not abort the cleanup.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise StopRequested


def _check_port_free(port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise SetupFailed(f"port {port} is in use: stop what runs there or choose another, "
                              f"e.g. PORT={port + 1} make run") from None


def _ensure_secret_key(instance: Path) -> None:
    """Signs the counter QR tokens: made once per instance and kept, so printed QR codes stay valid."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32) + "\n")
        say(f"wrote a new secret key to {path}")


def _check_redis_answers(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        raise SetupFailed(f"Redis at {url} does not answer ({exc}); fix REDIS_URL or unset it "
                          "to use a private redis-server") from None


def _environment(instance: Path, port: int, redis_url: str) -> dict[str, str]:
    env = dict(os.environ, PORT=str(port), REDIS_URL=redis_url)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("SECRET_KEY_FILE", str(instance / "secret_key"))
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'feedback.db'}")
    env["PYTHONUNBUFFERED"] = "1"  # log lines appear as they happen, not when a buffer fills
    return env


def _setup_step(*args: str, env: dict[str, str]) -> str:
    """Run one `flask` command to completion, echo its output, return it."""
    result = subprocess.run([*FLASK, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        if "No such command" in result.stdout:
            raise SetupFailed(f"`flask {' '.join(args)}` does not exist in this tree; "
                              "make run needs it (see feedback_service/cli/)")
        raise SetupFailed(f"`flask {' '.join(args)}` failed (exit {result.returncode}); see its output above")
    return result.stdout


def _load_demo(env: dict[str, str]) -> tuple[str | None, str | None]:
    """Load the demo units, counters and ratings (DEMO_RATINGS passes through the
    environment) and return the URLs of the command's `poster:` and `feedback page:` lines."""
    output = _setup_step("demo", "load", env=env)
    found = [re.search(rf"^{label}:\s*(https?://\S+)", output, re.MULTILINE) for label in ("poster", "feedback page")]
    poster, feedback_page = (match.group(1) if match else None for match in found)
    return poster, feedback_page


def _role_commands() -> list[tuple[str, list[str]]]:
    """The Procfile's three roles, run from this venv."""
    return [
        ("web", [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"),
                 "feedback_service:create_app()"]),
        ("worker", [*FLASK, "worker"]),
        ("scheduler", [*FLASK, "scheduler"]),
    ]


def _wait_until_ready(port: int, roles: list[Child]) -> None:
    # Probe the loopback port itself: PUBLIC_BASE_URL may name a proxy in front.
    url = f"http://127.0.0.1:{port}/readyz"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last = "no answer"
    while True:
        if died := _dead_role(roles):
            raise SetupFailed(died)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as exc:  # 503 names the check that fails, e.g. Redis
            last = exc.read().decode(errors="replace")
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SetupFailed(f"{url} was not ready within {READY_TIMEOUT_SECONDS}s: {last}")
        time.sleep(0.2)


def _dead_role(roles: list[Child]) -> str | None:
    for child in roles:
        code = child.process.poll()
        if code is not None:
            return f"{child.role} exited with code {code}; stopping the others"
    return None


def _supervise(roles: list[Child]) -> int:
    """Wait until a signal (raised as StopRequested) or until a role dies."""
    while not (died := _dead_role(roles)):
        time.sleep(0.5)
    print(f"run: error: {died}", file=sys.stderr, flush=True)
    return 1


def _stop(children: list[Child]) -> None:
    """SIGTERM each child, SIGKILL its whole process group after the grace period.

    Each child leads its own process group (start_new_session), so the final
    SIGKILL also reaches anything it forked, such as gunicorn's workers.
    """
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.role} did not stop within {STOP_GRACE_SECONDS}s; killing it")
        try:
            os.killpg(child.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is already gone
        child.process.wait()


if __name__ == "__main__":
    sys.exit(main())

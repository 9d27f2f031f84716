"""`make run`: prepare a local service, then supervise its process roles.

Steps: secret key and Redis, `flask db upgrade`, `flask demo load`, then web
(gunicorn), worker, long_worker and scheduler with one shared environment, their output
echoed as `web | …`, `worker | …`. A role that exits unexpectedly is restarted
with a backoff, and so is the private Redis (same port, same data), so a crash
or a Redis restart never takes the citizen page down (scripts/supervision.py).
Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops everything started here; a
role that fails at every start stops everything too, with its last output and a
non-zero exit code. The private Redis listens on a unix socket in instance/redis
(0700), never on TCP (scripts/find_redis.py).

Run it with the project's venv: `.venv/bin/python scripts/run.py [--instance-dir DIR]
[--role-env ROLE:NAME=VALUE …]` (e.g. `--role-env worker:LOG_LEVEL=DEBUG`).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
from find_redis import RedisChoice, RedisUnavailable, choose_redis  # noqa: E402
from supervision import (  # noqa: E402
    Role,
    RoleCannotStart,
    StopRequested,
    Supervisor,
    command_role,
    printable,
    say,
    stop_deferred,
    stop_on_signals,
    write_lines,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: flask and gunicorn live beside python
FLASK = [str(BIN / "flask"), "--app", "feedback_service"]
# Longer than gunicorn's graceful_timeout, so a citizen's request in flight can finish.
STOP_GRACE_SECONDS = 25
READY_TIMEOUT_SECONDS = 60


class SetupFailed(RuntimeError):
    """A step before the roles start failed; the message says what to do."""


ROLES = ("web", "worker", "long_worker", "scheduler")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance-dir", type=Path, default=ROOT / "instance",
                        help="where the secret key, SQLite database and private Redis live")
    parser.add_argument("--role-env", metavar="ROLE:NAME=VALUE", action="append", default=[],
                        type=_role_setting, help="a setting for one role only, e.g. worker:LOG_LEVEL=DEBUG")
    args = parser.parse_args(argv)
    port = int(os.environ.get("PORT", "8000"))

    stop_on_signals()
    supervisor = Supervisor(grace_seconds=STOP_GRACE_SECONDS)
    try:
        _check_port_free(port)
        instance = args.instance_dir.resolve()
        _ensure_secret_key(instance)
        with stop_deferred():  # a Redis started here is recorded before any Ctrl-C acts
            choice = choose_redis(os.environ, instance / "redis")
            if choice.process:
                supervisor.adopt(_private_redis_role(choice), choice.process, last=True)
        if choice.process:
            say(f"started a private Redis at {choice.url}")
        _check_redis_answers(choice.url)
        env = _environment(instance, port, choice.url)

        _setup_step("db", "upgrade", env=env)
        poster, feedback_page = _load_demo(env)
        for role, command in _role_commands():
            role_env = dict(env, **{name: value for r, name, value in args.role_env if r == role})
            supervisor.start(command_role(role, command, cwd=ROOT, env=role_env))
        _wait_until_ready(port, supervisor)
        say(f"ready: {env['PUBLIC_BASE_URL']}/")
        say(f"demo feedback page: {feedback_page or '(the demo printed no feedback page URL)'}")
        say(f"demo poster: {poster or '(the demo printed no poster URL)'}")
        say("  the poster needs a dashboard login: .venv/bin/flask --app feedback_service users create "
            "--username chutich --role unit_manager --unit 01273, then log in at /login")
        say("press Ctrl-C to stop")
        while True:
            supervisor.check()
            time.sleep(0.2)
    except StopRequested:
        say("stopping")
        return 0
    except (SetupFailed, RedisUnavailable, RoleCannotStart) as exc:
        say(f"error: {exc}", stream=sys.stderr)
        return 1
    finally:
        supervisor.stop()  # the private Redis last: the others talk to it while they shut down


def _role_setting(text: str) -> tuple[str, str, str]:
    role, _, setting = text.partition(":")
    name, equals, value = setting.partition("=")
    if role not in ROLES or not name or not equals:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ROLE:NAME=VALUE with ROLE one of {', '.join(ROLES)}")
    return role, name, value


def _private_redis_role(choice: RedisChoice) -> Role:
    """The private redis-server as a role: restarted where it was, its log shown if it cannot start."""
    def last_output() -> list[str]:
        log = choice.data_dir / "redis.log"
        if not log.exists():
            return []
        return [printable(line) for line in log.read_text(errors="replace").splitlines()[-15:]]

    return Role("redis", choice.restart, last_output)


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
    write_lines("".join(printable(line) + "\n" for line in result.stdout.splitlines()))
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
    """The Procfile's roles, run from this venv: the fold's worker and the long jobs' are two
    processes, so a fold never waits behind an export."""
    return [
        ("web", [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"),
                 "feedback_service:create_app()"]),
        ("worker", [*FLASK, "worker"]),
        ("long_worker", [*FLASK, "worker", "--queue", "long"]),
        ("scheduler", [*FLASK, "scheduler"]),
    ]


def _wait_until_ready(port: int, supervisor: Supervisor) -> None:
    """Until the web answers /readyz; roles that exit meanwhile are restarted as always."""
    # Probe the loopback port itself: PUBLIC_BASE_URL may name a proxy in front.
    url = f"http://127.0.0.1:{port}/readyz"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last = "no answer"
    while True:
        supervisor.check()
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


if __name__ == "__main__":
    sys.exit(main())

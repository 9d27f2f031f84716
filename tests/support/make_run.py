"""The process roles as deployed, seen from outside: the Procfile's commands, and
`make run`'s supervisor (scripts/run.py) started as a real process with its process tree."""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, list[str]]:
    """Role -> command words, as a Procfile runner reads them."""
    roles = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            role, command = line.split(":", 1)
            roles[role.strip()] = shlex.split(command)
    return roles


def worker_queues_of(command: list[str]) -> tuple[str, ...]:
    """The queues a `flask … worker [--queue Q]…` command consumes (the worker's own reading)."""
    from feedback_service.jobs import worker_queues

    words = command[command.index("worker") + 1:]
    return worker_queues(tuple(words[i + 1] for i, word in enumerate(words) if word == "--queue"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
    except OSError:
        return []  # gone meanwhile


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


FLASK_ROLES = {role: command[1:] for role, command in procfile().items() if command[0] == "flask"}


class MakeRun:
    """`scripts/run.py` in its own temp instance dir, on a free port, with a private Redis."""

    def __init__(self, tmp_path: Path, *extra_args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance = tmp_path / "instance"
        self.log = tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items()
               if k not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "PUBLIC_BASE_URL",
                             "BIND"}}
        env.update(PORT=str(self.port), WEB_CONCURRENCY="2", DEMO_RATINGS="0")
        # Every process started here, the restarted ones too: none may outlive the test.
        self.seen: set[int] = set()
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "run.py"), "--instance-dir", str(self.instance),
                 *extra_args],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self) -> str:
        return self.output()[-4000:]

    def wait_for_line(self, label: str, timeout: float = 45) -> str:
        """The rest of the first `run: <label>: …` line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(rf"^run: {label}: (\S+)", self.output(), re.MULTILINE)
            if found:
                return found.group(1)
            assert self.process.poll() is None, f"run.py exited early:\n{self.tail()}"
            time.sleep(0.2)
        raise AssertionError(f"no '{label}' line within {timeout}s:\n{self.tail()}")

    def wait_for_poster(self, timeout: float = 45, label: str = "demo poster") -> str:
        return self.wait_for_line(label, timeout)

    def processes(self) -> set[int]:
        """The supervisor's live descendants now (remembered for the final orphan check)."""
        found = {pid for pid in descendants(self.process.pid) if alive(pid)}
        self.seen |= found
        return found

    def role_pid(self, role: str) -> int | None:
        """The live process of a role: `worker`, `long_worker`, `scheduler`, `redis` or `web`
        (gunicorn's master)."""
        for pid in sorted(self.processes()):
            words = command_line(pid)
            # A flask role's command line ends with its Procfile command's arguments.
            if role in FLASK_ROLES and words[-len(FLASK_ROLES[role]):] == FLASK_ROLES[role]:
                return pid
            if role == "redis" and words and Path(words[0]).name.startswith("redis-server"):
                return pid
            # gunicorn's master is the supervisor's child; its workers are the master's.
            if role == "web" and "gunicorn" in " ".join(words) and _parent(pid) == self.process.pid:
                return pid
        return None

    def wait(self, timeout: float = 40) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"run.py did not stop within {timeout}s:\n{self.tail()}") from None

    def left_running(self) -> set[int]:
        return {pid for pid in self.seen if alive(pid)}

    def kill_all(self) -> None:
        for pid in self.seen | {self.process.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return None

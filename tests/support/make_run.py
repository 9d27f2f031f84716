"""The process roles as deployed, seen from outside: the Procfile's commands, and
`make run`'s supervisor (scripts/run.py) started as a real process with its process tree."""
from __future__ import annotations

import fcntl
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import termios
import threading
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


def tcp_listeners(pid: int) -> set[str]:
    """The TCP addresses (hex, as /proc/net/tcp writes them) a process listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                listening.add(fields[1])
    return listening


def answers_on(port: int) -> bool:
    """Whether anything accepts a TCP connection on the loopback port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


FLASK_ROLES = {role: command[1:] for role, command in procfile().items() if command[0] == "flask"}


class MakeRun:
    """`scripts/run.py` in its own temp instance dir, on a free port, with a private Redis.

    With `terminal=True` it runs as an operator's would: in a session of its own whose
    controlling terminal is a pseudo-terminal, its output copied from there to the log;
    `close_terminal()` then closes that terminal (the kernel sends SIGHUP)."""

    def __init__(self, tmp_path: Path, *extra_args: str, terminal: bool = False) -> None:
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
        command = [sys.executable, str(ROOT / "scripts" / "run.py"), "--instance-dir", str(self.instance),
                   *extra_args]
        self._hang_up = threading.Event()
        if terminal:
            self.process = self._start_in_terminal(command, env)
            return
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)

    def _start_in_terminal(self, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        main, side = os.openpty()
        try:
            process = subprocess.Popen(
                command, cwd=ROOT, env=dict(env, TERM="xterm"), stdin=side, stdout=side, stderr=side,
                start_new_session=True,
                # A new session's leader takes the terminal on its stdin as its controlling one.
                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        finally:
            os.close(side)
        self.log.touch()
        self._copier = threading.Thread(target=self._copy_terminal, args=(main,), daemon=True)
        self._copier.start()
        return process

    def _copy_terminal(self, main: int) -> None:
        with self.log.open("ab") as out:
            while not self._hang_up.is_set():
                if select.select([main], [], [], 0.1)[0]:
                    try:
                        data = os.read(main, 65536)
                    except OSError:  # EIO: every process holding the terminal has closed it
                        break
                    if not data:
                        break
                    out.write(data)
                    out.flush()
        os.close(main)

    def close_terminal(self) -> None:
        """As when the operator closes the terminal window."""
        self._hang_up.set()
        self._copier.join(5)

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
            # redis-server retitles itself `redis-server unixsocket:/…/redis.sock`, in one word.
            if role == "redis" and words and Path(words[0].split()[0]).name.startswith("redis-server"):
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

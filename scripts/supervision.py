"""Keeping `make run`'s processes up: restart what exits, give up only on what cannot start.

A role that exits unexpectedly is started again after a backoff (1 s, doubling to
30 s; back to 1 s once it has stayed up a while), with one line saying so. Only a
role that keeps failing at start (5 exits in a row, each within 10 s of its start)
stops the service: that is a configuration error a restart will not cure, and its
last output lines are shown. A production host does the same with systemd's
Restart= and StartLimitBurst= (config/systemd/).

A role's output reaches the operator's terminal as text only (`printable`): its lines
carry what visitors sent (a path, a header, a token), and a control character in them
must not drive the terminal. SIGHUP stops everything as SIGTERM does: closing the
terminal leaves nothing running, and output to a terminal that is gone is dropped.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

FIRST_DELAY_SECONDS = 1
MAX_DELAY_SECONDS = 30
# An exit this soon after a start means the role failed to start…
STARTUP_WINDOW_SECONDS = 10
# …and this many such exits in a row mean it cannot.
STARTUP_FAILURES_TO_GIVE_UP = 5
# A role up this long has recovered: its next exit waits FIRST_DELAY_SECONDS again.
STABLE_AFTER_SECONDS = 30
OUTPUT_LINES_KEPT = 15

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_print_lock = threading.Lock()

# C0 controls but tab, DEL and the C1 controls (U+0080-U+009F: some terminals take U+009B
# as CSI): ESC sequences recolour, retitle, move the cursor or clear the screen, CR and
# backspace overwrite what was shown, BEL rings.
_ESCAPES = {code: "\\r" if code == 0x0D else f"\\x{code:02x}"
            for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code != 0x09}


def printable(line: str) -> str:
    """The line with every control character written as an escape (`\\x1b`, `\\r`, `\\x07`)."""
    return line.translate(_ESCAPES)


def write_lines(text: str, stream=None) -> None:
    """Write whole lines at once, never interleaved with another line; dropped when the
    terminal is gone (closed: EIO; a pipe's reader exited: EPIPE) so stopping goes on."""
    with _print_lock:
        try:
            out = stream or sys.stdout
            out.write(text)
            out.flush()
        except (OSError, ValueError):
            pass


def say(message: str, stream=None) -> None:
    """One line of the supervisor's own."""
    write_lines(f"run: {message}\n", stream)


class RoleCannotStart(RuntimeError):
    """A role failed at every start; the message names it and shows its last output."""


@dataclass
class Backoff:
    """When to start a role again after it exited; pure arithmetic, no clock of its own."""

    delay: float = FIRST_DELAY_SECONDS
    quick_exits: int = 0

    def after_exit(self, uptime: float) -> float | None:
        """The wait before the next start, or None when the role keeps failing at start."""
        if uptime >= STABLE_AFTER_SECONDS:
            self.delay = FIRST_DELAY_SECONDS
        self.quick_exits = self.quick_exits + 1 if uptime < STARTUP_WINDOW_SECONDS else 0
        if self.quick_exits >= STARTUP_FAILURES_TO_GIVE_UP:
            return None
        wait, self.delay = self.delay, min(self.delay * 2, MAX_DELAY_SECONDS)
        return wait


@dataclass
class Role:
    """One supervised process: how to start it, and its state between starts.

    `launch` starts the process; it may raise (e.g. a Redis that does not answer),
    which counts as an exit at start. `last_output` gives the lines to show when
    the role cannot start.
    """

    name: str
    launch: Callable[[], subprocess.Popen]
    last_output: Callable[[], list[str]] = list
    drain: Callable[[], None] = lambda: None  # after an exit: let its last lines be echoed
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: Backoff = field(default_factory=Backoff)
    failure: str | None = None  # why the last launch raised


def command_role(name: str, command: list[str], **popen_args) -> Role:
    """A role running `command`, its output echoed line by line as `name | …`.

    It leads its own process group (start_new_session), so stopping it also
    reaches what it forked (gunicorn's workers), and a terminal's Ctrl-C reaches
    only the supervisor, which stops the roles in order.
    """
    kept: deque[str] = deque(maxlen=OUTPUT_LINES_KEPT)
    echoes: list[threading.Thread] = []

    def launch() -> subprocess.Popen:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, **popen_args)
        echoes[:] = [threading.Thread(target=_echo, args=(name, process.stdout, kept), daemon=True)]
        echoes[0].start()
        return process

    def drain() -> None:
        for echo in echoes:
            echo.join(2)  # the exited process's last lines may still be in the pipe

    def last_output() -> list[str]:
        drain()
        return list(kept)

    return Role(name, launch, last_output, drain)


def _echo(name: str, stream, kept: deque[str]) -> None:
    # Reads to the end whatever becomes of the terminal: a role blocked on a full pipe
    # would never stop.
    for raw in iter(stream.readline, b""):
        line = printable(raw.decode(errors="replace").rstrip("\n"))
        kept.append(line)
        write_lines(f"{name:<11} | {line}\n")
    stream.close()


class StopRequested(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived."""


_launching = False
_stop_pending = False


def stop_on_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP (the terminal closed) raise StopRequested in the main
    thread, once; never while a process is being started (it would escape the stop), but
    right after."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _request_stop)


def _ignore_stop_signals() -> None:
    # One stop at a time: a second Ctrl-C during shutdown must not abort the cleanup.
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _request_stop(signum: int, frame: object) -> None:
    global _stop_pending
    if _launching:
        # Not ignored yet: a process forked now would inherit the ignoring and outlive SIGTERM.
        _stop_pending = True
        return
    _ignore_stop_signals()
    raise StopRequested


@contextmanager
def stop_deferred() -> Iterator[None]:
    """Around starting a process: a stop asked meanwhile is raised once it is recorded."""
    global _launching, _stop_pending
    _launching = True
    try:
        yield
    finally:
        _launching = False
    if _stop_pending:
        _stop_pending = False
        _ignore_stop_signals()
        raise StopRequested


class Supervisor:
    """Start roles, restart those that exit, stop them all (the `last` ones after the others)."""

    def __init__(self, grace_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.roles: list[Role] = []
        self.last: list[Role] = []  # what the others use (a private Redis): stopped after them
        self.grace_seconds = grace_seconds
        self.clock = clock

    def adopt(self, role: Role, process: subprocess.Popen, last: bool = False) -> None:
        """Supervise a process started elsewhere (the private Redis `make run` began with)."""
        (self.last if last else self.roles).append(role)
        role.process, role.started_at = process, self.clock()

    def start(self, role: Role) -> None:
        self.roles.append(role)
        self._launch(role)

    def _launch(self, role: Role) -> None:
        role.restart_at, role.failure = None, None
        role.started_at = self.clock()
        with stop_deferred():
            try:
                role.process = role.launch()
            except Exception as exc:  # noqa: BLE001 - any failed launch is a failed start
                role.process, role.failure = None, str(exc)

    def check(self) -> None:
        """Notice exits, start what is due; RoleCannotStart when a role keeps failing at start."""
        for role in [*self.last, *self.roles]:
            now = self.clock()
            if role.restart_at is not None:
                if now >= role.restart_at:
                    self._launch(role)
                    if role.process:
                        say(f"{role.name} started again (pid {role.process.pid})")
                continue
            code = role.process.poll() if role.process else None
            if role.process and code is None:
                continue
            why = f"exited (rc {code})" if role.failure is None else f"did not start ({role.failure})"
            self._clear_group(role)
            wait = role.backoff.after_exit(now - role.started_at)
            if wait is None:
                raise RoleCannotStart(self._give_up_message(role, why))
            role.restart_at = now + wait
            say(f"{role.name} {why}; restarting in {wait:g} s")

    @staticmethod
    def _clear_group(role: Role) -> None:
        """Kill what the exited process left in its group: gunicorn's workers would keep the port."""
        if role.process is None:
            return
        try:
            os.killpg(role.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        role.process.wait()
        role.process = None
        role.drain()

    @staticmethod
    def _give_up_message(role: Role, why: str) -> str:
        lines = role.last_output() or ["(no output)"]
        shown = "\n".join(f"    {line}" for line in lines)
        return (f"{role.name} exited {STARTUP_FAILURES_TO_GIVE_UP} times, each within "
                f"{STARTUP_WINDOW_SECONDS} s of its start (last: {why}); stopping everything. "
                f"Its last output:\n{shown}")

    def stop(self) -> None:
        _ignore_stop_signals()
        for group in (self.roles, self.last):
            _stop(group, self.grace_seconds)


def _stop(roles: list[Role], grace_seconds: float) -> None:
    """SIGTERM each role, SIGKILL its whole process group after the grace period."""
    running = [role for role in roles if role.process is not None]
    for role in roles:
        role.restart_at = None  # a restart that was due never comes
    for role in running:
        if role.process.poll() is None:
            role.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for role in running:
        try:
            role.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{role.name} did not stop within {grace_seconds:g}s; killing it")
        # Each role leads its own process group: this also reaches anything it forked.
        try:
            os.killpg(role.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is already gone
        role.process.wait()
        role.process = None
        role.drain()

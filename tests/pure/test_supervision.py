"""`make run`'s restart policy (scripts/supervision.py) on a hand-set clock: the backoff
doubles to its cap and resets after a stable run; only a role that keeps failing at
start is given up on, and a failed launch counts as a failed start."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import supervision  # noqa: E402
from supervision import Backoff, Role, RoleCannotStart, Supervisor  # noqa: E402


def test_the_backoff_doubles_from_one_second_to_its_cap():
    backoff = Backoff()
    # Each run lasted 20 s: not a failure to start, not long enough to count as recovered.
    assert [backoff.after_exit(uptime=20) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_backoff_starts_over_after_a_stable_run():
    backoff = Backoff()
    assert [backoff.after_exit(uptime=20) for _ in range(4)] == [1, 2, 4, 8]
    assert backoff.after_exit(uptime=supervision.STABLE_AFTER_SECONDS) == 1
    assert backoff.after_exit(uptime=20) == 2


def test_five_quick_exits_in_a_row_mean_the_role_cannot_start():
    backoff = Backoff()
    assert [backoff.after_exit(uptime=0.5) for _ in range(4)] == [1, 2, 4, 8]
    assert backoff.after_exit(uptime=0.5) is None


def test_a_run_past_the_start_window_clears_the_count_of_quick_exits():
    backoff = Backoff()
    for _ in range(4):
        assert backoff.after_exit(uptime=9.9) is not None
    assert backoff.after_exit(uptime=supervision.STARTUP_WINDOW_SECONDS) is not None
    for _ in range(4):
        assert backoff.after_exit(uptime=1) is not None
    assert backoff.after_exit(uptime=1) is None


class FakeProcess:
    """Enough of Popen for the supervisor: an exit code set by the test."""

    pid = 2**22 + 12345  # above any pid in use here: killpg finds no such group
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def said(monkeypatch) -> list[str]:
    lines: list[str] = []
    monkeypatch.setattr(supervision, "say", lambda message, stream=None: lines.append(message))
    return lines


def test_an_exited_role_is_restarted_after_its_backoff_and_said_so(said):
    clock = Clock()
    started: list[FakeProcess] = []
    role = Role("worker", lambda: started.append(FakeProcess()) or started[-1])
    supervisor = Supervisor(grace_seconds=1, clock=clock)
    supervisor.start(role)

    clock.now += 60
    started[-1].returncode = -9
    supervisor.check()
    assert said == ["worker exited (rc -9); restarting in 1 s"]
    clock.now += 0.5
    supervisor.check()
    assert len(started) == 1, "restarted before its backoff was over"
    clock.now += 0.5
    supervisor.check()
    assert len(started) == 2
    assert said[-1].startswith("worker started again (pid ")


def test_a_role_failing_at_every_start_stops_the_supervisor_with_its_last_output(said):
    clock = Clock()

    def launch() -> FakeProcess:
        process = FakeProcess()
        process.returncode = 1  # dies at once
        return process

    role = Role("scheduler", launch, last_output=lambda: ["ValueError: invalid literal for int(): 'soon'"])
    supervisor = Supervisor(grace_seconds=1, clock=clock)
    supervisor.start(role)
    with pytest.raises(RoleCannotStart) as failure:
        for _ in range(20):
            clock.now += 1
            supervisor.check()
    assert [line for line in said if "restarting" in line] == [
        f"scheduler exited (rc 1); restarting in {delay} s" for delay in (1, 2, 4, 8)]
    message = str(failure.value)
    assert message.startswith("scheduler exited 5 times, each within 10 s of its start (last: exited (rc 1))")
    assert message.endswith("\n    ValueError: invalid literal for int(): 'soon'")


def test_a_launch_that_raises_counts_as_a_failed_start(said):
    clock = Clock()

    def launch() -> FakeProcess:
        raise OSError("redis-server did not start on port 6399")

    role = Role("redis", launch)
    supervisor = Supervisor(grace_seconds=1, clock=clock)
    supervisor.start(role)
    supervisor.check()
    assert said == ["redis did not start (redis-server did not start on port 6399); restarting in 1 s"]

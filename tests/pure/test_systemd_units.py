"""The systemd units shipped for a production host (config/systemd/) run exactly the
Procfile's commands, so the two cannot drift, with the restart and stop policy the
README promises."""
from __future__ import annotations

import runpy
import shlex
from pathlib import Path

import pytest
from make_run import ROOT, procfile, worker_queues_of

from feedback_service.jobs import AGGREGATION, ALL_QUEUES, LONG

UNITS = ROOT / "config" / "systemd"
UNIT_OF_ROLE = {"web": "sipas-web.service", "worker": "sipas-worker@.service",
                "long_worker": "sipas-long-worker@.service", "scheduler": "sipas-scheduler.service"}


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value given (systemd allows a key more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{name}: {line!r} outside a section"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict[str, list[str]], key: str) -> str:
    values = section.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def test_every_procfile_role_has_a_unit_and_every_unit_a_role():
    assert set(procfile()) == set(UNIT_OF_ROLE)
    assert {path.name for path in UNITS.glob("*.service")} == set(UNIT_OF_ROLE.values())


@pytest.mark.parametrize("role", sorted(UNIT_OF_ROLE))
def test_a_unit_runs_the_procfile_command_from_the_checkout(role):
    service = unit(UNIT_OF_ROLE[role])["Service"]
    checkout = Path(one(service, "WorkingDirectory"))
    program, *arguments = shlex.split(one(service, "ExecStart"))
    # The Procfile's program from the checkout's venv, its arguments word for word
    # (the gunicorn config path is relative to the working directory, as in the Procfile).
    assert Path(program).parent == checkout / ".venv" / "bin"
    assert [Path(program).name, *arguments] == procfile()[role]


@pytest.mark.parametrize("role", sorted(UNIT_OF_ROLE))
def test_a_unit_restarts_its_role_and_stops_it_gracefully(role):
    sections = unit(UNIT_OF_ROLE[role])
    service = sections["Service"]
    assert one(service, "Restart") == "always"
    assert 0 < int(one(service, "RestartSec")) <= 10
    # …but a role that fails at every start is left failed, for an operator to look at.
    assert int(one(sections["Unit"], "StartLimitBurst")) >= 3
    assert int(one(sections["Unit"], "StartLimitIntervalSec")) >= 5 * int(one(service, "RestartSec"))
    assert one(service, "KillSignal") == "SIGTERM"
    graceful = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))["graceful_timeout"]
    assert int(one(service, "TimeoutStopSec")) > graceful, "SIGKILL would cut requests gunicorn lets finish"
    assert one(service, "EnvironmentFile") == "/etc/sipas/sipas.env"
    assert one(sections["Install"], "WantedBy") == "sipas.target"


def test_the_units_consume_every_queue_and_the_fold_apart_from_the_long_jobs():
    consumed = {}
    for name in UNITS.glob("*.service"):
        command = shlex.split(one(unit(name.name)["Service"], "ExecStart"))
        if "worker" in command:
            consumed[name.name] = set(worker_queues_of(command))
    assert set().union(*consumed.values()) == set(ALL_QUEUES), consumed
    for name, queues in consumed.items():
        assert not {AGGREGATION, LONG} <= queues, f"{name} serves the fold and the long jobs"


def test_the_scheduler_is_one_unit_and_the_workers_templates():
    # Two schedulers would enqueue every periodic job twice: no instances of it.
    assert "@" not in UNIT_OF_ROLE["scheduler"]
    assert UNIT_OF_ROLE["worker"].endswith("@.service")
    assert UNIT_OF_ROLE["long_worker"].endswith("@.service")
    # The target must not pull the scheduler onto every host it is enabled on.
    assert "Wants" not in unit("sipas.target")["Unit"]

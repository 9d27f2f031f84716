"""Jobs are referred to by reference: every name resolves, and nothing enqueues by a loose string."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from feedback_service import jobs

PACKAGE = Path(jobs.__file__).resolve().parent


def test_every_job_name_resolves_to_a_function_in_worker():
    for path in jobs.ALL_JOBS:
        function = jobs.job_function(path)
        assert callable(function), path
        assert path.startswith("worker."), path
        assert inspect.getmodule(function).__name__ == path.rsplit(".", 1)[0]


def test_the_periodic_table_names_known_jobs_on_known_queues():
    assert {job.func for job in jobs.PERIODIC_JOBS} <= set(jobs.ALL_JOBS)
    assert {job.queue for job in jobs.PERIODIC_JOBS} <= set(jobs.ALL_QUEUES)
    assert len({job.name for job in jobs.PERIODIC_JOBS}) == len(jobs.PERIODIC_JOBS)


def test_every_job_has_a_queue_and_the_long_ones_theirs():
    assert set(jobs.QUEUE_OF_JOB.values()) <= set(jobs.ALL_QUEUES)
    assert jobs.QUEUE_OF_JOB[jobs.FOLD_PENDING] == jobs.AGGREGATION
    for job in (jobs.BUILD_REPORT_EXPORT, jobs.PREPARE_REPORTS, jobs.SWEEP_REPORT_EXPORTS):
        assert jobs.QUEUE_OF_JOB[job] == jobs.LONG, job
    assert {job.func: job.queue for job in jobs.PERIODIC_JOBS}[jobs.PREPARE_REPORTS] == jobs.LONG


def test_the_worker_roles_take_every_queue_and_never_the_fold_beside_the_long_jobs():
    roles = jobs.WORKER_ROLES
    assert set().union(*roles.values()) == set(jobs.ALL_QUEUES)
    for queues in roles.values():
        assert jobs.worker_queues(queues) == queues
    assert jobs.worker_queues() == roles[jobs.FOLD_WORKER]
    assert jobs.LONG not in jobs.worker_queues()
    with pytest.raises(jobs.QueuesRefused):
        jobs.worker_queues((jobs.LONG, jobs.DEFAULT, jobs.AGGREGATION))
    with pytest.raises(jobs.QueuesRefused):
        jobs.worker_queues(("exports",))


def test_a_job_goes_to_its_own_queue_only():
    with pytest.raises(ValueError, match="runs on the 'long' queue"):
        jobs.enqueue(jobs.BUILD_REPORT_EXPORT, "some-export", queue=jobs.DEFAULT, connection=object())


def _enqueue_calls():
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "enqueue":
                yield source, node


def test_every_enqueue_names_its_job_by_constant():
    calls = list(_enqueue_calls())
    assert calls, "the package enqueues jobs somewhere"
    for source, call in calls:
        if source.name == "jobs.py" and isinstance(call.func, ast.Attribute):
            continue  # RQ's own Queue.enqueue inside the one helper
        first = call.args[0]
        assert isinstance(first, ast.Name) and first.id in {
            name for name in dir(jobs) if getattr(jobs, name) in jobs.ALL_JOBS
        }, f"{source.relative_to(PACKAGE)}:{call.lineno} enqueues by {ast.unparse(first)}"


def test_the_package_never_imports_worker():
    for source in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith("worker"), source
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("worker") for alias in node.names), source

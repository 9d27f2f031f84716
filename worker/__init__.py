"""RQ jobs. Each job takes ids (never objects), raises on failure, and is
idempotent, because RQ may run a job twice after a crash.

One module per domain: `aggregation.py` (the fold), `notifications.py` (complaint
notices), `webhooks.py` (alert deliveries), `reports.py` (export files), `posters.py` (poster PDFs), `units.py` (reorganisations taking effect) and
`reports_schedule.py` (drafts and reminders); the work itself lives in
`feedback_service`, these only run it in the app's context (`in_app_context`).
"""
from __future__ import annotations

from functools import lru_cache, wraps

from flask import Flask, has_app_context


@lru_cache(maxsize=1)
def _app() -> Flask:
    from feedback_service import create_app

    return create_app()


def in_app_context(job):
    """Run a job inside the app's context: the worker's own, or a fresh one."""

    @wraps(job)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return job(*args, **kwargs)
        with _app().app_context():
            return job(*args, **kwargs)

    return wrapper

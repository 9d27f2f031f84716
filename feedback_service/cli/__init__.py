"""Operators' commands: `.venv/bin/flask --app feedback_service <command>`.

One module per command group (`units.py`, `users.py`, `clients.py`, `webhooks.py`,
`dossiers.py`, `cases.py`, `reports.py`, `aggregation.py`, `demo.py`, `workers.py`),
with `lookup.py` (clear errors for unknown names) and `redis_outage.py` (waiting out
Redis in the background roles).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import aggregation, cases, clients, demo, dossiers, reports, units, users, webhooks, workers

    for module in (aggregation, workers, units, demo, clients, webhooks, dossiers, users, cases, reports):
        module.register(app)

"""Operators' commands: `.venv/bin/flask --app feedback_service <command>`."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import aggregation, cases, clients, demo, dossiers, reports, units, users, webhooks, workers

    for module in (aggregation, workers, units, demo, clients, webhooks, dossiers, users, cases, reports):
        module.register(app)

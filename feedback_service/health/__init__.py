"""Probes and metrics for operators: `/healthz`, `/readyz`, `/metrics` (`probes.py`).

Public by design: they reveal no rating, only liveness and counts.
"""
from flask import Blueprint

health = Blueprint("health", __name__)

from . import probes  # noqa: E402,F401

"""Webhook jobs: send one delivery, and the sweep that re-queues what was lost."""
from __future__ import annotations

from feedback_service.webhooks import delivery

from . import in_app_context


@in_app_context
def deliver(delivery_id: int) -> str:
    """Attempt one delivery; returns its status afterwards (idempotent)."""
    return delivery.deliver(delivery_id)


@in_app_context
def sweep_pending() -> int:
    """Queue every pending delivery nobody holds; returns how many were queued."""
    return delivery.sweep_pending()

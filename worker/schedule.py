"""Periodic work, declared once. Run by exactly one `flask scheduler` process."""
from __future__ import annotations

from dataclasses import dataclass

from feedback_service.jobs import AGGREGATION, DEFAULT


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # dotted path, resolved by the scheduler
    queue: str
    interval_setting: str  # config key holding the interval in seconds
    timeout: int = 600


PERIODIC_JOBS = (
    # Catches whatever a lost nudge missed (Redis down at submission, a crash).
    Periodic("aggregation-sweep", "worker.aggregation.fold_pending", AGGREGATION, "SWEEP_INTERVAL_SECONDS"),
    # Sends webhook deliveries whose job was lost and those whose backoff is over.
    Periodic("webhook-sweep", "worker.webhooks.sweep_pending", DEFAULT, "SWEEP_INTERVAL_SECONDS"),
    # E-mails unit managers about new cases whose notice job was lost.
    Periodic("case-notice-sweep", "worker.notifications.sweep_unnotified", DEFAULT, "SWEEP_INTERVAL_SECONDS"),
)

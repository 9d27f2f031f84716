"""Periodic work, declared once. Run by exactly one `flask scheduler` process."""
from __future__ import annotations

from dataclasses import dataclass

from feedback_service.queues import AGGREGATION


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
)

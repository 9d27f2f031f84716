"""Aggregation jobs: fold pending ratings into the summaries."""
from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError

from feedback_service.extensions import redis_client
from feedback_service.jobs import FOLD_PENDING_KEY
from feedback_service.summaries.fold import fold_all

from . import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def fold_pending() -> int:
    """Fold every pending rating. Nudged by submissions and run by the sweep."""
    try:
        # Cleared before reading the outbox: a rating committed after this point
        # sets the key again and gets a job of its own.
        redis_client().delete(FOLD_PENDING_KEY)
    except RedisError as exc:
        log.warning("could not clear the nudge key: %s", exc)
    folded = fold_all(current_app.config["AGGREGATION_BATCH_SIZE"])
    if folded:
        log.info("folded %d ratings", folded)
    return folded

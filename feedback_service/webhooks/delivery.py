"""Sending webhook deliveries: one attempt, its outcome, and the sweep that re-queues what was lost.

The RQ jobs in `worker/webhooks.py` call `deliver` and `sweep_pending`.

Retries are scheduled here, not by RQ (the job is enqueued with retries=0): only
this code can tell a transient failure (timeout, refused connection, 5xx, 408,
429) from a permanent one (any other 4xx, a redirect), and the attempt count
must live in the database row, where operators can see it.
"""
from __future__ import annotations

import logging
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..extensions import db, redis_client
from ..jobs import DELIVER_WEBHOOK, enqueue
from ..models import WebhookDelivery
from .alerts import HOLD_KEY, QUEUED_HOLD_SECONDS, body_of, enqueue_delivery, signed_headers

BACKOFF_CAP_SECONDS = 6 * 3600
SWEEP_BATCH = 500
SENDING_KEY = "sipas:webhook:sending:{}"
TRANSIENT_STATUSES = {408, 429}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    transient: bool
    detail: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as a GET without its body: refuse it,
    # so a moved endpoint shows up as a dead delivery instead of a silent loss.
    def redirect_request(self, *args, **kwargs):
        return None


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (TimeoutError, socket.timeout):
        return Outcome(False, True, f"timeout after {timeout:g}s")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return Outcome(False, True, f"timeout after {timeout:g}s")
        return Outcome(False, True, f"connection error: {reason}")
    if 200 <= status < 300:
        return Outcome(True, False, f"HTTP {status}")
    return Outcome(False, status >= 500 or status in TRANSIENT_STATUSES, f"HTTP {status}")


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt `attempts + 1`: base, 4×base, 16×base… capped."""
    base = int(current_app.config["WEBHOOK_BACKOFF_SECONDS"])
    return min(base * 4 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


def deliver(delivery_id: int) -> str:
    """Attempt one delivery; returns its status afterwards.

    Idempotent: a delivered or dead row is never sent again, and a lock keeps two
    copies of this job (a sweep racing a slow queue) from sending at once.
    """
    lock = SENDING_KEY.format(delivery_id)
    timeout = float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    if not redis_client().set(lock, "1", nx=True, ex=int(timeout) + 30):
        log.info("delivery %s is being sent by another job", delivery_id)
        return "busy"
    try:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return delivery.status if delivery else "missing"
        endpoint = delivery.endpoint
        if not endpoint.active:
            outcome = Outcome(False, False, "endpoint deactivated")
        else:
            body = body_of(delivery)
            outcome = post(endpoint.url, body, signed_headers(endpoint.secret, delivery.message_id, body), timeout)
        retry_in = _record(delivery, outcome)
    finally:
        redis_client().delete(lock)
    if retry_in == 0:
        enqueue_delivery(delivery_id)
    elif retry_in is not None:
        # No RQ scheduler runs in the worker: the hold key expires when the wait
        # is over, and the periodic sweep then queues the next attempt.
        redis_client().set(HOLD_KEY.format(delivery_id), "backoff", ex=retry_in)
    return delivery.status


def _record(delivery: WebhookDelivery, outcome: Outcome) -> int | None:
    """Store the attempt; returns seconds until the next one, or None for none."""
    max_attempts = int(current_app.config["WEBHOOK_MAX_ATTEMPTS"])
    delivery.attempts += 1
    retry_in = None
    if outcome.delivered:
        delivery.status = "delivered"
        delivery.delivered_at = clock.now()
        delivery.last_error = None
    else:
        delivery.last_error = f"attempt {delivery.attempts}: {outcome.detail}"
        if outcome.transient and delivery.attempts < max_attempts:
            retry_in = backoff_seconds(delivery.attempts)
        else:
            delivery.status = "dead"
    db.session.commit()
    log.info("delivery %s (%s) attempt %d: %s -> %s", delivery.id, delivery.message_id, delivery.attempts,
             outcome.detail, delivery.status)
    return retry_in


def sweep_pending() -> int:
    """Queue every pending delivery nobody holds: its job was lost (Redis down at
    submission, a crash) or its backoff is over. Returns how many were queued."""
    ids = db.session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")
                             .order_by(WebhookDelivery.id).limit(SWEEP_BATCH)).all()
    queued = 0
    for delivery_id in ids:
        if redis_client().set(HOLD_KEY.format(delivery_id), "queued", nx=True, ex=QUEUED_HOLD_SECONDS):
            enqueue(DELIVER_WEBHOOK, delivery_id, timeout=60, retries=0)
            queued += 1
    if queued:
        log.info("re-queued %d webhook deliveries", queued)
    return queued

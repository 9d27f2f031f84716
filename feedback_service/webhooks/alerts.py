"""Negative-feedback alerts, sent as Standard Webhooks (https://www.standardwebhooks.com).

A unit that configured an endpoint is told at once when a citizen is unhappy
with it or with a unit below it. Delivery rows are written in the rating's own
transaction, so an alert is never lost to a crash or to Redis being down; the
send itself is a job (worker/webhooks.py) and the scheduler's sweep picks up any
row whose job was lost. Each message keeps one `message_id` across retries and
replays: receivers deduplicate on the `webhook-id` header.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from sqlalchemy import select

from .. import clock
from ..audit import audit
from ..extensions import db, redis_client
from ..jobs import DEFAULT, DELIVER_WEBHOOK, enqueue
from ..models import Counter, Dossier, Officer, Rating, Unit, WebhookDelivery, WebhookEndpoint
from ..models.ratings import negative_reasons
from ..units.tree import units_above

EVENT_NEGATIVE = "rating.negative"
SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# Receivers reject timestamps further than this from their clock (replay protection).
TIMESTAMP_TOLERANCE = 5 * 60

# While this key exists a delivery is either queued or waiting out its backoff,
# so the sweep leaves it alone. Losing the key only means an earlier retry.
HOLD_KEY = "sipas:webhook:hold:{}"
QUEUED_HOLD_SECONDS = 15 * 60

log = logging.getLogger(__name__)


class InvalidSignature(Exception):
    """A webhook whose signature or timestamp does not check out."""


# --- signing ---------------------------------------------------------------

def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header value for one attempt."""
    digest = hmac.new(_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(secret: str, message_id: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: str | bytes, *,
           tolerance: int = TIMESTAMP_TOLERANCE, now: int | None = None) -> dict:
    """Check a received webhook the way a receiver must; returns the parsed body.

    The header may carry several space-separated signatures (during a secret
    rotation); any valid `v1` one is enough.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        signatures = lowered["webhook-signature"].split()
    except (KeyError, ValueError) as exc:
        raise InvalidSignature("missing or malformed webhook headers") from exc
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance")
    text = body.decode() if isinstance(body, bytes) else body
    expected = sign(secret, message_id, timestamp, text)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("no matching signature")
    return json.loads(text)


def body_of(delivery: WebhookDelivery) -> str:
    """The exact bytes that are signed and sent (stable across attempts)."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# --- which ratings alert, and who hears ------------------------------------

def active_endpoints(unit_ids: Iterable[int]) -> list[WebhookEndpoint]:
    ids = list(unit_ids)
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.unit_id.in_(ids), WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)))


def negative_payload(rating: Rating, reasons: list[str]) -> dict:
    """The event body. Never the call-back phone number: it was given for a
    call-back by the unit, not to be copied into other systems."""
    unit = db.session.get(Unit, rating.unit_id)
    counter = db.session.get(Counter, rating.counter_id) if rating.counter_id else None
    officer = db.session.get(Officer, rating.officer_id) if rating.officer_id else None
    dossier = db.session.get(Dossier, rating.dossier_id) if rating.dossier_id else None
    return {
        "type": EVENT_NEGATIVE,
        "timestamp": clock.now().isoformat(),
        "data": {
            "rating_id": rating.id,
            "submitted_at": rating.submitted_at.isoformat(),
            "unit": {"code": unit.code, "name": unit.name},
            "counter": {"id": counter.id, "code": counter.code, "name": counter.name} if counter else None,
            "officer_code": officer.code if officer else None,
            "dossier_code": dossier.code if dossier else None,
            "procedure_code": rating.procedure_code,
            "channel": rating.channel,
            "verified": bool(rating.verified),
            "overall": rating.overall,
            "conduct": dict(rating.conduct or {}),
            "elements": dict(rating.elements or {}),
            "comment": rating.comment,
            "reasons": reasons,
        },
    }


AlertTargets = tuple[list[str], list[WebhookEndpoint]]


def alert_targets(rating: Rating) -> AlertTargets:
    """Why the rating alerts and which endpoints hear of it: every read the alert
    needs, done before the rating's write transaction begins (SQLite holds its
    write lock from the first INSERT to the commit). A positive rating costs no query."""
    reasons = negative_reasons(rating)
    if not reasons:
        return [], []
    endpoints = active_endpoints(units_above(rating.unit_id))
    if endpoints:
        # Into the identity map now, so the payload is built without a query later.
        for model, row_id in ((Unit, rating.unit_id), (Counter, rating.counter_id),
                              (Officer, rating.officer_id), (Dossier, rating.dossier_id)):
            if row_id is not None:
                db.session.get(model, row_id)
    return reasons, endpoints


def add_alert_deliveries(rating: Rating, targets: AlertTargets | None = None) -> list[WebhookDelivery]:
    """Add (not commit) one delivery per endpoint that must hear of this rating.

    Called inside the rating's transaction, after its flush, so the rows commit
    or roll back with it; `targets` from `alert_targets`, read beforehand.
    """
    reasons, endpoints = targets if targets is not None else alert_targets(rating)
    if not endpoints:
        return []
    payload = negative_payload(rating, reasons)
    deliveries = [WebhookDelivery(message_id=new_message_id(), endpoint_id=endpoint.id, rating_id=rating.id,
                                  event_type=EVENT_NEGATIVE, payload=payload, status="pending", attempts=0)
                  for endpoint in endpoints]
    db.session.add_all(deliveries)
    return deliveries


# --- getting deliveries onto the queue --------------------------------------

def enqueue_delivery(delivery_id: int) -> bool:
    """Queue one send. Best-effort: on a Redis failure the sweep sends it later."""
    try:
        redis_client().set(HOLD_KEY.format(delivery_id), "queued", ex=QUEUED_HOLD_SECONDS)
        enqueue(DELIVER_WEBHOOK, delivery_id, queue=DEFAULT, timeout=60, retries=0)
        return True
    except RedisError as exc:
        log.warning("webhook delivery %s not queued, Redis unavailable: %s", delivery_id, exc)
        return False


def send_alerts(deliveries: Iterable[WebhookDelivery]) -> int:
    """After the commit: queue the deliveries just created. Never raises."""
    queued = 0
    try:
        for delivery in deliveries:
            if enqueue_delivery(delivery.id):
                queued += 1
    except Exception:  # the rating is committed; the sweep sends whatever was not queued
        log.exception("could not queue webhook deliveries")
    return queued


def validate_url(url: str) -> str:
    """An endpoint URL must be absolute http(s); returns it stripped, else raises ValueError."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


# --- operators' changes (audited) --------------------------------------------

def set_endpoint(unit: Unit, url: str, actor: str = "cli") -> tuple[WebhookEndpoint, str]:
    """Give the unit a new endpoint and secret, replacing its active one.

    Pending deliveries move to the new endpoint (same message ids, signed with the
    new secret): the unit wants its alerts where it now listens.
    """
    url = validate_url(url)
    secret = new_secret()
    endpoint = WebhookEndpoint(unit_id=unit.id, url=url, secret=secret, active=True)
    db.session.add(endpoint)
    db.session.flush()
    replaced = active_endpoints([unit.id])
    moved = 0
    for old in replaced:
        if old.id == endpoint.id:
            continue
        old.active = False
        audit(actor, "webhook.deactivate", f"webhook_endpoint:{old.id}", {"unit": unit.code, "url": old.url})
        for delivery in db.session.scalars(select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == old.id, WebhookDelivery.status == "pending")):
            delivery.endpoint_id = endpoint.id
            moved += 1
    audit(actor, "webhook.set", f"webhook_endpoint:{endpoint.id}",
          {"unit": unit.code, "url": url, "moved_pending": moved})
    db.session.commit()
    return endpoint, secret


def replay(delivery: WebhookDelivery, actor: str = "cli") -> None:
    """Send a dead delivery again, same message id, with a fresh attempt budget.

    A delivery whose endpoint was replaced since goes to the unit's active one.
    Commits; queue with `enqueue_delivery` afterwards.
    """
    if delivery.status != "dead":
        raise ValueError(f"delivery {delivery.id} is {delivery.status}, not dead")
    endpoint = delivery.endpoint
    if not endpoint.active:
        current = active_endpoints([endpoint.unit_id])
        if not current:
            raise ValueError(f"delivery {delivery.id}: unit has no active endpoint")
        delivery.endpoint_id = current[0].id
    delivery.status = "pending"
    delivery.attempts = 0
    audit(actor, "webhook.replay", f"webhook_delivery:{delivery.id}",
          {"message_id": delivery.message_id, "endpoint": delivery.endpoint_id})
    db.session.commit()

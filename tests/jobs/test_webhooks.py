"""Negative-feedback alerts: signed, delivered once, retried, dead-lettered, replayed.

Deliveries go to a real HTTP receiver on 127.0.0.1 and are sent by a real RQ
worker on the test Redis.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from factories import counter, officer, tree
from ratings_helpers import run_worker
from webhook_receiver import WebhookReceiver

from feedback_service.extensions import db, redis_client
from feedback_service.models import AuditEntry, Rating, WebhookDelivery
from feedback_service.ratings.tokens import counter_token
from feedback_service.models.ratings import negative_reasons
from feedback_service.webhooks.alerts import HOLD_KEY, InvalidSignature, sign, verify

PHONE = "0912345678"


@pytest.fixture
def receivers():
    started: list[WebhookReceiver] = []

    def start(**behaviour) -> WebhookReceiver:
        started.append(WebhookReceiver(**behaviour).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def webhook_app(make_app):
    """An app context whose retries are immediate unless a test says otherwise."""
    def build(**overrides):
        app = make_app(**{"WEBHOOK_BACKOFF_SECONDS": 0, **overrides})
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    contexts = []
    yield build
    for context in reversed(contexts):
        context.pop()


def set_endpoint(app, unit_code: str, url: str) -> str:
    result = app.test_cli_runner().invoke(args=["webhooks", "set", "--unit", unit_code, "--url", url])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def negative_body(token: str, **extra) -> dict:
    body = {"token": token, "overall": 2, "conduct": {"greet": False, "smile": True},
            "elements": {"access": 2}, "comment": "Chờ lâu, cán bộ không chào.",
            "contact": {"phone": PHONE, "consent": True}}
    return {**body, **extra}


def submit(app, body: dict) -> int:
    response = app.test_client().post("/api/v1/ratings", json=body)
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(db.select(Rating.id).order_by(Rating.id.desc()))


def independent_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.split("_", 1)[1])
    digest = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def assert_signed(received, secret: str) -> dict:
    headers = received.headers
    assert headers["webhook-id"].startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"] == independent_signature(
        secret, headers["webhook-id"], headers["webhook-timestamp"], received.body)
    return verify(secret, headers, received.body)


# --- signing ----------------------------------------------------------------

def test_signature_is_standard_webhooks_and_verify_refuses_tampering():
    from standardwebhooks.webhooks import Webhook

    secret = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()
    body = '{"type":"rating.negative","data":{"overall":1}}'
    now = int(time.time())
    signature = sign(secret, "msg_abc", now, body)
    headers = {"webhook-id": "msg_abc", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert signature == independent_signature(secret, "msg_abc", str(now), body.encode())
    assert verify(secret, headers, body) == json.loads(body)
    assert Webhook(secret).verify(body, headers) == json.loads(body)  # the reference library agrees

    with pytest.raises(InvalidSignature):
        verify(secret, headers, body.replace("1", "5"))
    with pytest.raises(InvalidSignature):
        verify(secret, {**headers, "webhook-id": "msg_other"}, body)
    with pytest.raises(InvalidSignature):
        verify(secret, headers, body, now=now + 600)  # a replay ten minutes later
    other = "whsec_" + base64.b64encode(b"x" * 24).decode()
    with pytest.raises(InvalidSignature):
        verify(other, headers, body)
    # During a rotation the header carries several signatures; one valid is enough.
    assert verify(secret, {**headers, "webhook-signature": f"v1,bm9wZQ== {signature}"}, body)


def test_which_ratings_alert():
    def rating(**kw) -> Rating:
        return Rating(**{"overall": 4, "conduct": {"greet": True, "smile": None}, "comment": None,
                         "flag_reason": None, **kw})

    assert negative_reasons(rating()) == []
    assert negative_reasons(rating(overall=3)) == []
    assert negative_reasons(rating(overall=2)) == ["low_overall"]
    assert negative_reasons(rating(overall=1, conduct={"greet": False})) == ["low_overall", "conduct_no"]
    assert negative_reasons(rating(overall=5, comment="Cảm ơn")) == ["comment"]
    assert negative_reasons(rating(overall=1, comment="x", flag_reason="repeat")) == []


# --- the CLI ------------------------------------------------------------------

def test_set_replaces_the_old_endpoint_and_refuses_other_schemes(webhook_app):
    app = webhook_app()
    tree()
    runner = app.test_cli_runner()
    for bad in ("ftp://example.test/hook", "file:///etc/passwd", "127.0.0.1:9/hook", "javascript:alert(1)"):
        result = runner.invoke(args=["webhooks", "set", "--unit", "01273", "--url", bad])
        assert result.exit_code != 0 and "http" in result.output
    assert runner.invoke(args=["webhooks", "set", "--unit", "99999", "--url", "http://127.0.0.1:9/"]).exit_code != 0

    first = set_endpoint(app, "01273", "http://127.0.0.1:9/old")
    second = set_endpoint(app, "01273", "https://127.0.0.1:9/new")
    for secret in (first, second):
        assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert first != second
    listing = runner.invoke(args=["webhooks", "list"]).output
    assert "inactive\thttp://127.0.0.1:9/old" in listing and "\tactive\thttps://127.0.0.1:9/new" in listing
    assert first not in listing and second not in listing  # secrets are shown once only
    actions = [(a.actor, a.action) for a in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("cli", "webhook.set"), ("cli", "webhook.deactivate"), ("cli", "webhook.set")]


# --- delivery -------------------------------------------------------------------

def test_negative_rating_reaches_its_unit_and_the_units_above_once_signed(webhook_app, receivers, redis_server):
    app = webhook_app()
    _, commune, other_commune = tree()
    desk = counter(commune)
    clerk = officer(desk, "CB-0042")
    commune_hook, province_hook, other_hook = receivers(), receivers(), receivers()
    commune_secret = set_endpoint(app, "01273", commune_hook.url)
    province_secret = set_endpoint(app, "04", province_hook.url)
    set_endpoint(app, "01279", other_hook.url)

    rating_id = submit(app, negative_body(counter_token(desk), officer_code="CB-0042"))
    submit(app, {"token": counter_token(desk), "overall": 5, "conduct": {"greet": True}})  # positive: silent
    submit(app, {"token": counter_token(counter(other_commune)), "overall": 4})
    run_worker(redis_server.url)

    assert len(commune_hook.requests) == 1 and len(province_hook.requests) == 1
    assert other_hook.requests == []
    commune_event = assert_signed(commune_hook.requests[0], commune_secret)
    province_event = assert_signed(province_hook.requests[0], province_secret)
    assert commune_event == province_event
    assert commune_hook.requests[0].headers["webhook-id"] != province_hook.requests[0].headers["webhook-id"]
    assert commune_event["type"] == "rating.negative"
    data = commune_event["data"]
    assert data["rating_id"] == rating_id
    assert data["unit"] == {"code": "01273", "name": "Phường Thục Phán"}
    assert data["counter"]["id"] == desk.id and data["counter"]["name"] == desk.name
    assert data["officer_code"] == clerk.code and data["dossier_code"] is None
    assert data["channel"] == "api" and data["verified"] is False
    assert data["overall"] == 2 and data["conduct"]["greet"] is False and data["elements"] == {"access": 2}
    assert data["comment"] == "Chờ lâu, cán bộ không chào."
    assert data["reasons"] == ["low_overall", "conduct_no", "comment"]
    for received in (*commune_hook.requests, *province_hook.requests):
        assert PHONE.encode() not in received.body and PHONE[1:].encode() not in received.body
    statuses = db.session.scalars(db.select(WebhookDelivery.status)).all()
    assert statuses == ["delivered", "delivered"]

    run_worker(redis_server.url)  # nothing left to do: a delivered row is never sent again
    from worker.webhooks import deliver, sweep_pending

    assert sweep_pending() == 0
    assert deliver(db.session.scalars(db.select(WebhookDelivery.id)).first()) == "delivered"
    assert len(commune_hook.requests) == 1


def test_transient_failures_are_retried_with_the_same_message_id(webhook_app, receivers, redis_server):
    app = webhook_app(WEBHOOK_TIMEOUT_SECONDS=0.5)
    _, commune, _ = tree()
    desk = counter(commune)
    failing = receivers(fail_first=2, fail_status=500)
    slow = receivers(slow_first=1, slow_seconds=1.5)
    secret = set_endpoint(app, "01273", failing.url)
    slow_secret = set_endpoint(app, "04", slow.url)

    submit(app, negative_body(counter_token(desk)))
    run_worker(redis_server.url)

    assert [r.answered for r in failing.requests] == [500, 500, 204]
    assert len({r.headers["webhook-id"] for r in failing.requests}) == 1
    assert len(failing.accepted) == 1
    assert_signed(failing.accepted[0], secret)
    assert len(slow.requests) == 2 and len(slow.accepted) == 1  # the first timed out
    assert_signed(slow.accepted[0], slow_secret)
    rows = {d.endpoint.url: d for d in db.session.scalars(db.select(WebhookDelivery))}
    assert rows[failing.url].status == "delivered" and rows[failing.url].attempts == 3
    assert rows[slow.url].status == "delivered" and rows[slow.url].attempts == 2


def test_backoff_is_waited_out_then_the_sweep_sends(webhook_app, receivers, redis_server):
    app = webhook_app(WEBHOOK_BACKOFF_SECONDS=30)
    _, commune, _ = tree()
    hook = receivers(fail_first=1)
    set_endpoint(app, "01273", hook.url)
    submit(app, negative_body(counter_token(counter(commune))))
    from worker.webhooks import sweep_pending

    assert sweep_pending() == 0  # its job is already queued: no second one
    run_worker(redis_server.url)
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, len(hook.requests)) == ("pending", 1, 1)
    assert "HTTP 500" in delivery.last_error
    ttl = redis_client().ttl(HOLD_KEY.format(delivery.id))
    assert 0 < ttl <= 30
    assert sweep_pending() == 0  # still waiting
    redis_client().delete(HOLD_KEY.format(delivery.id))  # as if 30 s had passed
    assert sweep_pending() == 1
    run_worker(redis_server.url)
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, len(hook.accepted)) == ("delivered", 2, 1)


def test_an_endpoint_that_keeps_failing_is_dead_lettered_then_replayed(webhook_app, receivers, redis_server):
    app = webhook_app(WEBHOOK_MAX_ATTEMPTS=3)
    _, commune, _ = tree()
    hook = receivers(fail_first=1000, fail_status=503)
    secret = set_endpoint(app, "01273", hook.url)
    rating_id = submit(app, negative_body(counter_token(counter(commune))))
    run_worker(redis_server.url)

    assert len(hook.requests) == 3 and hook.accepted == []
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    runner = app.test_cli_runner()
    dead = runner.invoke(args=["webhooks", "dead"]).output
    assert f"{delivery.id}\t{delivery.message_id}\t01273\trating {rating_id}\t3 attempts" in dead
    assert "HTTP 503" in dead

    hook.fail_first = 0  # the receiving system is back
    result = runner.invoke(args=["webhooks", "replay", str(delivery.id)])
    assert result.exit_code == 0, result.output
    run_worker(redis_server.url)
    assert len(hook.accepted) == 1
    assert hook.accepted[0].headers["webhook-id"] == hook.requests[0].headers["webhook-id"]
    assert_signed(hook.accepted[0], secret)
    db.session.refresh(delivery)
    assert delivery.status == "delivered"
    assert runner.invoke(args=["webhooks", "dead"]).output == ""
    # Replaying what is not dead is refused, clearly.
    again = runner.invoke(args=["webhooks", "replay", str(delivery.id)])
    assert again.exit_code != 0 and "not dead" in again.output
    assert [a.action for a in db.session.scalars(db.select(AuditEntry))][-1] == "webhook.replay"


def test_a_4xx_answer_is_dead_at_once_and_replay_all_dead(webhook_app, receivers, redis_server):
    app = webhook_app()
    _, commune, _ = tree()
    hook = receivers(fail_first=1, fail_status=410)
    set_endpoint(app, "01273", hook.url)
    submit(app, negative_body(counter_token(counter(commune))))
    run_worker(redis_server.url)
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, len(hook.requests)) == ("dead", 1, 1)

    runner = app.test_cli_runner()
    assert runner.invoke(args=["webhooks", "replay"]).exit_code != 0  # ids or --all-dead
    assert runner.invoke(args=["webhooks", "replay", "--all-dead"]).exit_code == 0
    run_worker(redis_server.url)
    assert len(hook.accepted) == 1


def test_submission_succeeds_while_redis_is_down_and_alerts_follow(make_app, receivers, redis_server):
    hook = receivers()
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with down.app_context():
        _, commune, _ = tree()
        secret = set_endpoint(down, "01273", hook.url)
        token = counter_token(counter(commune))
    response = down.test_client().post("/api/v1/ratings", json=negative_body(token))
    assert response.status_code == 201
    with down.app_context():
        assert db.session.scalars(db.select(WebhookDelivery.status)).all() == ["pending"]

    up = make_app(REDIS_URL=redis_server.url, SQLALCHEMY_DATABASE_URI=down.config["SQLALCHEMY_DATABASE_URI"])
    with up.app_context():
        from worker.webhooks import sweep_pending

        assert sweep_pending() == 1
        run_worker(redis_server.url)
        assert len(hook.requests) == 1
        assert_signed(hook.requests[0], secret)
        assert db.session.scalars(db.select(WebhookDelivery.status)).all() == ["delivered"]

"""E-mail to unit managers about new complaint cases, through a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import email
import time

import pytest
from aiosmtpd.controller import Controller
from dashboard_helpers import PASSWORD
from factories import counter, tree
from ratings_helpers import run_worker
from redis_server import free_port

from feedback_service.extensions import db
from feedback_service.models import Case
from feedback_service.ratings.tokens import counter_token
from feedback_service.people.users import create_user

PHONE = "0912345678"
COMMENT = "Cán bộ quát tháo người dân"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def managed(make_app, smtp):
    port, inbox = smtp
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="sipas@caobang.test")
    with app.app_context():
        province, commune, other = tree()
        desk = counter(commune, name="Quầy 1")
        create_user("chair", PASSWORD, "unit_manager", commune, email="chair@thucphan.test")
        create_user("province", PASSWORD, "unit_manager", province, email="so@caobang.test")
        create_user("other", PASSWORD, "unit_manager", other, email="other@nungtricao.test")
        create_user("viewer", PASSWORD, "viewer", commune, email="viewer@thucphan.test")
        yield app, counter_token(desk), inbox


def submit(app, body):
    response = app.test_client().post("/api/v1/ratings", json=body)
    assert response.status_code == 201, response.get_json()


def wait_for(inbox, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_new_case_mails_the_managers_above_it_once_with_a_link_only(managed, redis_server):
    app, token, inbox = managed
    submit(app, {"token": token, "overall": 1, "comment": COMMENT, "contact": {"phone": PHONE, "consent": True}})
    run_worker(redis_server.url)
    wait_for(inbox, 1)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert sorted(message["X-Envelope-To"].split(", ")) == ["chair@thucphan.test", "so@caobang.test"]
    body = message.get_payload(decode=True).decode()
    case = db.session.query(Case).one()
    assert f"/dashboard/cases/{case.id}" in body and "Phường Thục Phán" in body
    assert COMMENT not in body and PHONE not in body
    assert case.notified_at is not None
    # A job that runs again (RQ after a crash) sends nothing more.
    from worker.notifications import notify_case

    assert notify_case(case.id) == "skipped"
    time.sleep(0.2)
    assert len(inbox.messages) == 1


def test_positive_rating_mails_nobody(managed, redis_server):
    app, token, inbox = managed
    submit(app, {"token": token, "overall": 5})
    run_worker(redis_server.url)
    time.sleep(0.2)
    assert inbox.messages == []


def test_the_sweep_sends_what_a_lost_job_missed(managed, redis_server, make_app):
    app, token, inbox = managed
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                    SMTP_HOST=app.config["SMTP_HOST"], SMTP_PORT=app.config["SMTP_PORT"])
    assert down.test_client().post("/api/v1/ratings", json={"token": token, "overall": 2}).status_code == 201
    from worker.notifications import sweep_unnotified

    assert sweep_unnotified() == 1
    run_worker(redis_server.url)
    wait_for(inbox, 1)
    assert len(inbox.messages) == 1
    assert sweep_unnotified() == 0


def test_without_smtp_nothing_is_queued(make_app, redis_server):
    app = make_app()
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
        submit(app, {"token": token, "overall": 1})
        from worker.notifications import sweep_unnotified

        assert sweep_unnotified() == 0
        assert db.session.query(Case).one().notified_at is None


class SlowInbox(Inbox):
    """An SMTP server that takes its time, as a busy relay does: two workers sending
    the same notice would both be inside the send at once."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import asyncio

        await asyncio.sleep(0.5)
        return await super().handle_DATA(server, session, envelope)


def _case_opened_while_redis_was_down(app, token, make_app, **smtp) -> int:
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                    **smtp)
    assert down.test_client().post("/api/v1/ratings", json={"token": token, "overall": 1}).status_code == 201
    return db.session.query(Case).one().id


def test_a_mail_outage_queues_one_notice_per_case_however_often_the_sweep_runs(make_app, redis_server):
    from rq import Queue

    from feedback_service.extensions import rq_redis
    from feedback_service.jobs import DEFAULT
    from worker.notifications import sweep_unnotified

    dead_port = free_port()  # nothing listens: every send fails, the case stays un-notified
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=dead_port)
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
        _case_opened_while_redis_was_down(app, token, make_app, SMTP_HOST="127.0.0.1", SMTP_PORT=dead_port)
        for _ in range(5):  # two and a half minutes of 30-second sweeps
            sweep_unnotified()
        assert Queue(DEFAULT, connection=rq_redis()).count == 1


def test_a_failed_send_releases_the_case_for_a_retry(make_app):
    from worker.notifications import notify_case

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with app.app_context():
        _, commune, _ = tree()
        create_user("chair", PASSWORD, "unit_manager", commune, email="chair@thucphan.test")
        token = counter_token(counter(commune))
        _case_opened_while_redis_was_down(app, token, make_app, SMTP_HOST="127.0.0.1", SMTP_PORT=1)
        case_id = db.session.query(Case.id).scalar()
        with pytest.raises(OSError):
            notify_case(case_id)
        db.session.expire_all()
        case = db.session.get(Case, case_id)
        assert case.notified_at is None and case.notifying_at is None


def test_two_workers_running_one_notice_send_one_mail(make_app):
    import threading

    from worker.notifications import notify_case

    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        with app.app_context():
            _, commune, _ = tree()
            create_user("chair", PASSWORD, "unit_manager", commune, email="chair@thucphan.test")
            token = counter_token(counter(commune))
            case_id = _case_opened_while_redis_was_down(app, token, make_app, SMTP_HOST="127.0.0.1",
                                                        SMTP_PORT=controller.port)
        outcomes = []

        def one_worker():
            with app.app_context():
                outcomes.append(notify_case(case_id))

        workers = [threading.Thread(target=one_worker) for _ in range(2)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(10)
        time.sleep(0.2)
        assert len(inbox.messages) == 1, outcomes
        assert sorted(outcomes) == ["busy", "sent"]
    finally:
        controller.stop()


def test_a_claim_left_by_a_crashed_worker_expires(managed):
    """A worker killed mid-send leaves its claim; once the claim is stale the notice goes out."""
    from datetime import datetime, timedelta, timezone

    from feedback_service.cases.notices import CLAIM_SECONDS
    from worker.notifications import notify_case

    app, token, inbox = managed
    submit(app, {"token": token, "overall": 1})
    case = db.session.query(Case).one()
    assert notify_case(case.id) == "sent"
    wait_for(inbox, 1)
    # Now pretend the send never finished: claimed long ago, not notified.
    case.notified_at = None
    case.notifying_at = datetime.now(timezone.utc) - timedelta(seconds=CLAIM_SECONDS + 60)
    db.session.commit()
    assert notify_case(case.id) == "sent"
    wait_for(inbox, 2)
    assert len(inbox.messages) == 2
    # A fresh claim (another worker sending right now) is respected.
    case.notified_at = None
    case.notifying_at = datetime.now(timezone.utc)
    db.session.commit()
    assert notify_case(case.id) == "busy"

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

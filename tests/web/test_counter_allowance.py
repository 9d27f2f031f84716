"""A counter cannot be silenced: its allowance (RATELIMIT_PER_COUNTER) counts only
well-formed ratings that would enter the indices, and above it a rating is stored
flagged `over_allowance` (thanked, kept, out of the figures), never refused. Only the
per-address limit refuses (429), and only the flooding address. Real Redis."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from factories import counter, officer, tree
from sqlalchemy import select

from feedback_service.summaries.fold import fold_all
from feedback_service.dossiers.tokens import dossier_token
from feedback_service.extensions import db
from feedback_service.models import Dossier, Rating
from feedback_service.ratings.tokens import counter_token

ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}


def citizen(n: int) -> dict:
    return {"REMOTE_ADDR": f"203.0.113.{n}"}


@pytest.fixture
def desk(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="100 per minute",
                   RATELIMIT_PER_COUNTER="3 per minute", ABUSE_COOLDOWN_SECONDS=600)
    with app.app_context():
        _, commune, _ = tree()
        desk = counter(commune)
        officer(desk, "CB-1")
        yield app, desk


def flags() -> list[str | None]:
    db.session.expire_all()
    return [r.flag_reason for r in db.session.scalars(select(Rating).order_by(Rating.id))]


JUNK_FORMS = [{"overall": "9"}, {"overall": "²"}, {}, {"overall": "4", "officer": "999999"},
              {"overall": "4", "phone": "12ab", "consent": "1"}]
JUNK_BODIES = [{"overall": 9}, {"overall": "4"}, {"elements": {"nope": 1}}, {"overall": 4, "junk": True}]


def test_refused_posts_do_not_use_up_the_counters_allowance(desk):
    app, desk = desk
    token = counter_token(desk)
    attacker = app.test_client()
    for _ in range(5):
        for data in JUNK_FORMS:
            assert attacker.post(f"/q/{token}", data=data, environ_base=ATTACKER).status_code == 422
        for body in JUNK_BODIES:
            response = attacker.post("/api/v1/ratings", json={"token": token, **body}, environ_base=ATTACKER)
            assert response.status_code == 422
        assert attacker.post("/q/forged-token", data={"overall": "5"}, environ_base=ATTACKER).status_code == 404
    # 45 refused posts later, every citizen at the counter is heard and counted.
    for n in range(3):
        phone = app.test_client()
        assert phone.post(f"/q/{token}", data={"overall": "4"}, environ_base=citizen(n)).status_code == 303
    assert flags() == [None, None, None]


def test_above_the_allowance_ratings_are_thanked_and_kept_flagged_never_refused(desk):
    app, desk = desk
    token = counter_token(desk)
    answers = []
    for n in range(4):
        answers.append(app.test_client().post(f"/q/{token}", data={"overall": "5"},
                                              environ_base=citizen(n)).status_code)
    kiosk = app.test_client().post("/api/v1/ratings?channel=kiosk", json={"token": token, "overall": 1},
                                   environ_base=citizen(9))
    assert answers == [303, 303, 303, 303]
    assert kiosk.status_code == 201 and kiosk.get_json()["flagged"] is True
    assert flags() == [None, None, None, "over_allowance", "over_allowance"]

    fold_all(100)
    summary = app.test_client().get(f"/api/v1/counters/{desk.id}/summary").get_json()
    assert summary["responses"] == 3 and summary["flagged"] == 2


def test_honeypot_and_cooldown_repeats_do_not_use_up_the_allowance(desk):
    app, desk = desk
    token = counter_token(desk)
    bot = app.test_client()
    for _ in range(4):
        bot.post(f"/q/{token}", data={"overall": "1", "website": "http://spam.example"}, environ_base=ATTACKER)
    repeater = app.test_client()
    for _ in range(4):
        repeater.post(f"/q/{token}", data={"overall": "1"}, environ_base=citizen(50))
    for n in range(2):
        app.test_client().post(f"/q/{token}", data={"overall": "5"}, environ_base=citizen(n))
    assert flags() == ["honeypot"] * 4 + [None, "cooldown", "cooldown", "cooldown"] + [None, None]


def test_a_flood_from_one_address_is_refused_only_for_that_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="5 per minute", RATELIMIT_PER_COUNTER="3 per minute")
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
        attacker = app.test_client()
        codes = [attacker.post(f"/q/{token}", data={"overall": "9"}, environ_base=ATTACKER).status_code
                 for _ in range(7)]
        assert codes == [422] * 5 + [429] * 2
        assert app.test_client().post(f"/q/{token}", data={"overall": "4"},
                                      environ_base=citizen(1)).status_code == 303
        assert flags() == [None]


def _dossier(desk, code: str) -> Dossier:
    received = datetime(2026, 10, 8, 2, 30, tzinfo=timezone.utc)
    row = Dossier(code=code, unit_id=desk.unit_id, counter_id=desk.id, procedure_code="1.001612",
                  procedure_name="Đăng ký khai sinh", channel="in_person", received_at=received,
                  received_day=received.date(), returned_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.add(row)
    db.session.commit()
    return row


def test_a_dossier_rating_is_never_blocked_or_flagged_by_the_counters_allowance(desk):
    app, desk = desk
    leaked, mine = _dossier(desk, "H15.50.05.13-261008-0975"), _dossier(desk, "H15.50.05.13-261008-0976")
    # Junk on a leaked receipt's page and a full allowance at the counter's poster...
    for _ in range(10):
        assert app.test_client().post(f"/d/{dossier_token(leaked)}", data={"overall": "7"},
                                      environ_base=ATTACKER).status_code == 422
    for n in range(4):
        app.test_client().post(f"/q/{counter_token(desk)}", data={"overall": "5"}, environ_base=citizen(n))
    # ...and the citizen holding the other receipt is heard, verified and counted: a dossier
    # takes one rating, so its page needs no counter allowance.
    response = app.test_client().post(f"/d/{dossier_token(mine)}", data={"overall": "4"},
                                      environ_base=citizen(20))
    assert response.status_code == 303
    rating = db.session.scalars(select(Rating).where(Rating.dossier_id == mine.id)).one()
    assert rating.verified and rating.flag_reason is None


def test_no_allowance_when_limits_are_switched_off(make_app):
    app = make_app(RATELIMIT_ENABLED=False, RATELIMIT_PER_COUNTER="1 per minute")
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
        client = app.test_client()
        assert all(client.post("/api/v1/ratings", json={"token": token, "overall": 4}).get_json()["flagged"]
                   is False for _ in range(5))

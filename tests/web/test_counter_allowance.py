"""A counter cannot be silenced. Allowances count only well-formed ratings that would
enter the indices: first each client's own at the counter (RATELIMIT_PER_CLIENT; above it
that client's ratings are flagged `over_own_allowance`), then the counter's ceiling over
all clients (RATELIMIT_PER_COUNTER; `over_allowance`). Above either a rating is thanked,
kept and left out of the figures, never refused. Only the per-address limit refuses
(429), and only the flooding address. Real Redis."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from factories import counter, officer, tree
from sqlalchemy import select

from feedback_service.summaries.fold import fold_all
from feedback_service.dossiers.tokens import dossier_token
from feedback_service.extensions import db
from feedback_service.models import Case, Dossier, Rating
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


def counted_and_flagged(app, desk) -> tuple[int, int]:
    """The counter's summary after a fold: (responses, flagged)."""
    fold_all(100)
    summary = app.test_client().get(f"/api/v1/counters/{desk.id}/summary").get_json()
    return summary["responses"], summary["flagged"]


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
    assert counted_and_flagged(app, desk) == (3, 2)


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


@pytest.fixture
def office(make_app):
    """A counter whose clients may send 3 ratings a minute each, 5 together."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="100 per minute", RATELIMIT_PER_CLIENT="3 per minute",
                   RATELIMIT_PER_COUNTER="5 per minute", ABUSE_COOLDOWN_SECONDS=600)
    with app.app_context():
        _, commune, _ = tree()
        yield app, counter(commune)


def rate(app, token: str, address: dict, **form) -> int:
    """One post from a fresh browser (a flooder drops its cookies, so no cool-down)."""
    return app.test_client().post(f"/q/{token}", data={"overall": "5", **form}, environ_base=address).status_code


@pytest.mark.postgres_too  # the new flag reason fits ratings.flag_reason (VARCHAR(20)) where widths are enforced
def test_one_clients_flood_flags_that_client_and_not_the_citizen_after_it(office):
    app, desk = office
    token = counter_token(desk)
    flood = [rate(app, token, ATTACKER) for _ in range(4)]
    flood += [app.test_client().post("/api/v1/ratings", json={"token": token, "overall": 1},
                                     environ_base=ATTACKER).status_code for _ in range(4)]
    assert flood == [303] * 4 + [201] * 4
    # Same counter, same minute, another client: counted.
    assert rate(app, token, citizen(1), overall="4") == 303
    assert flags() == [None] * 3 + ["over_own_allowance"] * 5 + [None]
    assert counted_and_flagged(app, desk) == (4, 5)


@pytest.mark.postgres_too  # both reasons fold there: summary_answers.answer holds 20 characters
def test_the_counters_ceiling_counts_only_what_each_client_was_allowed(office):
    app, desk = office
    token = counter_token(desk)
    for _ in range(5):
        rate(app, token, ATTACKER)
    # The flood used 3 of the ceiling's 5: two more clients are counted, then the ceiling flags.
    for n in range(4):
        rate(app, token, citizen(n))
    assert flags() == [None] * 3 + ["over_own_allowance"] * 2 + [None, None, "over_allowance", "over_allowance"]
    assert counted_and_flagged(app, desk) == (5, 4)


def test_an_ipv6_client_is_its_whole_64_and_the_next_64_is_another(office):
    app, desk = office
    token = counter_token(desk)
    for host in ("a", "b", "c", "d"):  # a flooder changing address inside its /64
        rate(app, token, {"REMOTE_ADDR": f"2001:db8:15:7::{host}"})
    rate(app, token, {"REMOTE_ADDR": "2001:db8:15:8::a"})
    # An IPv4 client on a dual-stack socket is that IPv4 address, not a /64 shared with others.
    rate(app, token, {"REMOTE_ADDR": "::ffff:203.0.113.9"})
    assert flags() == [None] * 3 + ["over_own_allowance", None, None]


def test_a_kiosk_is_one_client_never_cooled_down_and_the_api_says_what_was_flagged(office):
    app, desk = office
    token = counter_token(desk)
    kiosk = app.test_client()  # one browser, citizens one after another
    for _ in range(4):
        assert kiosk.post(f"/q/{token}?channel=kiosk", data={"overall": "4"}, environ_base=citizen(7)).status_code == 303
    api = [app.test_client().post("/api/v1/ratings?channel=kiosk", json={"token": token, "overall": 4},
                                  environ_base=address).get_json()["flagged"] for address in (citizen(7), citizen(8))]
    assert api == [True, False]
    db.session.expire_all()
    assert [(r.channel, r.flag_reason) for r in db.session.scalars(select(Rating).order_by(Rating.id))] == [
        ("kiosk", None), ("kiosk", None), ("kiosk", None), ("kiosk", "over_own_allowance"),
        ("kiosk", "over_own_allowance"), ("kiosk", None)]


def test_the_default_ceiling_leaves_room_for_a_busy_counters_minute(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="100 per minute")
    with app.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
        for n in range(25):
            rate(app, token, citizen(n))
        assert flags() == [None] * 25


def test_a_citizen_flagged_after_a_flood_who_left_a_number_still_gets_a_case(office):
    app, desk = office
    token = counter_token(desk)
    for n in range(5):  # many clients fill the ceiling
        rate(app, token, citizen(n))
    assert rate(app, token, citizen(40), overall="1", comment="Chờ cả buổi sáng", phone="0912 345 678",
                consent="1") == 303
    db.session.expire_all()
    complaint = db.session.scalars(select(Rating).order_by(Rating.id.desc())).first()
    assert complaint.flag_reason == "over_allowance"
    case = db.session.scalar(select(Case).where(Case.rating_id == complaint.id))
    assert case is not None and case.reasons == ["low_overall", "comment"]
    assert case.events[0].detail == {"reasons": ["low_overall", "comment"], "flag_reason": "over_allowance"}

"""The per-browser cool-down: a repeat from one personal phone is flagged, but a kiosk
(a device citizens share, one after another) never flags the next citizen, and the
cool-down lives in a cookie of its own, never in the dashboard's login session."""
from __future__ import annotations

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, tree
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import Case, Rating
from feedback_service.ratings.tokens import counter_token

COOLDOWN_COOKIE = "sipas_cooldown"  # a fixed point: a rename would reset every phone's cool-down


@pytest.fixture
def desk(make_app):
    app = make_app(ABUSE_COOLDOWN_SECONDS=600)
    with app.app_context():
        _, commune, _ = tree()
        desk = counter(commune)
        yield app, desk


def ratings() -> list[tuple[str, str | None]]:
    db.session.expire_all()
    return [(r.channel, r.flag_reason) for r in db.session.scalars(select(Rating).order_by(Rating.id))]


def test_a_kiosk_on_the_form_never_flags_the_next_citizen(desk):
    app, desk = desk
    kiosk = app.test_client()
    for comment in ("Chờ lâu quá", "Cán bộ không hướng dẫn"):
        response = kiosk.post(f"/q/{counter_token(desk)}?channel=kiosk",
                              data={"overall": "2", "comment": comment})
        assert response.status_code == 303
    assert ratings() == [("kiosk", None), ("kiosk", None)]
    # Each citizen's complaint is a case of its own, none hidden.
    assert db.session.query(Case).count() == 2


def test_the_kiosk_form_posts_back_as_a_kiosk(desk):
    app, desk = desk
    html = app.test_client().get(f"/q/{counter_token(desk)}?channel=kiosk").get_data(as_text=True)
    assert 'action=""' in html or "channel=kiosk" in html


def test_a_kiosk_through_the_api_never_flags_the_next_citizen(desk):
    app, desk = desk
    kiosk = app.test_client()
    for _ in range(2):
        response = kiosk.post("/api/v1/ratings?channel=kiosk", json={"token": counter_token(desk), "overall": 1})
        assert response.status_code == 201 and response.get_json()["flagged"] is False
    assert ratings() == [("kiosk", None), ("kiosk", None)]
    # An app on one person's phone still has the cool-down.
    app_client = app.test_client()
    flags = [app_client.post("/api/v1/ratings", json={"token": counter_token(desk), "overall": 5})
             .get_json()["flagged"] for _ in range(2)]
    assert flags == [False, True]


def test_a_personal_phone_is_still_flagged_on_a_repeat(desk):
    app, desk = desk
    phone = app.test_client()
    for _ in range(2):
        assert phone.post(f"/q/{counter_token(desk)}", data={"overall": "5"}).status_code == 303
    assert ratings() == [("counter_qr", None), ("counter_qr", "cooldown")]


def test_the_cooldown_is_its_own_short_cookie_and_leaves_the_login_session_alone(desk):
    app, desk = desk
    make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    browser = app.test_client()
    assert log_in(browser, "chu-tich").status_code == 302
    session_before = browser.get_cookie("session")
    assert session_before is not None and session_before.expires is None  # ends with the browser

    response = browser.post(f"/q/{counter_token(desk)}", data={"overall": "5"})
    assert response.status_code == 303
    set_cookies = response.headers.getlist("Set-Cookie")
    # Rating does not touch the login session: no new session cookie, least of all a 31-day one.
    assert not any(c.startswith("session=") for c in set_cookies), set_cookies
    cooldown = [c for c in set_cookies if c.startswith(f"{COOLDOWN_COOKIE}=")]
    assert len(cooldown) == 1
    assert "Max-Age=600" in cooldown[0] and "HttpOnly" in cooldown[0] and "SameSite=Lax" in cooldown[0]
    assert browser.get_cookie("session").expires is None
    assert browser.get("/dashboard/units/01273").status_code == 200  # still logged in

    # And the cool-down still works from its own cookie.
    browser.post(f"/q/{counter_token(desk)}", data={"overall": "5"})
    assert ratings() == [("counter_qr", None), ("counter_qr", "cooldown")]


def test_a_citizen_without_a_login_gets_no_session_cookie(desk):
    app, desk = desk
    response = app.test_client().post(f"/q/{counter_token(desk)}", data={"overall": "4"})
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_a_forged_or_garbled_cooldown_cookie_is_ignored(desk):
    app, desk = desk
    phone = app.test_client()
    phone.set_cookie(COOLDOWN_COOKIE, "not-a-signed-value")
    assert phone.post(f"/q/{counter_token(desk)}", data={"overall": "5"}).status_code == 303
    assert ratings() == [("counter_qr", None)]


def test_switching_language_on_a_kiosk_stays_a_kiosk(desk):
    app, desk = desk
    kiosk = app.test_client()
    html = kiosk.get(f"/q/{counter_token(desk)}?channel=kiosk").get_data(as_text=True)
    assert 'href="?lang=en&amp;channel=kiosk"' in html
    english = kiosk.get(f"/q/{counter_token(desk)}?lang=en&channel=kiosk").get_data(as_text=True)
    assert 'href="?lang=vi&amp;channel=kiosk"' in english
    # A citizen's own phone gets the plain link.
    assert 'href="?lang=en"' in app.test_client().get(f"/q/{counter_token(desk)}").get_data(as_text=True)

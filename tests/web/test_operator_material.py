"""Operators' material: counter tokens, QR images and posters are not for anonymous callers.

Anyone may list a unit's counters (names are public), but the feedback URL (which carries
the token), the QR images and the poster are for a logged-in dashboard user whose subtree
holds the counter, or an API key scoped to the counter's unit. Otherwise a script could
rate every counter of a province without visiting one, and a rotated QR's new token would
be public at once.
"""
from __future__ import annotations

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, create_key, tree
from qr_reader import decode

from feedback_service.extensions import db
from feedback_service.ratings.tokens import counter_token, counter_url

BASE = "http://sipas.test"
LINKS = ("feedback_url", "qr_png", "qr_svg", "poster")


@pytest.fixture
def world(app, runner):
    """Province 04 → commune 01273 (desk Q1) and 01279 (desk Q1); keys and accounts for each."""
    _, commune_a, commune_b = tree()
    desk_a, desk_b = counter(commune_a, "Q1"), counter(commune_b, "Q1")
    make_user(runner, "chu-tich-a", "unit_manager", "01273")
    make_user(runner, "xem-a", "viewer", "01273")
    return {
        "desk_a": desk_a, "desk_b": desk_b,
        "key_a": {"Authorization": f"Bearer {create_key(runner, '01273')}"},
        "key_province": {"Authorization": f"Bearer {create_key(runner, '04')}"},
    }


def logged_in(app, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def _listing(client, code: str = "04", headers: dict | None = None) -> dict:
    response = client.get(f"/api/v1/units/{code}/counters", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --- the counter list ----------------------------------------------------------------------

def test_anonymous_counter_list_names_counters_but_carries_no_token_or_links(client, world):
    desk_a = world["desk_a"]
    response = client.get("/api/v1/units/04/counters")
    body = response.get_json()
    assert [c["id"] for c in body["counters"]] == [desk_a.id, world["desk_b"].id]
    for row in body["counters"]:
        assert not set(LINKS) & set(row), row
    assert counter_token(desk_a) not in response.get_data(as_text=True)


def test_a_rotated_qr_is_not_published_to_anonymous_callers(client, world):
    desk = world["desk_a"]
    desk.qr_version += 1
    db.session.commit()
    text = client.get("/api/v1/units/01273/counters").get_data(as_text=True)
    assert counter_token(desk) not in text and "/q/" not in text


def test_a_key_sees_the_links_of_its_own_subtree_only(client, world):
    desk_a, desk_b = world["desk_a"], world["desk_b"]
    rows = {c["id"]: c for c in _listing(client, "04", world["key_a"])["counters"]}
    assert rows[desk_a.id]["feedback_url"] == counter_url(desk_a)
    assert rows[desk_a.id]["qr_png"] == f"{BASE}/api/v1/counters/{desk_a.id}/qr.png"
    assert rows[desk_a.id]["poster"] == f"{BASE}/counters/{desk_a.id}/poster"
    assert not set(LINKS) & set(rows[desk_b.id])  # the sibling commune's desk: name only
    province = {c["id"]: c for c in _listing(client, "04", world["key_province"])["counters"]}
    assert province[desk_b.id]["feedback_url"] == counter_url(desk_b)


def test_a_logged_in_user_sees_the_links_of_their_subtree(app, world):
    rows = {c["id"]: c for c in _listing(logged_in(app, "xem-a"), "04")["counters"]}
    assert rows[world["desk_a"].id]["feedback_url"] == counter_url(world["desk_a"])
    assert "feedback_url" not in rows[world["desk_b"].id]


def test_an_unknown_key_on_the_counter_list_is_a_401_not_an_anonymous_answer(client, world):
    response = client.get("/api/v1/units/04/counters", headers={"Authorization": "Bearer sk_wrongwrongwrongwrong"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- QR images -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_images_refuse_anonymous_callers_and_other_units(client, world, fmt):
    desk = world["desk_a"]
    anonymous = client.get(f"/api/v1/counters/{desk.id}/qr.{fmt}")
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"
    other = client.get(f"/api/v1/counters/{world['desk_b'].id}/qr.{fmt}", headers=world["key_a"])
    assert other.status_code == 403
    assert other.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("fmt, suffix", [("png", ".png"), ("svg", ".svg")])
def test_qr_images_for_a_scoped_key_or_user_are_private_to_them(app, client, world, fmt, suffix):
    desk = world["desk_a"]
    for caller, headers in ((client, world["key_a"]), (client, world["key_province"]),
                            (logged_in(app, "chu-tich-a"), {})):
        response = caller.get(f"/api/v1/counters/{desk.id}/qr.{fmt}", headers=headers)
        assert response.status_code == 200
        assert decode(response.data, suffix) == [counter_url(desk)]
        # Behind a key or a login: no shared cache may keep it for the next caller.
        assert response.cache_control.private and not response.cache_control.public
    refused = logged_in(app, "chu-tich-a").get(f"/api/v1/counters/{world['desk_b'].id}/qr.{fmt}")
    assert refused.status_code == 403


# --- the poster ------------------------------------------------------------------------------

def test_poster_sends_anonymous_callers_to_the_login(client, world):
    desk = world["desk_a"]
    response = client.get(f"/counters/{desk.id}/poster")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert counter_token(desk) not in response.get_data(as_text=True)


def test_poster_opens_for_a_user_in_scope_and_is_a_404_for_another_commune(app, world):
    client = logged_in(app, "chu-tich-a")
    mine = client.get(f"/counters/{world['desk_a'].id}/poster")
    assert mine.status_code == 200 and counter_url(world["desk_a"]) in mine.get_data(as_text=True)
    theirs = client.get(f"/counters/{world['desk_b'].id}/poster")
    assert theirs.status_code == 404
    assert counter_token(world["desk_b"]) not in theirs.get_data(as_text=True)


def test_poster_opens_for_a_scoped_key(client, world):
    desk = world["desk_a"]
    response = client.get(f"/counters/{desk.id}/poster", headers=world["key_a"])
    assert response.status_code == 200 and counter_url(desk) in response.get_data(as_text=True)
    assert client.get(f"/counters/{world['desk_b'].id}/poster", headers=world["key_a"]).status_code == 404


def test_the_manage_pages_poster_link_opens_for_its_user(app, world):
    client = logged_in(app, "chu-tich-a")
    html = client.get("/dashboard/units/01273/manage").get_data(as_text=True)
    link = f"/counters/{world['desk_a'].id}/poster"
    assert link in html
    assert client.get(link).status_code == 200

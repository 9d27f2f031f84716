"""GET /api/v1/units/<code>/counters: a unit's whole subtree of counters, for printing posters."""
from __future__ import annotations

import pytest
from factories import counter, create_key, unit

from feedback_service.extensions import db
from feedback_service.ratings.tokens import counter_url

BASE = "http://sipas.test"


@pytest.fixture
def old_tree(app):
    """Province 04 → district 041 → communes 04101, 04102; another province 79.

    A 3-level tree as older data still carries it, with counters at every level.
    """
    province = unit("04", "Tỉnh Cao Bằng", kind="tỉnh")
    district = unit("041", "Huyện Hòa An", province, kind="huyện")
    commune_a = unit("04101", "Xã Bạch Đằng", district)
    commune_b = unit("04102", "Xã Bình Long", district)
    elsewhere = unit("79", "Thành phố Hồ Chí Minh", kind="thành phố")
    desks = {
        "province": counter(province, "Q1", "Quầy tỉnh"),
        "district": counter(district, "Q1", "Quầy huyện"),
        "a2": counter(commune_a, "Q2"),
        "a1": counter(commune_a, "Q1"),
        "b1": counter(commune_b, "Q1"),
        "closed": counter(commune_b, "Q9"),
        "elsewhere": counter(elsewhere, "Q1"),
    }
    desks["closed"].active = False
    db.session.commit()
    return desks


def _listing(client, code: str, **params):
    response = client.get(f"/api/v1/units/{code}/counters", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_lists_the_whole_subtree_in_unit_then_counter_order(client, old_tree):
    body = _listing(client, "04")
    assert body["unit"] == {"code": "04", "name": "Tỉnh Cao Bằng", "kind": "tỉnh"}
    assert body["total"] == 5
    assert body["page"] == 1 and body["per_page"] == 100
    order = [(c["unit_code"], c["code"]) for c in body["counters"]]
    assert order == [("04", "Q1"), ("041", "Q1"), ("04101", "Q1"), ("04101", "Q2"), ("04102", "Q1")]
    ids = {c["id"] for c in body["counters"]}
    assert old_tree["closed"].id not in ids  # inactive
    assert old_tree["elsewhere"].id not in ids  # another province


def test_each_counter_carries_absolute_links_that_work_for_a_scoped_key(client, runner, old_tree):
    # The links are operators' material (tests/test_operator_material.py): a province key here.
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_key(runner, '04')}"
    desk = old_tree["a1"]
    row = next(c for c in _listing(client, "04")["counters"] if c["id"] == desk.id)
    assert row == {
        "id": desk.id,
        "code": "Q1",
        "name": "Quầy Q1",
        "unit_code": "04101",
        "unit_name": "Xã Bạch Đằng",
        "feedback_url": counter_url(desk),
        "qr_png": f"{BASE}/api/v1/counters/{desk.id}/qr.png",
        "qr_svg": f"{BASE}/api/v1/counters/{desk.id}/qr.svg",
        "poster": f"{BASE}/counters/{desk.id}/poster",
    }
    for link, mimetype in (("feedback_url", "text/html"), ("qr_png", "image/png"),
                           ("qr_svg", "image/svg+xml"), ("poster", "text/html")):
        response = client.get(row[link].removeprefix(BASE))
        assert response.status_code == 200, link
        assert response.mimetype == mimetype


def test_a_lower_unit_lists_only_its_own_subtree(client, old_tree):
    district = _listing(client, "041")
    assert [(c["unit_code"], c["code"]) for c in district["counters"]] == [
        ("041", "Q1"), ("04101", "Q1"), ("04101", "Q2"), ("04102", "Q1")]
    commune = _listing(client, "04102")
    assert [c["id"] for c in commune["counters"]] == [old_tree["b1"].id]
    assert commune["total"] == 1


def test_pages_partition_the_list(client, old_tree):
    everything = [c["id"] for c in _listing(client, "04", per_page=1000)["counters"]]
    pages = [_listing(client, "04", page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [len(p["counters"]) for p in pages] == [2, 2, 1, 0]
    assert [c["id"] for p in pages for c in p["counters"]] == everything
    assert (pages[2]["page"], pages[2]["per_page"]) == (3, 2)


def test_a_unit_without_counters_is_an_empty_list(client, old_tree):
    bare = unit("04199", "Xã Không Quầy")
    body = _listing(client, bare.code)
    assert body["counters"] == [] and body["total"] == 0


@pytest.mark.parametrize("params, fields", [
    ({"page": "0"}, ["page"]),
    ({"page": "abc"}, ["page"]),
    ({"per_page": "0"}, ["per_page"]),
    ({"per_page": "1001"}, ["per_page"]),
    ({"page": "-1", "per_page": "x"}, ["page", "per_page"]),
])
def test_bad_paging_is_a_422_envelope(client, old_tree, params, fields):
    response = client.get("/api/v1/units/04/counters", query_string=params)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == fields


def test_unknown_unit_is_a_404_envelope(client, old_tree):
    response = client.get("/api/v1/units/99999/counters")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"

"""The public ranking (`/api/v1/units/<code>/ranking`, `/public/units/<code>`): each share with
its 95% Wilson interval, bands of ranks where the data cannot tell units apart, no figure of
a unit under 5 answers, and the summary API's own figures. The scene: tests/support/ranking_scene.py."""
from __future__ import annotations

import math
import re
from statistics import NormalDist

import pytest
import ranking_scene
from ranking_scene import OFFICER_NAME, PERIOD, READ_AT

from feedback_service import clock

Z = NormalDist().inv_cdf(0.975)


@pytest.fixture
def scene(app):
    with clock.running_from(READ_AT):
        ranking_scene.build()
        yield app


def wilson(satisfied: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, in percent, from its textbook form: the roots in p of
    (p̂ − p)² = z² p (1 − p) / n."""
    a = n + Z * Z
    b = -(2 * satisfied + Z * Z)
    c = satisfied * satisfied / n
    root = math.sqrt(b * b - 4 * a * c)
    return 100 * (-b - root) / (2 * a), 100 * (-b + root) / (2 * a)


def ranking(client, code: str = "04", period: str = PERIOD) -> dict:
    response = client.get(f"/api/v1/units/{code}/ranking?period={period}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def entries(body: dict) -> dict[str, dict]:
    return {entry["code"]: entry for entry in body["units"]}


def test_intervals_match_an_independent_wilson_computation(scene, client):
    shown = entries(ranking(client))
    for code, answers in ranking_scene.ANSWERS.items():
        if len(answers) < 5:
            continue
        low, high = wilson(sum(1 for a in answers if a >= 4), len(answers))
        assert shown[code]["interval"] == {"low": pytest.approx(low, abs=0.005), "high": pytest.approx(high, abs=0.005)}
        assert shown[code]["interval"]["low"] < shown[code]["satisfaction_pct"] < shown[code]["interval"]["high"]


def test_overlapping_units_share_a_rank_band_and_a_unit_apart_has_its_own(scene, client):
    body = ranking(client)
    shown = entries(body)
    # 12 answers at 83% and 15 at 87%: the data cannot tell which is better.
    assert shown["01279"]["rank"] == shown["01273"]["rank"] == {"from": 1, "to": 2}
    assert shown["01285"]["rank"] == {"from": 3, "to": 3}
    assert [e["code"] for e in body["units"]] == ["01279", "01273", "01285", "01282"]
    assert "overlap" in body["method"]["rank"] and "Wilson" in body["method"]["interval"]


def test_units_under_five_answers_are_listed_by_name_with_no_figure(scene, client):
    body = ranking(client)
    small = entries(body)["01282"]
    assert small == {"code": "01282", "name": "Xã Bế Văn Đàn", "responses": None, "satisfaction_pct": None,
                     "interval": None, "rank": None, "verified_share_pct": None, "response_rate": None}
    # One entry per direct child standing on its own: the merged commune is inside 01273.
    assert sorted(entries(body)) == ["01273", "01279", "01282", "01285"]

    page = client.get(f"/public/units/04?period={PERIOD}").get_data(as_text=True)
    item = re.search(r'<li class="card" data-unit="01282">.*?</li>', page, re.S).group(0)
    assert "Xã Bế Văn Đàn" in item
    assert 'class="figure' not in item and "Hạng" not in item
    assert not re.search(r"\d", re.sub(r"<[^>]+>|dưới 5 ý kiến", "", item)), item


def test_satisfaction_figures_are_the_summary_apis(scene, client):
    summary = client.get("/api/v1/units/04/summary?from=2026-07-01&to=2026-09-30").get_json()
    children = {child["code"]: child for child in summary["children"]}
    for code, entry in entries(ranking(client)).items():
        assert entry["satisfaction_pct"] == children[code]["satisfaction_pct"], code
        assert entry["verified_share_pct"] == children[code]["verified_share_pct"], code
        assert entry["response_rate"] == children[code]["response_rate"], code
        if entry["rank"] is not None:
            assert entry["responses"] == children[code]["responses"], code
    assert ranking(client)["period"] == {"label": PERIOD, "from": "2026-07-01", "to": "2026-09-30", "official": False}


def test_the_page_shows_the_ranking_in_vietnamese_or_english_and_names_no_officer(scene, client):
    response = client.get(f"/public/units/04?period={PERIOD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script" not in page and OFFICER_NAME not in page and "%%" not in page and "95%" in page
    item = re.search(r'<li class="card" data-unit="01273">.*?</li>', page, re.S).group(0)
    assert "Hạng 1–2" in item and 'data-value="83.33"' in item and "83,33%" in item
    assert "Cách xếp hạng" in page and "chồng lên nhau" in page
    assert response.cache_control.public and response.cache_control.max_age == 300
    assert "Cookie" in response.headers["Vary"]

    english = client.get(f"/public/units/04?period={PERIOD}&lang=en")
    text = english.get_data(as_text=True)
    assert "How the ranking is made" in text and "Rank 1–2" in text and "Hạng" not in text and "Cách xếp hạng" not in text
    assert english.cache_control.private and not english.cache_control.public


def test_the_page_without_a_period_shows_the_last_closed_quarter(scene, client):
    with clock.running_from(READ_AT):
        page = client.get("/public/units/04").get_data(as_text=True)
    assert 'data-period="2026-Q3"' in page and 'data-unit="01273"' in page


@pytest.mark.parametrize("url, status", [
    ("/api/v1/units/99999/ranking?period=2026-Q3", 404),
    ("/api/v1/units/04/ranking", 422),
    ("/api/v1/units/04/ranking?period=2026-q3", 422),
    ("/api/v1/units/04/ranking?period=2026-H2/official", 422),
    ("/api/v1/units/04/ranking?period=1999", 422),
    ("/api/v1/units/04/ranking?period=%00", 400),
])
def test_odd_input_to_the_api_answers_the_error_envelope(scene, client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status


@pytest.mark.parametrize("url, status, words", [
    ("/public/units/99999?period=2026-Q3", 404, "Không tìm thấy đơn vị"),
    ("/public/units/04?period=quý-3", 422, "Kỳ báo cáo không hợp lệ"),
    ("/public/units/04?period=2100", 422, "Kỳ báo cáo không hợp lệ"),
    (f"/public/units/{'9' * 300}", 404, "Không tìm thấy đơn vị"),
])
def test_odd_input_to_the_page_answers_a_friendly_vietnamese_page(scene, client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html" and words in response.get_data(as_text=True)


def test_a_unit_without_children_has_an_empty_ranking(scene, client):
    assert ranking(client, "01273")["units"] == []
    assert "không có đơn vị trực thuộc" in client.get(f"/public/units/01273?period={PERIOD}").get_data(as_text=True)


def test_the_ranking_is_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="2 per minute")
    with app.app_context():
        ranking_scene.build()
        client = app.test_client()
        for url in (f"/api/v1/units/04/ranking?period={PERIOD}", f"/public/units/04?period={PERIOD}"):
            assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429], url

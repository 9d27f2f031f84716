"""Small cells: no public figure rests on fewer than 5 answers.

A counter's summary for one day with one rating would show that citizen's answers and,
through `as_of`, the moment of their visit. Every figure resting on 1–4 answers is
withheld: null, and named in the `withheld` list of the object that holds it, on every
summary route (unit, child, counter, officer; verified/unverified; elements; conduct;
timeliness), for every caller. `as_of` is given to the minute, and not at all for a
withheld cell.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from factories import counter, create_key, officer, tree

from feedback_service.summaries.fold import fold_all
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.summaries.scoring import MIN_ANSWERS
from feedback_service.ratings.submission import local_day

pytestmark = pytest.mark.postgres_too

DAY = "from=2026-03-02&to=2026-03-02"
HEADLINE = ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score")


@pytest.fixture
def world(app, runner):
    """Commune 01273 with desk Q1 (officer CB-01) and desk Q2; a key for the commune."""
    _, commune, _ = tree()
    desk, quiet = counter(commune, "Q1"), counter(commune, "Q2")
    clerk = officer(desk, "CB-01")
    return {"desk": desk, "quiet": quiet, "clerk": clerk,
            "key": {"Authorization": f"Bearer {create_key(runner, '01273')}"}}


def rate(desk, n: int, *, officer_id=None, second: int = 0, dossier=None, **answers) -> None:
    """n ratings at desk on 2 March 2026 (local), each with the same answers."""
    for i in range(n):
        moment = datetime(2026, 3, 2, 2, 15, second + i, 123456, tzinfo=timezone.utc)
        rating = Rating(submitted_at=moment, local_day=local_day(moment), local_hour=9, unit_id=desk.unit_id,
                        counter_id=desk.id, officer_id=officer_id, channel="api",
                        instrument_version="sipas-6biet-v1", dossier_id=dossier.id if dossier else None,
                        verified=dossier is not None,
                        **{"overall": 5, "conduct": {"greet": True}, "elements": {"access": 4}, **answers})
        db.session.add(rating)
        db.session.flush()
        db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()
    fold_all(1000)


def get(client, path: str, headers: dict | None = None) -> dict:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_one_citizens_day_at_a_counter_shows_no_answer_and_no_moment(client, world):
    rate(world["desk"], 1, overall=2, conduct={"greet": False, "smile": True}, elements={"access": 1})
    body = get(client, f"/api/v1/counters/{world['desk'].id}/summary?{DAY}")
    assert body["responses"] == 1  # how many rated is not an answer
    assert body["overall"] is None and body["as_of"] is None
    for name in ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score", "verified_share_pct"):
        assert body[name] is None, name
    assert {"overall", "satisfaction_pct", "mean_score", "sipas_index", "conduct_score",
            "as_of", "verified_share_pct"} <= set(body["withheld"])
    greet = body["conduct"]["greet"]
    assert greet == {"yes": None, "no": None, "unknown": None, "pct": None,
                     "withheld": ["yes", "no", "unknown", "pct"]}
    access = body["elements"]["access"]
    assert access == {"responses": 1, "satisfaction_pct": None, "mean": None, "withheld": ["satisfaction_pct", "mean"]}
    assert body["elements"]["procedure"]["withheld"] == []  # nothing answered: nothing to withhold
    assert body["min_answers"] == MIN_ANSWERS == 5


def test_five_answers_are_shown_with_as_of_to_the_minute(client, world):
    rate(world["desk"], 5, second=10)
    body = get(client, f"/api/v1/counters/{world['desk'].id}/summary?{DAY}")
    assert body["overall"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 5}
    assert body["satisfaction_pct"] == 100.0 and body["mean_score"] == 5.0
    assert body["conduct"]["greet"] == {"yes": 5, "no": 0, "unknown": 0, "pct": 100.0, "withheld": []}
    assert body["elements"]["access"]["satisfaction_pct"] == 100.0
    assert body["as_of"] == "2026-03-02T02:15:00+00:00"  # 02:15:14.123456 cut to the minute
    assert "as_of" not in body["withheld"] and "overall" not in body["withheld"]


def test_a_composite_is_withheld_when_any_part_is(client, world):
    # 6 ratings, but only 2 answered "smile": smile is withheld, and so is conduct_score, which
    # with the other behaviours' percentages would give smile's back.
    rate(world["desk"], 4, conduct={"greet": True})
    rate(world["desk"], 2, second=30, conduct={"greet": True, "smile": False})
    body = get(client, f"/api/v1/counters/{world['desk'].id}/summary?{DAY}")
    assert body["conduct"]["greet"]["pct"] == 100.0
    assert body["conduct"]["smile"]["pct"] is None and "pct" in body["conduct"]["smile"]["withheld"]
    assert body["conduct_score"] is None and "conduct_score" in body["withheld"]
    assert body["satisfaction_pct"] == 100.0


def test_unit_summary_shows_children_with_enough_answers(client, world):
    rate(world["desk"], 5)
    body = get(client, f"/api/v1/units/04/summary?{DAY}")
    assert body["satisfaction_pct"] == 100.0 and "satisfaction_pct" not in body["withheld"]
    children = {c["code"]: c for c in body["children"]}
    assert children["01273"]["satisfaction_pct"] == 100.0 and children["01273"]["withheld"] == []
    assert children["01279"]["responses"] == 0 and children["01279"]["withheld"] == []  # nothing to withhold


def test_a_small_child_is_withheld_inside_the_province(client, world):
    rate(world["desk"], 3)
    body = get(client, f"/api/v1/units/04/summary?{DAY}")
    child = next(c for c in body["children"] if c["code"] == "01273")
    assert child["responses"] == 3 and child["overall"] is None and child["as_of"] is None
    assert "satisfaction_pct" in child["withheld"]
    assert body["overall"] is None  # the province is that commune here


def test_verified_and_unverified_are_withheld_together(client, world):
    # 6 counter ratings and 2 from dossier receipts: the verified pair is small, and showing the
    # unverified 6 beside the total 8 would give the verified 2 back by difference.
    rate(world["desk"], 6)
    for i in range(2):
        dossier = Dossier(code=f"H15.50.05.13-260302-000{i}", unit_id=world["desk"].unit_id,
                          counter_id=world["desk"].id, procedure_code="1.1", procedure_name="Khai sinh",
                          channel="in_person", received_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
                          received_day=local_day(datetime(2026, 3, 1, tzinfo=timezone.utc)), cancelled=False)
        db.session.add(dossier)
        db.session.commit()
        rate(world["desk"], 1, second=40 + i, dossier=dossier, overall=1)
    body = get(client, f"/api/v1/counters/{world['desk'].id}/summary?{DAY}")
    assert body["responses"] == 8 and body["satisfaction_pct"] == 75.0
    for part in ("verified", "unverified"):
        assert all(body[part][name] is None for name in HEADLINE), part
        assert set(HEADLINE) <= set(body[part]["withheld"]), part
    assert body["verified"]["responses"] == 2 and body["unverified"]["responses"] == 6


def test_officer_summary_behind_a_key_withholds_too(client, world):
    rate(world["desk"], 2, officer_id=world["clerk"].id)
    body = get(client, f"/api/v1/officers/CB-01/summary?{DAY}", world["key"])
    assert body["responses"] == 2 and body["satisfaction_pct"] is None and body["as_of"] is None
    assert "satisfaction_pct" in body["withheld"]

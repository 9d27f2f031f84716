"""One rule for a merged unit, pinned for every use of the tree.

The setting makes the rule visible: commune 01290 sat under an old district "040"
and was merged into commune 01273, which sits directly under the province. Under
the rule (a merged unit answers to its successor) 01290 is inside 01273 for the
figures, alerts, API-key scope, dossier denominators and the dashboard, and no
longer inside the old district.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, create_key, tree, unit
from ratings_helpers import submit_many

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Dossier, Rating, Unit
from feedback_service.people.api_clients import client_for_key, in_scope
from feedback_service.summaries.fold import fold_all
from feedback_service.summaries.read import unit_summary
from feedback_service.units.tree import child_units, subtree_ids, units_above
from feedback_service.webhooks.alerts import alert_targets

RECEIVED = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def merged(app, client, runner):
    """Ratings and a dossier at 01290 before the merger, then `flask units merge`."""
    province, successor, _ = tree()
    district = unit("040", "Huyện cũ", province, kind="huyện")
    old = unit("01290", "Xã cũ", district)
    desk = counter(old)
    submit_many(client, [desk], 6, seed=5)
    fold_all(1000)
    db.session.add(Dossier(code="H04.01290-260310-0001", unit_id=old.id, procedure_code="1.0001",
                           procedure_name="Chứng thực", channel="in_person",
                           received_at=RECEIVED, received_day=RECEIVED.date()))
    db.session.commit()
    result = runner.invoke(args=["units", "merge", "01290", "--into", "01273"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return {"old": db.session.get(Unit, old.id), "successor": successor, "district": district,
            "province": province}


def test_the_merge_command_writes_the_successor_audits_it_and_rebuilds(merged, runner):
    old = merged["old"]
    assert old.successor_id == merged["successor"].id and old.active is False
    entry = db.session.query(AuditEntry).filter_by(action="unit.merge").one()
    assert entry.target == "unit:01290" and entry.detail["into"] == "01273"
    # Refusals: a loop, a unit merged into itself, an unknown code.
    assert runner.invoke(args=["units", "merge", "01273", "--into", "01290"]).exit_code == 2
    assert runner.invoke(args=["units", "merge", "01273", "--into", "01273"]).exit_code == 2
    assert runner.invoke(args=["units", "merge", "99999", "--into", "01273"]).exit_code == 2


def test_walks_follow_the_successor(merged):
    old, successor, district = merged["old"], merged["successor"], merged["district"]
    assert old.id in subtree_ids(successor.id)
    assert old.id not in subtree_ids(district.id)
    assert units_above(old.id) == [old.id, successor.id, merged["province"].id]
    assert old not in child_units(successor)  # its ratings are already inside the successor's
    assert old not in child_units(district)


def test_figures_count_the_merged_unit_in_its_successor(merged):
    successor, district = merged["successor"], merged["district"]
    assert unit_summary(successor, None, None)["responses"] == 6
    assert unit_summary(district, None, None)["responses"] == 0
    assert unit_summary(merged["old"], None, None)["responses"] == 6  # its own history stays


def test_dossier_denominators_count_the_merged_unit_in_its_successor(merged):
    assert unit_summary(merged["successor"], None, None)["dossiers_received"] == 1
    assert unit_summary(merged["district"], None, None)["dossiers_received"] == 0


def test_alerts_reach_the_successor_not_the_old_district(merged, runner):
    for code in ("01273", "040"):
        result = runner.invoke(args=["webhooks", "set", "--unit", code, "--url", f"https://127.0.0.1:9/{code}"])
        assert result.exit_code == 0, result.output
    rating = Rating(unit_id=merged["old"].id, overall=1, conduct={}, elements={})
    reasons, endpoints = alert_targets(rating)
    assert reasons == ["low_overall"]
    assert sorted(endpoint.unit.code for endpoint in endpoints) == ["01273"]


def test_api_key_scope_follows_the_successor(merged, runner):
    successor_key = client_for_key(create_key(runner, "01273"))
    district_key = client_for_key(create_key(runner, "040"))
    assert in_scope(successor_key, merged["old"].id)
    assert not in_scope(district_key, merged["old"].id)


def test_dashboard_scope_follows_the_successor(merged, app, runner):
    make_user(runner, "chutich01273", "unit_manager", "01273")
    make_user(runner, "chutich040", "unit_manager", "040")
    successor_chair, district_chair = app.test_client(), app.test_client()
    log_in(successor_chair, "chutich01273")
    log_in(district_chair, "chutich040")
    assert successor_chair.get("/dashboard/units/01290").status_code == 200
    assert district_chair.get("/dashboard/units/01290").status_code == 404


def test_the_merged_units_page_says_where_it_went_without_a_date(merged, app, runner):
    make_user(runner, "chutich01273", "unit_manager", "01273")
    chair = app.test_client()
    log_in(chair, "chutich01273")
    page = chair.get("/dashboard/units/01290").get_data(as_text=True)
    assert "Đơn vị đã sáp nhập vào Phường Thục Phán." in page
    successor = chair.get("/dashboard/units/01273").get_data(as_text=True)
    assert 'data-history="01290" data-relation="merged"' in successor

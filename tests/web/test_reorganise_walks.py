"""One rule for split and merged units, pinned for every walk of the unit tree.

After the plan of tests/support/reorganise_scene.py (X merged into Z, W split into A and B):
X is inside Z for every walk; W stays under the province, inside neither A nor B, for every
walk. Each test below is one use of the tree: figures, alerts, API-key scope, dossier
denominators, dashboard scope, reports and the public ranking.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from dashboard_helpers import log_in, make_user
from factories import create_key
from reorganise_scene import RECORDED, after, build, record

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Unit, WebhookDelivery
from feedback_service.people.api_clients import client_for_key, in_scope
from feedback_service.ratings.tokens import counter_token
from feedback_service.reports.document import build_report
from feedback_service.reports.filing import child_filings, report_now
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.read import unit_summary
from feedback_service.units.tree import child_units

# Every walk on SQLite and on a real PostgreSQL.
pytestmark = pytest.mark.postgres_too

LATER = RECORDED + timedelta(days=2)
PERIOD = "2026-03"


@pytest.fixture
def scene(client, runner, tmp_path):
    built = build(client, tmp_path)
    record(runner, built)
    after(client, built)
    with clock.running_from(LATER):
        yield built.reload()


def _summary(unit: Unit) -> dict:
    return unit_summary(db.session.get(Unit, unit.id), None, None)


def test_figures(scene):
    assert {c.code for c in child_units(scene.province)} == {"01273", "01279", "01300", "01301"}
    assert _summary(scene.successor)["responses"] == 16  # Z's 5, X's 6 before, 5 at X's counter after
    assert _summary(scene.part_a)["responses"] == 10  # A's 5 and W1's 5 after; W's 7 are shared, not A's
    assert _summary(scene.province)["responses"] == 33


def test_alerts(scene, runner, client):
    for code in ("01279", "01300", "01273"):
        assert runner.invoke(args=["webhooks", "set", "--unit", code, "--url", f"https://127.0.0.1:9/{code}"]).exit_code == 0
    for desk in (scene.w1, scene.x_desk):
        response = client.post("/api/v1/ratings", json={"token": counter_token(desk), "overall": 1})
        assert response.status_code == 201
    reached = sorted(d.endpoint.unit.code for d in db.session.query(WebhookDelivery))
    assert reached == ["01273", "01279"]  # never the split unit's own endpoint


def test_api_key_scope(scene, runner, client):
    part_key, successor_key = create_key(runner, "01279"), create_key(runner, "01273")
    assert not in_scope(client_for_key(part_key), scene.split.id)
    assert in_scope(client_for_key(successor_key), scene.merged.id)
    report = f"/report?period={PERIOD}"
    assert client.get("/api/v1/units/01300" + report, headers={"Authorization": f"Bearer {part_key}"}).status_code == 403
    assert client.get("/api/v1/units/01290" + report, headers={"Authorization": f"Bearer {successor_key}"}).status_code == 200
    # What A shows of W is its shared history, inside A's own summary.
    shown = client.get("/api/v1/units/01279/summary").get_json()
    assert [(h["code"], h["relation"], h["responses"]) for h in shown["history"]] == [("01300", "shared", 7)]


def test_dossier_denominators(scene):
    assert _summary(scene.successor)["dossiers_received"] == 2  # Z's and X's
    assert _summary(scene.part_a)["dossiers_received"] == 0  # W's is not divided
    assert _summary(scene.split)["dossiers_received"] == 1
    assert _summary(scene.province)["dossiers_received"] == 3


def test_dashboard_scope(scene, app, runner):
    make_user(runner, "chutich01279", "unit_manager", "01279")
    make_user(runner, "chutich01273", "unit_manager", "01273")
    part_chair, successor_chair = app.test_client(), app.test_client()
    log_in(part_chair, "chutich01279")
    log_in(successor_chair, "chutich01273")
    assert part_chair.get("/dashboard/units/01300").status_code == 404
    assert successor_chair.get("/dashboard/units/01290").status_code == 200
    page = part_chair.get("/dashboard/units/01279").get_data(as_text=True)
    assert "Lịch sử chung" in page and "Phường Cũ Chia Tách" in page
    # W1 counts on A's page from the day it joined: its 4 earlier ratings are W's shared history.
    row = page.split(f'data-counter="{scene.w1.id}"')[1].split("</tr>")[0]
    assert '<td class="num">5</td>' in row, row


def test_reports(scene):
    period = parse_period(PERIOD)
    assert build_report(db.session.get(Unit, scene.part_a.id), period)["satisfaction"]["responses"] == 10
    assert build_report(db.session.get(Unit, scene.successor.id), period)["satisfaction"]["responses"] == 16
    # W split away within March files nothing for it: the province reads its part live, with its own desk.
    assert [f.unit.code for f in child_filings(scene.province, period)] == ["01273", "01279", "01301"]
    assert [f.unit.code for f in child_filings(scene.province, parse_period("2026-02"))] == [
        "01273", "01279", "01300", "01301"]
    province = report_now(db.session.get(Unit, scene.province.id), period)
    assert province["basis"] == "compiled" and "01300" not in {m["code"] for m in province["missing"]}
    assert province["tthc_results"]["own"]["received"]["total"] == 1  # W's dossier, read live
    assert province["satisfaction"]["responses"] == 7  # W's ratings: no other child has filed


def test_ranking(scene, client):
    ranking = client.get(f"/api/v1/units/04/ranking?period={PERIOD}").get_json()
    entries = {entry["code"]: entry["responses"] for entry in ranking["units"]}
    assert entries == {"01273": 16, "01279": 10, "01300": 7, "01301": None}


def test_the_admin_pages_show_the_history(scene, app, runner):
    make_user(runner, "sonoivu", "province_officer", "04")
    reader = app.test_client()
    log_in(reader, "sonoivu")
    page = reader.get("/dashboard/units/04/manage").get_data(as_text=True)
    assert 'data-reorganised="01300"' in page and 'data-reorganised="01290"' in page
    assert "Chia tách" in page and "Sáp nhập" in page and "10/03/2026" in page
    successor = reader.get("/dashboard/units/01273").get_data(as_text=True)
    assert 'data-history="01290" data-relation="merged"' in successor
    old = reader.get("/dashboard/units/01300").get_data(as_text=True)
    assert "Đơn vị đã chia tách thành" in old

"""Verified vs unverified figures and the dossier denominators, computed by hand.

The scene is small (6 ratings), so the method is checked on the summaries as computed
(`summaries.unit_summary`); what the public API withholds of it is checked at the end
and in tests/test_small_cells.py."""
from datetime import date, datetime, timedelta, timezone

import pytest
from factories import counter, officer, tree

from feedback_service.summaries.fold import fold_all
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.clock import local_day
from feedback_service.models import Unit
from feedback_service.summaries.read import unit_summary

pytestmark = pytest.mark.postgres_too

RECEIVED = datetime(2026, 3, 2, 2, tzinfo=timezone.utc)  # 09:00 on 2 March in Hà Nội


def dossier(desk, code: str, *, returned_days: int | None = None, late: bool | None = None,
            due_days: int = 5, cancelled: bool = False, who=None) -> Dossier:
    returned = RECEIVED + timedelta(days=returned_days) if returned_days is not None else None
    row = Dossier(code=code, unit_id=desk.unit_id, counter_id=desk.id, officer_id=who.id if who else None,
                  procedure_code="1.001", procedure_name="Đăng ký khai sinh", channel="in_person",
                  received_at=RECEIVED, received_day=local_day(RECEIVED), due_at=RECEIVED + timedelta(days=due_days),
                  returned_at=returned, returned_day=local_day(returned) if returned else None,
                  late=late, cancelled=cancelled)
    db.session.add(row)
    db.session.commit()
    return row


def rate(desk, overall: int, *, about: Dossier | None = None, flag: str | None = None, who=None) -> None:
    moment = RECEIVED + timedelta(days=6)
    rating = Rating(submitted_at=moment, local_day=local_day(moment), unit_id=desk.unit_id, counter_id=desk.id,
                    officer_id=who.id if who else None, dossier_id=about.id if about else None,
                    verified=about is not None, channel="dossier_qr" if about else "counter_qr",
                    instrument_version="sipas-6biet-v1", overall=overall, conduct={"greet": about is not None},
                    elements={}, flag_reason=flag)
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()


@pytest.fixture
def scene(app):
    _, commune_a, commune_b = tree()
    desk, other_desk = counter(commune_a), counter(commune_b)
    hoa = officer(desk, "CB-HOA", "Nông Thị Hoa")
    on_time = [dossier(desk, f"D{i}", returned_days=3, late=False, who=hoa) for i in range(4)]
    late = [dossier(desk, "L1", returned_days=9, late=True, who=hoa),
            dossier(desk, "L2", returned_days=8, due_days=5)]  # no flag: returned after due → late
    dossier(desk, "OPEN")                                       # received, not returned
    dossier(desk, "GONE", cancelled=True)                       # cancelled: not counted as received
    dossier(other_desk, "B1", returned_days=2, late=False)
    for d, level in zip(on_time[:3], (5, 4, 2)):
        rate(desk, level, about=d, who=hoa)
    rate(desk, 1, about=late[0], who=hoa)
    rate(desk, 5)                     # a counter-QR rating: unverified
    rate(desk, 4)
    rate(desk, 3, flag="cooldown")    # flagged: in nothing
    fold_all(100)
    return desk, hoa


def test_commune_denominators_and_trust(client, scene):
    body = unit_summary(Unit.by_code("01273"), None, None)
    assert body["dossiers_received"] == 7          # D0-D3, L1, L2, OPEN; not GONE
    assert body["dossiers_returned"] == 6
    assert (body["dossiers_on_time"], body["dossiers_late"]) == (4, 2)
    assert body["on_time_pct"] == 66.67
    assert body["dossiers_rated"] == 4
    assert body["response_rate"] == 66.67          # 4 of 6 returned dossiers rated
    assert body["satisfaction_by_timeliness"] == {
        "on_time": {"responses": 3, "satisfaction_pct": 66.67},  # 5, 4, 2
        "late": {"responses": 1, "satisfaction_pct": 0.0},
    }
    assert body["responses"] == 6 and body["verified_share_pct"] == 66.67
    assert body["verified"] == {"responses": 4, "satisfaction_pct": 50.0, "mean_score": 3.0,
                                "sipas_index": None, "conduct_score": 100.0}
    assert body["unverified"] == {"responses": 2, "satisfaction_pct": 100.0, "mean_score": 4.5,
                                  "sipas_index": None, "conduct_score": 0.0}
    # Published: the counts and the figures on 5 or more; the small cells withheld.
    public = client.get("/api/v1/units/01273/summary").get_json()
    assert (public["dossiers_returned"], public["on_time_pct"], public["response_rate"]) == (6, 66.67, 66.67)
    assert public["satisfaction_by_timeliness"]["on_time"] == {"responses": 3, "satisfaction_pct": None,
                                                               "withheld": ["satisfaction_pct"]}
    assert public["verified"]["responses"] == 4 and public["verified"]["satisfaction_pct"] is None
    assert public["satisfaction_pct"] == 66.67 and public["verified_share_pct"] == 66.67


def test_province_adds_its_children(client, scene):
    body = unit_summary(Unit.by_code("04"), None, None)
    assert body["dossiers_received"] == 8 and body["dossiers_returned"] == 7 and body["dossiers_on_time"] == 5
    children = {c["code"]: c for c in body["children"]}
    assert children["01273"]["dossiers_returned"] == 6
    assert children["01279"]["dossiers_returned"] == 1 and children["01279"]["response_rate"] == 0.0
    public = {c["code"]: c for c in client.get("/api/v1/units/04/summary").get_json()["children"]}
    assert public["01279"]["dossiers_returned"] == 1 and public["01279"]["response_rate"] is None


def test_counter_summary_has_denominators(client, scene):
    desk, _ = scene
    body = client.get(f"/api/v1/counters/{desk.id}/summary").get_json()
    assert body["dossiers_returned"] == 6 and body["response_rate"] == 66.67


def test_periods_count_by_local_day(client, scene):
    march_2 = client.get("/api/v1/units/01273/summary?from=2026-03-02&to=2026-03-02").get_json()
    assert march_2["dossiers_received"] == 7 and march_2["dossiers_returned"] == 0
    assert march_2["response_rate"] is None and march_2["on_time_pct"] is None
    later = client.get("/api/v1/units/01273/summary?from=2026-03-05&to=2026-03-10").get_json()
    # D0–D3 returned on 5 March, L2 on 10 March; L1 on 11 March is outside.
    assert later["dossiers_received"] == 0 and later["dossiers_returned"] == 5
    assert date(2026, 3, 5) == local_day(RECEIVED + timedelta(days=3))


def test_officer_summary_needs_a_key_in_scope(client, runner, scene):
    def key_for(code):
        return runner.invoke(args=["clients", "create", "--unit", code, "--name", "x"]).output.strip().splitlines()[-1]

    assert client.get("/api/v1/officers/CB-HOA/summary").status_code == 401
    other = {"Authorization": f"Bearer {key_for('01279')}"}
    # Outside the key's subtree an officer is exactly as unknown as nobody: a 403 would tell a
    # key which officer codes exist in other communes.
    elsewhere = client.get("/api/v1/officers/CB-HOA/summary", headers=other)
    nobody = client.get("/api/v1/officers/NOBODY/summary", headers=other)
    assert elsewhere.status_code == nobody.status_code == 404
    assert elsewhere.get_json()["error"]["message"] == "no officer with this code"
    assert nobody.get_json()["error"]["message"] == "no officer with this code"
    own = {"Authorization": f"Bearer {key_for('01273')}"}
    body = client.get("/api/v1/officers/CB-HOA/summary", headers=own).get_json()
    assert body["officer"]["name"] == "Nông Thị Hoa"
    assert body["responses"] == 4 and body["verified"]["responses"] == 4
    assert body["dossiers_returned"] == 5 and body["dossiers_late"] == 1  # L2 has no officer
    assert client.get("/api/v1/officers/NOBODY/summary", headers=own).status_code == 404

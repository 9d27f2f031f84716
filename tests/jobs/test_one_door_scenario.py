"""Issue 3's acceptance story, end to end: the one-door e-system registers dossiers with
its key, citizens rate through the printed QR once, the e-system reports returns and
lateness, and the figures, the scoping and the signed alerts all match what happened."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from factories import counter, officer, tree
from qr_reader import decode
from ratings_helpers import run_worker
from webhook_receiver import WebhookReceiver

from feedback_service.extensions import db
from feedback_service.models import Rating
from feedback_service.webhooks.alerts import verify
from feedback_service.models import Unit
from feedback_service.summaries.read import unit_summary

NOW = datetime.now(timezone.utc).replace(microsecond=0)
# (overall, late) per dossier: None = not rated by its citizen.
STORY = [(5, False), (4, False), (2, False), (None, False), (1, True), (None, True)]


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def one_door(make_app):
    app = make_app(WEBHOOK_BACKOFF_SECONDS=0)
    with app.app_context():
        _, commune, other = tree()
        hoa = officer(counter(commune, "Q1", "Quầy 1 — Tư pháp"), "CB-HOA", "Nông Thị Hoa")
        counter(other, "Q1")
        runner = app.test_cli_runner()

        def last_line(*args: str) -> str:
            result = runner.invoke(args=list(args))
            assert result.exit_code == 0, result.output
            return result.output.strip().splitlines()[-1]

        keys = {code: last_line("clients", "create", "--unit", code, "--name", f"Một cửa {code}")
                for code in ("01273", "01279")}
        receiver = WebhookReceiver(fail_first=2, fail_status=503).start()
        secret = last_line("webhooks", "set", "--unit", "01273", "--url", receiver.url)
        try:
            yield app, keys, receiver, secret, hoa
        finally:
            receiver.stop()


def test_the_one_door_story(one_door, redis_server):
    app, keys, receiver, secret, hoa = one_door
    client = app.test_client()
    system = {"Authorization": f"Bearer {keys['01273']}"}
    stranger = {"Authorization": f"Bearer {keys['01279']}"}
    desk_id = hoa.counter_id

    # The e-system registers six dossiers at the counter and prints each feedback QR.
    links = []
    for i in range(len(STORY)):
        body = {"code": f"H15.50.05.13-{NOW:%y%m%d}-{i + 1:04d}", "unit_code": "01273", "counter_id": desk_id,
                "officer_code": "CB-HOA", "procedure": {"code": "1.001193", "name": "Đăng ký khai sinh"},
                "received_at": iso(NOW - timedelta(days=3)), "due_at": iso(NOW - timedelta(days=1)),
                "channel": "in_person"}
        created = client.post("/api/v1/dossiers", json=body, headers=system)
        assert created.status_code == 201, created.get_json()
        assert client.post("/api/v1/dossiers", json=body, headers=system).status_code == 200  # idempotent
        qr = client.get(urlsplit(created.get_json()["qr_png"]).path, headers=system)
        assert qr.status_code == 200
        [url] = decode(qr.data, ".png")  # what a phone reads off the receipt
        assert url == created.get_json()["feedback_url"]
        links.append((body["code"], urlsplit(url).path))

    # Another commune's key can neither read nor change these dossiers (to it they do not
    # exist), nor register here.
    code0 = links[0][0]
    assert client.get(f"/api/v1/dossiers/{code0}", headers=stranger).status_code == 404
    assert client.patch(f"/api/v1/dossiers/{code0}", json={"late": True}, headers=stranger).status_code == 404
    foreign = {**body, "code": f"H15.50.05.13-{NOW:%y%m%d}-0999"}
    assert client.post("/api/v1/dossiers", json=foreign, headers=stranger).status_code == 403

    # Results are returned; the e-system says which were late.
    for (code, _), (_, late) in zip(links, STORY):
        patched = client.patch(f"/api/v1/dossiers/{code}", headers=system,
                               json={"returned_at": iso(NOW - timedelta(hours=2)), "late": late})
        assert patched.status_code == 200, patched.get_json()

    # Citizens rate through their QR; one tries twice.
    for (_, path), (overall, _) in zip(links, STORY):
        if overall is not None:
            assert client.post(path, data={"overall": str(overall)}).status_code == 303
    again = client.post(links[0][1], data={"overall": "1"})
    assert "đã được đánh giá" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Rating).count() == 4

    run_worker(redis_server.url)  # folds the ratings and delivers the alerts

    summary = client.get("/api/v1/units/01273/summary").get_json()
    assert (summary["dossiers_received"], summary["dossiers_returned"]) == (6, 6)
    assert (summary["dossiers_on_time"], summary["dossiers_late"], summary["on_time_pct"]) == (4, 2, 66.67)
    assert (summary["dossiers_rated"], summary["response_rate"]) == (4, 66.67)
    # Four ratings: the public summary counts them but withholds every figure on them.
    assert summary["verified"]["responses"] == 4 and summary["verified_share_pct"] is None
    assert summary["verified"]["satisfaction_pct"] is None and summary["satisfaction_pct"] is None
    assert summary["satisfaction_by_timeliness"]["late"] == {"responses": 1, "satisfaction_pct": None,
                                                            "withheld": ["satisfaction_pct"]}
    with app.app_context():  # the figures themselves, as the dashboard's method computes them
        figures = unit_summary(Unit.by_code("01273"), None, None)
    assert figures["verified_share_pct"] == 100.0
    assert figures["verified"]["satisfaction_pct"] == 50.0  # 5 and 4 of 5, 4, 2, 1
    assert figures["satisfaction_by_timeliness"] == {
        "on_time": {"responses": 3, "satisfaction_pct": 66.67}, "late": {"responses": 1, "satisfaction_pct": 0.0}}
    province = client.get("/api/v1/units/04/summary").get_json()
    assert province["response_rate"] == 66.67 and province["responses"] == 4
    officer_view = client.get("/api/v1/officers/CB-HOA/summary", headers=system).get_json()
    assert officer_view["responses"] == 4 and officer_view["dossiers_returned"] == 6
    assert client.get("/api/v1/officers/CB-HOA/summary", headers=stranger).status_code == 404  # as unknown as nobody

    # The two negative ratings (2 and 1) reached the commune's webhook once each, signed,
    # although the receiver failed the first two attempts of the first one.
    accepted = receiver.accepted
    assert len(accepted) == 2
    assert sorted(verify(secret, r.headers, r.body)["data"]["overall"] for r in accepted) == [1, 2]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == 2 and len(ids) == 4

"""Another unit's dossiers: a key can neither learn about them nor block them.

A key for commune A could register a receipt code commune B will use, so B's real
registration was refused with 409 — and the 409's details confirmed A's guesses about
B's dossier; 403 vs 404 told whether a code existed. Codes are now unique per unit, a
lookup only ever sees the key's own subtree, and outside it every answer is "not found".
"""
from __future__ import annotations

import pytest
from factories import counter, create_key, officer, tree
from sqlalchemy import select

from feedback_service.dossiers.tokens import dossier_from_token
from feedback_service.extensions import db
from feedback_service.models import Dossier

pytestmark = pytest.mark.postgres_too

CODE = "H15.50.05.14-261008-0001"  # a receipt code of commune B (01279)


@pytest.fixture
def world(app, runner):
    _, commune_a, commune_b = tree()
    desk_a, desk_b = counter(commune_a, "Q1"), counter(commune_b, "Q1")
    officer(desk_b, "CB-B")
    keys = {code: {"Authorization": f"Bearer {create_key(runner, code)}"} for code in ("01273", "01279", "04")}
    return {"desk_a": desk_a.id, "desk_b": desk_b.id, "a": keys["01273"], "b": keys["01279"], "province": keys["04"]}


def registration(unit_code: str, counter_id: int | None, **changes) -> dict:
    data = {"code": CODE, "unit_code": unit_code, "counter_id": counter_id,
            "procedure": {"code": "1.001234", "name": "Đăng ký khai sinh"},
            "received_at": "2026-10-08T08:30:00+07:00", "due_at": "2026-10-10T17:00:00+07:00",
            "channel": "in_person"}
    data.update(changes)
    return data


def test_a_squatted_code_does_not_block_the_real_registration(client, world):
    squat = client.post("/api/v1/dossiers", json=registration("01273", world["desk_a"], channel="post"),
                        headers=world["a"])
    assert squat.status_code == 201  # A may register what it likes in its own unit
    real = registration("01279", world["desk_b"], officer_code="CB-B")
    answer = client.post("/api/v1/dossiers", json=real, headers=world["b"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["unit_code"] == "01279" and body["officer_code"] == "CB-B"
    # B's receipt QR opens B's dossier, and B reads and follows up its own dossier.
    token = body["feedback_url"].rsplit("/d/", 1)[1]
    assert dossier_from_token(token).unit.code == "01279"
    assert client.get(f"/api/v1/dossiers/{CODE}", headers=world["b"]).get_json()["unit_code"] == "01279"
    patched = client.patch(f"/api/v1/dossiers/{CODE}", json={"late": True}, headers=world["b"])
    assert patched.status_code == 200 and patched.get_json()["late"] is True
    assert client.get(f"/api/v1/dossiers/{CODE}", headers=world["a"]).get_json()["late"] is None
    # The same registration again is unchanged, for each of them.
    assert client.post("/api/v1/dossiers", json=real, headers=world["b"]).status_code == 200
    units = {d.unit.code for d in db.session.scalars(select(Dossier).where(Dossier.code == CODE))}
    assert units == {"01273", "01279"}


def test_the_batch_does_not_let_a_squat_block_either(client, world):
    assert client.post("/api/v1/dossiers", json=registration("01273", None), headers=world["a"]).status_code == 201
    batch = client.post("/api/v1/dossiers:batch", json={"dossiers": [registration("01279", world["desk_b"])]},
                        headers=world["b"]).get_json()
    assert batch["results"][0]["status"] == "created"


def _not_found_alike(response) -> dict:
    assert response.status_code == 404, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["details"] == []
    return error


def test_another_units_dossier_answers_exactly_like_no_dossier(client, world):
    assert client.post("/api/v1/dossiers", json=registration("01279", world["desk_b"]),
                       headers=world["b"]).status_code == 201
    unknown = "H15.50.05.14-261008-9999"
    for method, suffix in (("get", ""), ("patch", ""), ("get", "/qr.png"), ("get", "/qr.svg")):
        theirs = getattr(client, method)(f"/api/v1/dossiers/{CODE}{suffix}", json={"late": True},
                                         headers=world["a"])
        nobody = getattr(client, method)(f"/api/v1/dossiers/{unknown}{suffix}", json={"late": True},
                                         headers=world["a"])
        assert _not_found_alike(theirs)["message"].replace(CODE, "X") == \
            _not_found_alike(nobody)["message"].replace(unknown, "X"), (method, suffix)
    assert db.session.scalar(select(Dossier.late).where(Dossier.code == CODE)) is None


def test_a_conflict_names_only_the_callers_own_dossier(client, world):
    assert client.post("/api/v1/dossiers", json=registration("01279", world["desk_b"]),
                       headers=world["b"]).status_code == 201
    # A's own registration of that code is A's own dossier: created, not a 409 about B's.
    mine = client.post("/api/v1/dossiers", json=registration("01273", world["desk_a"], channel="online"),
                       headers=world["a"])
    assert mine.status_code == 201
    clash = client.post("/api/v1/dossiers", json=registration("01273", None), headers=world["a"])
    assert clash.status_code == 409
    assert {d["field"] for d in clash.get_json()["error"]["details"]} == {"counter_id", "channel"}


def test_a_province_key_tells_its_communes_same_code_apart(client, world):
    for unit_code, desk, key in (("01273", world["desk_a"], world["a"]), ("01279", world["desk_b"], world["b"])):
        assert client.post("/api/v1/dossiers", json=registration(unit_code, desk), headers=key).status_code == 201
    ambiguous = client.get(f"/api/v1/dossiers/{CODE}", headers=world["province"])
    assert ambiguous.status_code == 422
    assert [d["field"] for d in ambiguous.get_json()["error"]["details"]] == ["unit_code"]
    chosen = client.get(f"/api/v1/dossiers/{CODE}?unit_code=01279", headers=world["province"])
    assert chosen.status_code == 200 and chosen.get_json()["unit_code"] == "01279"
    # The links a registration answers with name the unit, so they stay unambiguous.
    qr_png = chosen.get_json()["qr_png"]
    assert qr_png.endswith(f"/api/v1/dossiers/{CODE}/qr.png?unit_code=01279")
    image = client.get(qr_png.removeprefix("http://sipas.test"), headers=world["province"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    # A commune key naming another unit is not found, like any code it cannot see.
    _not_found_alike(client.get(f"/api/v1/dossiers/{CODE}?unit_code=01279", headers=world["a"]))


def test_the_csv_import_keeps_two_units_same_code_apart(runner, world, tmp_path):
    rows = [f"{CODE},{unit},,,1.001234,Đăng ký khai sinh,2026-10-08T08:30:00+07:00,,in_person,,"
            for unit in ("01273", "01279", "01279")]
    path = tmp_path / "dossiers.csv"
    path.write_text("code,unit_code,counter_code,officer_code,procedure_code,procedure_name,"
                    "received_at,due_at,channel,returned_at,late\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(args=["dossiers", "import", str(path)])
    assert "duplicate of line 3" in result.output  # the same unit twice is still a duplicate
    assert {d.unit.code for d in db.session.scalars(select(Dossier).where(Dossier.code == CODE))} == \
        {"01273", "01279"}

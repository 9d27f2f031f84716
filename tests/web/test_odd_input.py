"""Odd input on the citizen path and in names and codes: a clear refusal, never a 500,
never a control character stored, one spelling per code whatever the keyboard sent.

Unicode digits ("²", "٥") pass str.isdigit(); NFD and NFC spell "Đ", "ư", "ầ" with
different code points; a NUL byte is a PostgreSQL error if it reaches the driver.
"""
from __future__ import annotations

import json
import unicodedata

import pytest
from factories import counter, create_key, officer, tree
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.units.staff import ManagementError, create_counter, create_officer, rename_officer
from feedback_service.models import Counter, Dossier, Officer, Rating
from feedback_service.ratings.tokens import counter_token

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731


@pytest.fixture
def desk(app):
    _, commune, _ = tree()
    return counter(commune)


def post_api(client, body):
    return client.post("/api/v1/ratings", data=json.dumps(body), content_type="application/json")


# --- the citizen form ----------------------------------------------------------------

@pytest.mark.parametrize("field", ["overall", "element_access", "element_result"])
@pytest.mark.parametrize("value", ["²", "٥", "５", "⑤"])
def test_non_ascii_digits_in_levels_are_refused_with_the_form(client, desk, field, value):
    data = {"overall": "4", field: value}
    response = client.post(f"/q/{counter_token(desk)}", data=data)
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ" in response.get_data(as_text=True) or \
        "Vui lòng chọn mức độ hài lòng" in response.get_data(as_text=True)
    assert db.session.query(Rating).count() == 0


@pytest.mark.parametrize("phone", ["0٩١٢٣٤٥٦٧٨", "０９１２３４５６７８", "09１2345678"])
def test_phone_with_non_ascii_digits_is_refused_on_the_form(client, desk, phone):
    response = client.post(f"/q/{counter_token(desk)}", data={"overall": "2", "phone": phone, "consent": "1"})
    assert response.status_code == 422
    assert "Số điện thoại không hợp lệ" in response.get_data(as_text=True)
    assert db.session.query(Rating).count() == 0


def test_phone_with_non_ascii_digits_is_refused_by_the_api(client, desk):
    body = {"token": counter_token(desk), "overall": 2, "contact": {"phone": "0٩١٢٣٤٥٦٧٨", "consent": True}}
    response = post_api(client, body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "contact.phone"
    assert db.session.query(Rating).count() == 0


@pytest.mark.postgres_too  # a NUL byte reaching PostgreSQL's driver is an error, not a miss
def test_api_officer_code_is_matched_in_nfc_and_a_nul_is_refused(client, desk):
    officer(desk, "CB-ĐỨC")
    other = officer(desk, "CB-2")
    named = post_api(client, {"token": counter_token(desk), "overall": 4, "officer_code": NFD("CB-ĐỨC")})
    assert named.status_code == 201, named.get_json()
    assert db.session.get(Rating, named.get_json()["id"]).officer_id != other.id
    refused = post_api(client, {"token": counter_token(desk), "overall": 4, "officer_code": "CB-2\x00"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [
        {"field": "officer_code", "code": "control_character", "message": "contains a control character"}]


# --- counters and officers from the dashboard ----------------------------------------

@pytest.mark.postgres_too  # a NUL byte reaching PostgreSQL's driver is an error, not a miss
@pytest.mark.parametrize("name", ["Quầy\x00 9", "Quầy\x07 9", "Quầy 9\x1b[31m"])
def test_a_control_character_in_a_name_is_refused(app, name):
    _, commune, _ = tree()
    with pytest.raises(ManagementError) as refused:
        create_counter("test", commune, "Q9", name)
    assert "ký tự điều khiển" in str(refused.value.message)
    desk = counter(commune, "Q1")
    clerk = officer(desk, "CB-1", "Nguyễn Văn An")
    with pytest.raises(ManagementError):
        rename_officer("test", clerk, name)
    with pytest.raises(ManagementError):
        create_officer("test", commune, "CB\x002", "Trần Văn Bình")
    db.session.expire_all()
    assert db.session.scalars(select(Counter.code)).all() == ["Q1"]
    assert db.session.get(Officer, clerk.id).name == "Nguyễn Văn An"


def test_nfd_and_nfc_spellings_of_a_code_are_one_code(app):
    _, commune, _ = tree()
    create_counter("test", commune, "TƯ-PHÁP", NFD("Quầy Tư pháp"))
    assert db.session.scalar(select(Counter.name)) == "Quầy Tư pháp"
    with pytest.raises(ManagementError):
        create_counter("test", commune, NFD("TƯ-PHÁP"), "Quầy Tư pháp 2")
    create_officer("test", commune, "CB-ĐỨC", "Lê Văn Đức")
    with pytest.raises(ManagementError):
        create_officer("test", commune, NFD("CB-ĐỨC"), "Lê Văn Đức")
    assert db.session.scalars(select(Officer.code)).all() == ["CB-ĐỨC"]


# --- CSV imports ---------------------------------------------------------------------

@pytest.mark.postgres_too  # a NUL byte reaching PostgreSQL's driver is an error, not a miss
def test_a_control_character_in_an_imported_row_is_reported_by_line(runner, app, tmp_path):
    tree()
    path = tmp_path / "counters.csv"
    path.write_text("unit_code,code,name\n01273,Q1,Quầy 1\n01273,Q2,Quầy\x00 2\n01273,Q\x073,Quầy 3\n",
                    encoding="utf-8")
    result = runner.invoke(args=["counters", "import", str(path)])
    assert f"{path}:3: field name contains a control character" in result.output
    assert f"{path}:4: field code contains a control character" in result.output
    assert db.session.scalars(select(Counter.code)).all() == ["Q1"]


def test_an_nfd_code_in_an_officers_file_is_the_nfc_officer(runner, app, tmp_path):
    _, commune, _ = tree()
    desk = counter(commune, "Q1")
    officer(desk, "CB-ĐỨC", "Lê Văn Đức")
    path = tmp_path / "officers.csv"
    path.write_text(f"code,name,unit_code\n{NFD('CB-ĐỨC')},Lê Văn Đức Mới,01273\n", encoding="utf-8")
    assert runner.invoke(args=["officers", "import", str(path)]).exit_code == 0
    db.session.expire_all()
    assert db.session.execute(select(Officer.code, Officer.name)).all() == [("CB-ĐỨC", "Lê Văn Đức Mới")]


# --- dossiers from the one-door e-system ---------------------------------------------

@pytest.fixture
def one_door(app, runner):
    _, commune, _ = tree()
    desk = counter(commune, "Q1")
    officer(desk, "CB-ĐỨC")
    return {"Authorization": f"Bearer {create_key(runner, '01273')}"}, desk


def registration(desk, **changes) -> dict:
    data = {"code": "H15.50.05.13-261008-0975", "unit_code": "01273", "counter_id": desk.id,
            "officer_code": "CB-ĐỨC", "procedure": {"code": "1.001234", "name": "Đăng ký khai sinh"},
            "received_at": "2026-10-08T08:30:00+07:00", "channel": "in_person"}
    data.update(changes)
    return data


@pytest.mark.postgres_too  # a NUL byte reaching PostgreSQL's driver is an error, not a miss
@pytest.mark.parametrize("changes, field", [
    ({"procedure": {"code": "1.001234", "name": "Đăng ký\x00 khai sinh"}}, "procedure.name"),
    ({"procedure": {"code": "1.00\x001234", "name": "Đăng ký khai sinh"}}, "procedure.code"),
    ({"unit_code": "01273\x00"}, "unit_code"),
    ({"officer_code": "CB-ĐỨC\x00"}, "officer_code"),
])
def test_a_control_character_in_a_dossier_is_refused_by_field(client, one_door, changes, field):
    auth, desk = one_door
    response = client.post("/api/v1/dossiers", json=registration(desk, **changes), headers=auth)
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert {"field": field, "code": "control_character", "message": "contains a control character"} in details
    assert db.session.query(Dossier).count() == 0


def test_a_control_character_in_a_custom_dossier_code_is_refused(make_app, runner):
    app = make_app(DOSSIER_CODE_PATTERN=r".+")
    with app.app_context():
        _, commune, _ = tree()
        desk = counter(commune, "Q1")
        officer(desk, "CB-ĐỨC")
        auth = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), '01273')}"}
        response = app.test_client().post("/api/v1/dossiers", json=registration(desk, code="HS-\x00-1"),
                                          headers=auth)
        assert response.status_code == 422
        assert response.get_json()["error"]["details"][0]["code"] == "control_character"


def test_a_dossier_in_nfd_is_stored_and_found_in_nfc(make_app):
    app = make_app(DOSSIER_CODE_PATTERN=r"[A-ZĐ0-9.\-]+")
    with app.app_context():
        _, commune, _ = tree()
        desk = counter(commune, "Q1")
        officer(desk, "CB-ĐỨC")
        auth = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), '01273')}"}
        client = app.test_client()
        body = registration(desk, code=NFD("ĐK-2610-0001"), officer_code=NFD("CB-ĐỨC"),
                            procedure={"code": "1.001234", "name": NFD("Đăng ký khai sinh")})
        created = client.post("/api/v1/dossiers", json=body, headers=auth)
        assert created.status_code == 201, created.get_json()
        stored = db.session.scalars(select(Dossier)).one()
        assert (stored.code, stored.procedure_name) == ("ĐK-2610-0001", "Đăng ký khai sinh")
        # The same dossier in the other spelling is the same dossier, not a second one.
        again = client.post("/api/v1/dossiers", json=registration(
            desk, code="ĐK-2610-0001", procedure={"code": "1.001234", "name": "Đăng ký khai sinh"}), headers=auth)
        assert again.status_code == 200
        assert client.get(f"/api/v1/dossiers/{NFD('ĐK-2610-0001')}", headers=auth).status_code == 200

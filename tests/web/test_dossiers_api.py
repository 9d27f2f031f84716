"""The dossier API the one-door e-system calls: register, batch, follow up, QR for the receipt."""
from __future__ import annotations

import json

import pytest
import redis as redis_lib
from factories import counter, create_key, officer, tree
from qr_reader import decode

from feedback_service.dossiers.tokens import DossierTokenInvalid, dossier_from_token, dossier_url
from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Dossier
from feedback_service.ratings.tokens import TokenInvalid

pytestmark = pytest.mark.postgres_too

CODE = "H15.50.05.13-261008-0975"



@pytest.fixture
def units(app):
    province, commune_a, commune_b = tree()
    desk_a = counter(commune_a, "Q1")
    officer(desk_a, "CB-A")
    desk_b = counter(commune_b, "Q1")
    officer(desk_b, "CB-B")
    return {"a": commune_a, "b": commune_b, "desk_a": desk_a.id, "desk_b": desk_b.id}


@pytest.fixture
def auth(runner, units):
    return {"Authorization": f"Bearer {create_key(runner, '01273')}"}


def body(units, **changes) -> dict:
    data = {
        "code": CODE,
        "unit_code": "01273",
        "counter_id": units["desk_a"],
        "officer_code": "CB-A",
        "procedure": {"code": "1.001234", "name": "Đăng ký khai sinh"},
        "received_at": "2026-10-08T23:30:00+07:00",
        "due_at": "2026-10-10T17:00:00+07:00",
        "channel": "in_person",
    }
    data.update(changes)
    return data


def post(client, auth, data, path="/api/v1/dossiers"):
    return client.post(path, json=data, headers=auth)


def error_fields(response) -> set[str]:
    return {d["field"] for d in response.get_json()["error"]["details"]}


# --- POST /api/v1/dossiers --------------------------------------------------------

def test_register_answers_the_dossier_with_its_links(client, auth, units):
    response = post(client, auth, body(units))
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["code"] == CODE and answer["unit_code"] == "01273"
    assert answer["officer_code"] == "CB-A" and answer["counter_id"] == units["desk_a"]
    # No field (lĩnh vực) sent: the dossier counts under "Khác" in Biểu II.06a.
    assert answer["procedure"] == {"code": "1.001234", "name": "Đăng ký khai sinh",
                                   "field_code": None, "field_name": None}
    assert answer["received_at"] == "2026-10-08T16:30:00+00:00"
    # 23:30 in Hà Nội is still 8 October there.
    assert answer["received_day"] == "2026-10-08"
    assert answer["due_at"] == "2026-10-10T10:00:00+00:00"
    assert answer["feedback_url"].startswith("http://sipas.test/d/")
    # The unit rides along: codes are unique per unit (tests/test_dossier_isolation.py).
    assert answer["qr_png"] == f"http://sipas.test/api/v1/dossiers/{CODE}/qr.png?unit_code=01273"
    assert answer["qr_svg"] == f"http://sipas.test/api/v1/dossiers/{CODE}/qr.svg?unit_code=01273"
    assert answer["cancelled"] is False and answer["returned_at"] is None
    stored = db.session.query(Dossier).one()
    assert dossier_from_token(answer["feedback_url"].rsplit("/d/", 1)[1]).id == stored.id
    entry = db.session.query(AuditEntry).filter_by(action="dossier.create").one()
    assert entry.target == f"dossier:{CODE}" and entry.actor.startswith("client:")


def test_minimal_body_without_counter_officer_or_due(client, auth, units):
    data = body(units, channel="online")
    for name in ("counter_id", "officer_code", "due_at"):
        del data[name]
    response = post(client, auth, data)
    assert response.status_code == 201
    assert response.get_json()["counter_id"] is None and response.get_json()["officer_code"] is None


def test_same_body_again_is_200_with_the_same_answer(client, auth, units):
    first = post(client, auth, body(units))
    again = post(client, auth, body(units, received_at="2026-10-08T16:30:00Z"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db.session.query(Dossier).count() == 1
    assert db.session.query(AuditEntry).filter_by(action="dossier.create").count() == 1


def test_conflicting_body_is_409_naming_the_fields(client, auth, units):
    post(client, auth, body(units))
    response = post(client, auth, body(units, channel="post", procedure={"code": "1.001234", "name": "Khác"}))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert error_fields(response) == {"channel", "procedure.name"}


@pytest.mark.parametrize("code", ["H15.50.05.13-261008-0975", "000.00.17.H15-230210-0003",
                                  "G01.993-250101-00001"])
def test_real_receipt_codes_are_accepted(client, auth, units, code):
    assert post(client, auth, body(units, code=code)).status_code == 201


@pytest.mark.parametrize("code", ["hello", "H15.50.05.13-261308-0975", "H15.50.05.13-261032-0975",
                                  "H15-261008-0975", "H15.50.05.13-261008-97", "h15.50.05.13-261008-0975",
                                  " H15.50.05.13-261008-0975", "H15.50.05.13_261008_0975"])
def test_junk_codes_are_refused(client, auth, units, code):
    response = post(client, auth, body(units, code=code))
    assert response.status_code == 422 and error_fields(response) == {"code"}


def test_the_code_pattern_is_a_setting(make_app, backend):
    app = make_app(DOSSIER_CODE_PATTERN=r"HS-\d{6}")
    with app.app_context():
        units = {"desk_a": counter(tree()[1], "Q1").id}
        key = create_key(app.test_cli_runner(), "01273")
        client = app.test_client()
        auth = {"Authorization": f"Bearer {key}"}
        assert post(client, auth, body(units, code="HS-000123", officer_code=None)).status_code == 201
        assert post(client, auth, body(units, officer_code=None)).status_code == 422


@pytest.mark.parametrize("counter_id", [0, 2**31, 10**30])
def test_counter_ids_outside_the_database_range_are_422(client, auth, units, counter_id):
    response = post(client, auth, body(units, counter_id=counter_id))
    assert response.status_code == 422 and error_fields(response) == {"counter_id"}


def test_every_error_at_once(client, auth, units):
    data = body(units, channel="fax", counter_id="1", extra=1, procedure={"code": ""})
    del data["received_at"]
    response = post(client, auth, data)
    assert response.status_code == 422
    assert error_fields(response) == {"channel", "counter_id", "extra", "procedure.code", "procedure.name",
                                      "received_at"}


def test_domain_errors_at_once(client, auth, units):
    response = post(client, auth, body(units, code="junk", received_at="2026-10-08T08:00:00",
                                       due_at="yesterday", counter_id=units["desk_b"], officer_code="CB-B"))
    assert response.status_code == 422
    details = {d["field"]: d["code"] for d in response.get_json()["error"]["details"]}
    assert details == {"code": "invalid_code", "received_at": "naive_time", "due_at": "invalid_time",
                       "counter_id": "unknown_counter", "officer_code": "unknown_officer"}


def test_due_before_receipt_and_unknown_unit(client, runner, units):
    auth = {"Authorization": f"Bearer {create_key(runner, '04')}"}
    response = post(client, auth, body(units, due_at="2026-10-01T08:00:00+07:00"))
    assert response.status_code == 422 and error_fields(response) == {"due_at"}
    response = post(client, auth, body(units, unit_code="99999", counter_id=None, officer_code=None))
    assert response.status_code == 422 and error_fields(response) == {"unit_code"}


@pytest.mark.parametrize("payload, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 422),
    ("code=x", "application/x-www-form-urlencoded", 415),
])
def test_bodies_that_are_not_a_json_object(client, auth, units, payload, content_type, status):
    response = client.post("/api/v1/dossiers", data=payload, content_type=content_type, headers=auth)
    assert response.status_code == status and "error" in response.get_json()


def test_single_post_keeps_the_small_body_limit(client, auth, units):
    response = post(client, auth, body(units, procedure={"code": "x", "name": "x" * 20_000}))
    assert response.status_code == 413


# --- scope and auth on every route ------------------------------------------------

def _other_commune_dossier(runner, client, units) -> str:
    province_auth = {"Authorization": f"Bearer {create_key(runner, '04')}"}
    code = "H15.50.05.14-261008-0001"
    data = body(units, code=code, unit_code="01279", counter_id=units["desk_b"], officer_code="CB-B")
    assert post(client, province_auth, data).status_code == 201
    return code


def test_a_commune_key_is_forbidden_on_another_commune(client, runner, auth, units):
    code = _other_commune_dossier(runner, client, units)
    data = body(units, code="H15.50.05.14-261008-0002", unit_code="01279", counter_id=None, officer_code=None)
    # Registering in another (public) unit is forbidden; another unit's dossier is not found,
    # as if it did not exist (tests/test_dossier_isolation.py).
    forbidden = post(client, auth, data)
    assert forbidden.status_code == 403 and forbidden.get_json()["error"]["code"] == "forbidden"
    attempts = [
        client.get(f"/api/v1/dossiers/{code}", headers=auth),
        client.patch(f"/api/v1/dossiers/{code}", json={"late": True}, headers=auth),
        client.get(f"/api/v1/dossiers/{code}/qr.png", headers=auth),
        client.get(f"/api/v1/dossiers/{code}/qr.svg", headers=auth),
    ]
    for response in attempts:
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    batch = post(client, auth, {"dossiers": [data]}, "/api/v1/dossiers:batch").get_json()
    assert batch["results"][0]["status"] == "forbidden" and batch["counts"]["forbidden"] == 1
    assert db.session.query(Dossier).filter_by(code=data["code"]).count() == 0
    assert db.session.get(Dossier, db.session.query(Dossier.id).filter_by(code=code).scalar()).late is None


def test_scope_is_checked_before_counter_and_officer(client, auth, units):
    # Otherwise a key could probe another commune's counters and officers.
    data = body(units, unit_code="01279", counter_id=999, officer_code="nobody")
    assert post(client, auth, data).status_code == 403


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/dossiers"), ("post", "/api/v1/dossiers:batch"), ("get", f"/api/v1/dossiers/{CODE}"),
    ("patch", f"/api/v1/dossiers/{CODE}"), ("get", f"/api/v1/dossiers/{CODE}/qr.png"),
    ("get", f"/api/v1/dossiers/{CODE}/qr.svg"),
])
def test_every_route_needs_a_key(client, units, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


# --- GET and PATCH ----------------------------------------------------------------

def test_get_answers_the_registered_dossier(client, auth, units):
    created = post(client, auth, body(units)).get_json()
    response = client.get(f"/api/v1/dossiers/{CODE}", headers=auth)
    assert response.status_code == 200 and response.get_json() == created


@pytest.mark.parametrize("method", ["get", "patch"])
def test_unknown_code_is_404(client, auth, units, method):
    response = getattr(client, method)("/api/v1/dossiers/H15.50.05.13-261008-9999", json={"late": True},
                                       headers=auth)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_patch_records_return_lateness_and_apology(client, auth, units):
    post(client, auth, body(units))
    response = client.patch(f"/api/v1/dossiers/{CODE}", headers=auth, json={
        "resolved_at": "2026-10-11T09:00:00+07:00",
        # 00:30 on the 12th in Hà Nội, still the 11th in UTC: the day is local.
        "returned_at": "2026-10-12T00:30:00+07:00",
        "late": True,
        "apology_issued_at": "2026-10-10T16:00:00+07:00",
        "new_due_at": "2026-10-12T17:00:00+07:00",
    })
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["late"] is True and answer["returned_day"] == "2026-10-12"
    assert answer["returned_at"] == "2026-10-11T17:30:00+00:00"
    assert answer["new_due_at"] == "2026-10-12T10:00:00+00:00"
    assert client.get(f"/api/v1/dossiers/{CODE}", headers=auth).get_json() == answer
    entry = db.session.query(AuditEntry).filter_by(action="dossier.update").one()
    assert entry.detail["late"] is True and entry.target == f"dossier:{CODE}"
    # The same changes again change nothing and audit nothing.
    again = client.patch(f"/api/v1/dossiers/{CODE}", headers=auth, json={"late": True})
    assert again.get_json() == answer
    assert db.session.query(AuditEntry).filter_by(action="dossier.update").count() == 1


def test_patch_clears_and_cancels(client, auth, units):
    post(client, auth, body(units))
    client.patch(f"/api/v1/dossiers/{CODE}", headers=auth, json={"returned_at": "2026-10-09T10:00:00+07:00"})
    answer = client.patch(f"/api/v1/dossiers/{CODE}", headers=auth,
                          json={"returned_at": None, "cancelled": True}).get_json()
    assert answer["returned_at"] is None and answer["returned_day"] is None and answer["cancelled"] is True


@pytest.mark.parametrize("changes, fields", [
    ({}, {"(body)"}),
    ({"late": "yes"}, {"late"}),
    ({"cancelled": None}, {"cancelled"}),
    ({"returned_at": "2026-10-09 10:00"}, {"returned_at"}),
    ({"returned_at": "2026-10-01T10:00:00+07:00"}, {"returned_at"}),
    ({"code": "x", "resolved_at": "soon"}, {"code", "resolved_at"}),
])
def test_patch_refuses_bad_changes(client, auth, units, changes, fields):
    post(client, auth, body(units))
    response = client.patch(f"/api/v1/dossiers/{CODE}", headers=auth, json=changes)
    assert response.status_code == 422 and error_fields(response) == fields
    assert db.session.query(AuditEntry).filter_by(action="dossier.update").count() == 0


# --- batch ------------------------------------------------------------------------

def test_batch_reports_each_item_and_keeps_the_good_ones(client, runner, auth, units):
    post(client, auth, body(units))
    items = [
        body(units, code="H15.50.05.13-261008-0976"),                        # created
        body(units),                                                         # unchanged
        body(units, channel="post"),                                         # conflict
        body(units, code="junk"),                                            # invalid
        body(units, code="H15.50.05.13-261008-0977", unit_code="01279",
             counter_id=None, officer_code=None),                            # forbidden
        "not an object",                                                     # invalid
        body(units, code="H15.50.05.13-261008-0976"),                        # repeated: unchanged
        body(units, code="H15.50.05.13-261008-0976", channel="online"),      # repeated: conflict
    ]
    response = post(client, auth, {"dossiers": items}, "/api/v1/dossiers:batch")
    assert response.status_code == 200
    answer = response.get_json()
    assert [r["status"] for r in answer["results"]] == [
        "created", "unchanged", "conflict", "invalid", "forbidden", "invalid", "unchanged", "conflict"]
    assert [r["index"] for r in answer["results"]] == list(range(8))
    assert answer["counts"] == {"created": 1, "unchanged": 2, "conflict": 2, "invalid": 2, "forbidden": 1}
    results = answer["results"]
    assert results[0]["feedback_url"].startswith("http://sipas.test/d/")
    assert results[1]["feedback_url"] == client.get(f"/api/v1/dossiers/{CODE}", headers=auth).get_json()[
        "feedback_url"]
    assert {e["field"] for e in results[2]["errors"]} == {"channel"}
    assert {e["field"] for e in results[3]["errors"]} == {"code"}
    assert results[5]["code"] is None
    assert "feedback_url" not in results[4] and "errors" not in results[0]
    assert db.session.query(Dossier).count() == 2


def test_batch_of_a_thousand_goes_past_the_small_body_limit(client, auth, units):
    items = [body(units, code=f"H15.50.05.13-261008-{n:04d}") for n in range(1000)]
    payload = json.dumps({"dossiers": items})
    assert len(payload) > 16 * 1024
    response = client.post("/api/v1/dossiers:batch", data=payload, content_type="application/json",
                           headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["counts"]["created"] == 1000
    assert db.session.query(Dossier).count() == 1000
    again = client.post("/api/v1/dossiers:batch", data=payload, content_type="application/json", headers=auth)
    assert again.get_json()["counts"]["unchanged"] == 1000


@pytest.mark.parametrize("payload, field", [
    ({"dossiers": []}, "dossiers"),
    ({"items": []}, "items"),
    ({"dossiers": {}}, "dossiers"),
])
def test_batch_envelope_errors_are_422(client, auth, units, payload, field):
    response = post(client, auth, payload, "/api/v1/dossiers:batch")
    assert response.status_code == 422 and field in error_fields(response)


def test_batch_of_more_than_a_thousand_is_422(client, auth, units):
    items = [body(units, code=f"H15.50.05.13-261008-{n:04d}") for n in range(1001)]
    response = post(client, auth, {"dossiers": items}, "/api/v1/dossiers:batch")
    assert response.status_code == 422 and error_fields(response) == {"dossiers"}
    assert db.session.query(Dossier).count() == 0


def test_batch_over_the_byte_limit_is_413(make_app, backend):
    app = make_app(DOSSIER_BATCH_MAX_BYTES=64 * 1024)
    with app.app_context():
        units = {"desk_a": counter(tree()[1], "Q1").id}
        auth = {"Authorization": f"Bearer {create_key(app.test_cli_runner(), '01273')}"}
        items = [body(units, code=f"H15.50.05.13-261008-{n:04d}", officer_code=None) for n in range(300)]
        response = app.test_client().post("/api/v1/dossiers:batch", json={"dossiers": items}, headers=auth)
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "payload_too_large"
        assert db.session.query(Dossier).count() == 0


# --- QR for the receipt -----------------------------------------------------------

@pytest.mark.parametrize("fmt, suffix, mimetype", [("png", ".png", "image/png"),
                                                   ("svg", ".svg", "image/svg+xml")])
def test_qr_decodes_to_the_feedback_url(client, auth, units, fmt, suffix, mimetype):
    answer = post(client, auth, body(units)).get_json()
    response = client.get(f"/api/v1/dossiers/{CODE}/qr.{fmt}", headers=auth)
    assert response.status_code == 200 and response.mimetype == mimetype
    assert decode(response.data, suffix) == [answer["feedback_url"]]
    # Cached in Redis, served again from there, and revalidated without a body.
    cache = redis_lib.Redis.from_url(client.application.config["REDIS_URL"])
    assert len(cache.keys(f"qr:dossier:*:{fmt}:*")) == 1
    assert client.get(f"/api/v1/dossiers/{CODE}/qr.{fmt}", headers=auth).data == response.data
    fresh = client.get(f"/api/v1/dossiers/{CODE}/qr.{fmt}",
                       headers={**auth, "If-None-Match": response.headers["ETag"]})
    assert fresh.status_code == 304 and fresh.data == b""


def test_qr_png_is_receipt_sized_unless_asked(client, auth, units):
    from io import BytesIO

    from PIL import Image

    post(client, auth, body(units))
    default = client.get(f"/api/v1/dossiers/{CODE}/qr.png", headers=auth)
    assert Image.open(BytesIO(default.data)).size == (256, 256)
    bigger = client.get(f"/api/v1/dossiers/{CODE}/qr.png?size=512", headers=auth)
    assert Image.open(BytesIO(bigger.data)).size == (512, 512)
    # Other sizes are drawn at the next allowed one, so a few images are ever cached.
    odd = client.get(f"/api/v1/dossiers/{CODE}/qr.png?size=300", headers=auth)
    assert Image.open(BytesIO(odd.data)).size == (384, 384)
    for size in ("12", "abc", "99999"):
        response = client.get(f"/api/v1/dossiers/{CODE}/qr.png?size={size}", headers=auth)
        assert response.status_code == 422 and error_fields(response) == {"size"}


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_of_unknown_dossier_is_404(client, auth, units, fmt):
    assert client.get(f"/api/v1/dossiers/{CODE}/qr.{fmt}", headers=auth).status_code == 404


# --- the token the QR carries -----------------------------------------------------

def test_dossier_token_is_signed_and_not_a_counter_token(client, auth, units):
    from feedback_service.ratings.tokens import counter_from_token

    post(client, auth, body(units))
    dossier = db.session.query(Dossier).one()
    token = dossier_url(dossier).rsplit("/d/", 1)[1]
    assert dossier_from_token(token).code == CODE
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "junk", ""):
        with pytest.raises(DossierTokenInvalid):
            dossier_from_token(bad)
    # A dossier token opens no counter, and the error is a TokenInvalid like any other.
    with pytest.raises(TokenInvalid):
        counter_from_token(token)
    with pytest.raises(TokenInvalid):
        dossier_from_token(token + "x")

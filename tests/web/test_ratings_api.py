"""POST /api/v1/ratings: strict input, one error envelope, nothing stored on refusal."""
import json

import pytest
from factories import counter, officer, tree

from feedback_service.extensions import db
from feedback_service.models import PendingFold, Rating
from feedback_service.ratings.tokens import counter_token

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def desk(app):
    _, commune, _ = tree()
    return counter(commune)


def post(client, body, **kwargs):
    return client.post("/api/v1/ratings", data=json.dumps(body), content_type="application/json", **kwargs)


def stored() -> int:
    return db.session.query(Rating).count()


def assert_envelope(response, status, code):
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


def test_full_rating_is_stored_with_its_outbox_row(client, desk):
    body = {
        "token": counter_token(desk), "overall": 5,
        "conduct": {"greet": True, "smile": False, "apologize": None},
        "elements": {"access": 4, "result": 2},
        "comment": "Cán bộ nhiệt tình",
        "contact": {"phone": "091 234 5678", "consent": True},
    }
    response = post(client, body)
    assert response.status_code == 201
    rating = db.session.get(Rating, response.get_json()["id"])
    assert rating.overall == 5 and rating.channel == "api" and not rating.verified
    assert rating.conduct == {"greet": True, "smile": False, "listen": None, "guide": None,
                              "thank": None, "apologize": None}
    assert rating.elements == {"access": 4, "result": 2}
    assert rating.contact_phone == "0912345678"
    assert rating.instrument_version == "sipas-6biet-v1"
    assert rating.unit_id == desk.unit_id and rating.counter_id == desk.id
    assert db.session.query(PendingFold).filter_by(rating_id=rating.id).count() == 1


def test_every_error_listed_at_once(client, desk):
    body = {"token": counter_token(desk), "overall": 7, "conduct": {"greet": "yes", "fly": True},
            "elements": {"access": 0}, "colour": "red"}
    error = assert_envelope(post(client, body), 422, "validation_failed")
    fields = {(d["field"], d["code"]) for d in error["details"]}
    assert fields == {("overall", "out_of_range"), ("conduct.greet", "wrong_type"),
                      ("conduct.fly", "unknown_field"), ("elements.access", "out_of_range"),
                      ("colour", "unknown_field")}
    assert stored() == 0


@pytest.mark.parametrize("body, field, code", [
    ({"overall": 4}, "token", "required"),
    ({"token": "x"}, "overall", "required"),
    ({"token": "x", "overall": "4"}, "overall", "wrong_type"),
    ({"token": "x", "overall": True}, "overall", "wrong_type"),
    ({"token": "x", "overall": 4.0}, "overall", "wrong_type"),
    ({"token": "x", "overall": 4, "elements": {"access": 2.5}}, "elements.access", "wrong_type"),
    ({"token": "x", "overall": 4, "comment": 12}, "comment", "wrong_type"),
    ({"token": "x", "overall": 4, "contact": {"phone": "0912345678"}}, "contact.consent", "required"),
])
def test_single_field_errors(client, body, field, code):
    error = assert_envelope(post(client, body), 422, "validation_failed")
    assert (field, code) in {(d["field"], d["code"]) for d in error["details"]}
    assert stored() == 0


def test_phone_without_consent_is_refused(client, desk):
    body = {"token": counter_token(desk), "overall": 2, "contact": {"phone": "0912345678", "consent": False}}
    error = assert_envelope(post(client, body), 422, "validation_failed")
    assert error["details"][0]["field"] == "contact.consent"
    assert stored() == 0


def test_bad_phone_is_refused(client, desk):
    body = {"token": counter_token(desk), "overall": 2, "contact": {"phone": "12ab", "consent": True}}
    error = assert_envelope(post(client, body), 422, "validation_failed")
    assert error["details"][0]["field"] == "contact.phone"


def test_comment_is_normalised_and_bounded(client, desk):
    decomposed = "Ca\u0301n bo\u0323\u0302 \x07tốt  "  # NFD accents and a control character
    response = post(client, {"token": counter_token(desk), "overall": 4, "comment": decomposed})
    assert response.status_code == 201
    assert db.session.get(Rating, response.get_json()["id"]).comment == "Cán bộ tốt"
    too_long = {"token": counter_token(desk), "overall": 4, "comment": "a" * 1001}
    error = assert_envelope(post(client, too_long), 422, "validation_failed")
    assert error["details"][0] == {"field": "comment", "code": "too_long", "message": "at most 1000 characters"}


def test_malformed_json_is_400(client, desk):
    response = client.post("/api/v1/ratings", data='{"overall": 4,', content_type="application/json")
    assert_envelope(response, 400, "bad_request")
    assert stored() == 0


def test_not_json_is_415(client):
    assert_envelope(client.post("/api/v1/ratings", data="overall=4"), 415, "unsupported_media_type")


def test_array_body_is_422(client):
    assert_envelope(post(client, [1, 2]), 422, "validation_failed")


def test_body_over_16_kb_is_413(client, desk):
    body = {"token": counter_token(desk), "overall": 4, "comment": "x" * 17000}
    assert_envelope(post(client, body), 413, "payload_too_large")
    assert stored() == 0


def test_unknown_token_is_404(client, desk):
    assert_envelope(post(client, {"token": "forged.token", "overall": 4}), 404, "not_found")
    assert stored() == 0


def test_revoked_token_is_404(client, desk):
    token = counter_token(desk)
    desk.qr_version += 1
    db.session.commit()
    assert_envelope(post(client, {"token": token, "overall": 4}), 404, "not_found")
    assert post(client, {"token": counter_token(desk), "overall": 4}).status_code == 201


def test_officer_attribution(client, desk):
    only = officer(desk, "CB-001")
    response = post(client, {"token": counter_token(desk), "overall": 4})
    assert db.session.get(Rating, response.get_json()["id"]).officer_id == only.id
    second = officer(desk, "CB-002")
    unnamed = post(client, {"token": counter_token(desk), "overall": 4})
    assert db.session.get(Rating, unnamed.get_json()["id"]).officer_id is None
    named = post(client, {"token": counter_token(desk), "overall": 4, "officer_code": "CB-002"})
    assert db.session.get(Rating, named.get_json()["id"]).officer_id == second.id
    error = assert_envelope(post(client, {"token": counter_token(desk), "overall": 4, "officer_code": "NOPE"}),
                            422, "validation_failed")
    assert error["details"][0]["field"] == "officer_code"


def test_kiosk_channel(client, desk):
    response = client.post("/api/v1/ratings?channel=kiosk", json={"token": counter_token(desk), "overall": 3})
    assert db.session.get(Rating, response.get_json()["id"]).channel == "kiosk"
    assert_envelope(client.post("/api/v1/ratings?channel=dossier_qr", json={"token": counter_token(desk), "overall": 3}),
                    422, "validation_failed")


def test_unknown_api_route_and_method_use_the_envelope(client):
    assert_envelope(client.get("/api/v1/nothing"), 404, "not_found")
    assert_envelope(client.get("/api/v1/ratings"), 405, "method_not_allowed")

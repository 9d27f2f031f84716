"""The citizen page through the Flask test client: form, errors, thanks, 404s."""
import re

import pytest
from factories import counter, officer, tree

from feedback_service.extensions import db
from feedback_service.models import Rating
from feedback_service.ratings.tokens import counter_token


@pytest.fixture
def desk(app):
    _, commune, _ = tree()
    return counter(commune, name="Quầy 1 — Tư pháp")


def test_form_shows_unit_counter_and_every_question(client, desk):
    html = client.get(f"/q/{counter_token(desk)}").get_data(as_text=True)
    assert "Phường Thục Phán" in html and "Quầy 1 — Tư pháp" in html
    assert html.count('name="overall"') == 5
    for key in ("greet", "smile", "listen", "guide", "thank", "apologize"):
        assert f'name="conduct_{key}"' in html
    for key in ("access", "procedure", "officer", "result", "feedback"):
        assert f'name="element_{key}"' in html
    assert "Rất hài lòng" in html and 'name="website"' in html  # honeypot present, hidden by CSS
    assert "<script" not in html


def test_submission_stores_and_redirects_to_thanks(client, desk):
    response = client.post(f"/q/{counter_token(desk)}", data={
        "overall": "5", "conduct_greet": "yes", "conduct_apologize": "no", "conduct_smile": "unknown",
        "element_officer": "4", "comment": "Rất tốt", "phone": "", "lang": "vi",
    })
    assert response.status_code == 303 and "/thanks" in response.headers["Location"]
    rating = db.session.query(Rating).one()
    assert rating.overall == 5 and rating.channel == "counter_qr"
    assert rating.conduct["greet"] is True and rating.conduct["apologize"] is False
    assert rating.conduct["smile"] is None and rating.conduct["listen"] is None
    assert rating.elements == {"officer": 4}
    assert rating.comment == "Rất tốt" and rating.flag_reason is None
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn" in thanks


def test_missing_overall_returns_form_with_input_kept(client, desk):
    response = client.post(f"/q/{counter_token(desk)}", data={"conduct_greet": "yes", "comment": "Chờ lâu quá"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vui lòng chọn mức độ hài lòng" in html
    assert "Chờ lâu quá" in html
    assert re.search(r'name="conduct_greet" value="yes"\s+checked', html)
    assert db.session.query(Rating).count() == 0


def test_tampered_values_are_refused(client, desk):
    response = client.post(f"/q/{counter_token(desk)}", data={"overall": "9", "conduct_greet": "maybe"})
    assert response.status_code == 422
    assert db.session.query(Rating).count() == 0


def test_phone_needs_consent(client, desk):
    response = client.post(f"/q/{counter_token(desk)}", data={"overall": "2", "phone": "0912345678"})
    assert response.status_code == 422
    assert "đồng ý" in response.get_data(as_text=True)
    ok = client.post(f"/q/{counter_token(desk)}", data={"overall": "2", "phone": "0912345678", "consent": "1"})
    assert ok.status_code == 303
    assert db.session.query(Rating).one().contact_phone == "0912345678"


def test_officer_choice_when_counter_has_several(client, desk):
    first, second = officer(desk, "CB-1", "Nông Thị Hoa"), officer(desk, "CB-2", "Hoàng Văn Nam")
    html = client.get(f"/q/{counter_token(desk)}").get_data(as_text=True)
    assert "Nông Thị Hoa" in html and "Hoàng Văn Nam" in html
    client.post(f"/q/{counter_token(desk)}", data={"overall": "4", "officer": str(second.id)})
    assert db.session.query(Rating).one().officer_id == second.id
    bad = client.post(f"/q/{counter_token(desk)}", data={"overall": "4", "officer": "99999"})
    assert bad.status_code == 422
    assert first.id  # the first officer stays unrated


@pytest.mark.parametrize("token", ["nonsense", "WzEsMV0.forgedsignature", ""])
def test_bad_tokens_get_friendly_vietnamese_404(client, desk, token):
    response = client.get(f"/q/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html and "Traceback" not in html


def test_forged_signature_with_real_counter_id_is_404(client, desk):
    real = counter_token(desk)
    payload, _ = real.split(".", 1)
    response = client.post(f"/q/{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAA", data={"overall": "5"})
    assert response.status_code == 404
    assert db.session.query(Rating).count() == 0


def test_token_signed_with_another_key_is_404(make_app, desk, client):
    other = make_app(SECRET_KEY="another-key")
    with other.app_context():
        from factories import counter as make_counter, unit

        foreign = counter_token(make_counter(unit("99")))
    assert client.get(f"/q/{foreign}").status_code == 404


def test_revoked_and_inactive_counters_are_404(client, desk):
    token = counter_token(desk)
    desk.qr_version += 1
    db.session.commit()
    assert client.get(f"/q/{token}").status_code == 404
    fresh = counter_token(desk)
    assert client.get(f"/q/{fresh}").status_code == 200
    desk.active = False
    db.session.commit()
    assert client.get(f"/q/{fresh}").status_code == 404


def test_english_switch_sets_a_cookie(client, desk):
    token = counter_token(desk)
    html = client.get(f"/q/{token}?lang=en").get_data(as_text=True)
    assert "How satisfied are you with the service today?" in html
    again = client.get(f"/q/{token}").get_data(as_text=True)
    assert "How satisfied are you with the service today?" in again
    back = client.get(f"/q/{token}?lang=vi").get_data(as_text=True)
    assert "Ông/Bà hài lòng" in back


def test_unknown_page_is_friendly(client):
    response = client.get("/khong-co")
    assert response.status_code == 404 and "Không tìm thấy trang" in response.get_data(as_text=True)


def test_oversized_form_gets_friendly_413(client, desk):
    response = client.post(f"/q/{counter_token(desk)}", data={"overall": "4", "comment": "x" * 20000})
    assert response.status_code == 413
    assert "quá dài" in response.get_data(as_text=True)

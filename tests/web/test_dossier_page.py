"""The dossier feedback page (`/d/<token>`): what is rated, one verified rating per dossier,
the rating window, forged tokens, and a race of two submissions."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from factories import counter, officer, tree
from sqlalchemy import select

from feedback_service import clock
from feedback_service.dossiers.tokens import dossier_token
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.ratings.tokens import counter_token

pytestmark = pytest.mark.postgres_too

NOW = datetime.now(timezone.utc)
RATING = {"overall": "4", "conduct_greet": "yes", "conduct_apologize": "no", "element_result": "5",
          "comment": "Trả kết quả đúng hẹn", "lang": "vi"}


def make_dossier(unit_row, desk=None, clerk=None, **fields) -> Dossier:
    received = fields.pop("received_at", NOW - timedelta(days=3))
    row = Dossier(code=fields.pop("code", "H15.50.05.13-261008-0975"), unit_id=unit_row.id,
                  counter_id=desk.id if desk else None, officer_id=clerk.id if clerk else None,
                  procedure_code=fields.pop("procedure_code", "1.001612"),
                  procedure_name=fields.pop("procedure_name", "Đăng ký khai sinh"),
                  channel=fields.pop("channel", "in_person"), received_at=received,
                  received_day=fields.pop("received_day", (received + timedelta(hours=7)).date()),
                  **fields)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def place(app):
    _, commune, _ = tree()
    desk = counter(commune, name="Quầy 2 — Hộ tịch")
    clerk = officer(desk, "CB-07", "Lục Thị Mai")
    return commune, desk, clerk


@pytest.fixture
def dossier(place):
    commune, desk, clerk = place
    return make_dossier(commune, desk, clerk, received_at=datetime(2026, 10, 8, 2, 30, tzinfo=timezone.utc),
                        received_day=datetime(2026, 10, 8).date(),
                        due_at=datetime(2026, 10, 13, 10, tzinfo=timezone.utc),
                        returned_at=NOW - timedelta(days=1), late=True)


def url(row: Dossier) -> str:
    return f"/d/{dossier_token(row)}"


def ratings() -> list[Rating]:
    db.session.expire_all()
    return db.session.scalars(select(Rating).order_by(Rating.id)).all()


def test_form_shows_what_is_being_rated(client, dossier):
    response = client.get(url(dossier))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Đăng ký khai sinh" in html and "Phường Thục Phán" in html and "Quầy 2 — Hộ tịch" in html
    assert "08/10/2026" in html and "H15.50.05.13-261008-0975" in html
    assert "Trễ hạn" in html and "Lục Thị Mai" in html
    assert html.count('name="overall"') == 5 and 'name="website"' in html
    # Attribution is automatic: no officer to choose.
    assert 'name="officer"' not in html
    assert f'action="{url(dossier)}"' in html
    assert "<script" not in html


# Looked at on Tuesday 20 October 2026 at 10:00 in Hà Nội (03:00 UTC): on time and late are
# judged by local days (dossiers/timeliness.py), the definition the summary API and the reports use.
LOOKED_AT = datetime(2026, 10, 20, 3, tzinfo=timezone.utc)
ON_THE_20TH = datetime(2026, 10, 20, 1, tzinfo=timezone.utc)   # 08:00 local, before the page is looked at


@pytest.mark.parametrize("fields, expected", [
    ({"late": False, "returned_at": LOOKED_AT - timedelta(days=1)}, "Đúng hạn"),   # the e-system's flag wins
    ({"late": True, "returned_at": LOOKED_AT - timedelta(days=9)}, "Trễ hạn"),
    ({"due_at": LOOKED_AT - timedelta(days=2), "returned_at": LOOKED_AT - timedelta(days=1)}, "Trễ hạn"),
    ({"due_at": LOOKED_AT - timedelta(days=1), "returned_at": LOOKED_AT - timedelta(days=2)}, "Đúng hạn"),
    # Due at 08:00 on the 20th, returned at 09:55 on the 20th: the same local day, so on time.
    ({"due_at": ON_THE_20TH, "returned_at": LOOKED_AT - timedelta(minutes=5)}, "Đúng hạn"),
    ({"due_at": LOOKED_AT - timedelta(days=1)}, "Trễ hạn"),  # not returned, its due day is over
    ({"due_at": ON_THE_20TH}, None),  # not returned, due today: not late until the day is over
    ({"due_at": LOOKED_AT + timedelta(days=5)}, None),  # not returned, not due: not known yet
    ({"late": False}, None),  # still out: the flag says not late, which is not "on time" yet
    ({"returned_at": LOOKED_AT - timedelta(days=1)}, None),  # no due date: neither, never taken for on time
])
def test_on_time_or_late_when_known(client, place, fields, expected):
    commune, desk, _ = place
    received = datetime(2026, 10, 1, 2, tzinfo=timezone.utc)
    with clock.running_from(LOOKED_AT):
        html = client.get(url(make_dossier(commune, desk, received_at=received, **fields))).get_data(as_text=True)
    shown = [label for label in ("Đúng hạn", "Trễ hạn") if label in html]
    assert shown == ([expected] if expected else [])


def test_rating_is_verified_and_attributed_to_the_dossier(client, dossier, place):
    _, desk, clerk = place
    response = client.post(url(dossier), data=RATING)
    assert response.status_code == 303 and "/thanks" in response.headers["Location"]
    (rating,) = ratings()
    assert rating.verified is True and rating.channel == "dossier_qr"
    assert rating.dossier_id == dossier.id and rating.procedure_code == "1.001612"
    assert rating.unit_id == dossier.unit_id and rating.counter_id == desk.id
    assert rating.officer_id == clerk.id and rating.flag_reason is None
    assert rating.overall == 4 and rating.conduct["greet"] is True and rating.conduct["apologize"] is False
    assert rating.elements == {"result": 5} and rating.comment == "Trả kết quả đúng hẹn"
    # Folded into the summaries like any other rating.
    assert db.session.scalar(select(PendingFold.rating_id)) == rating.id


def test_dossier_without_counter_or_officer_is_rated_for_its_unit(client, place):
    commune, _, _ = place
    online = make_dossier(commune, code="H15.50.05.13-261008-0976", channel="online")
    html = client.get(url(online)).get_data(as_text=True)
    assert "Phường Thục Phán" in html and "Cán bộ tiếp nhận" not in html
    assert client.post(url(online), data=RATING).status_code == 303
    (rating,) = ratings()
    assert (rating.unit_id, rating.counter_id, rating.officer_id) == (commune.id, None, None)
    assert rating.verified is True


def test_second_attempt_counts_nothing_and_says_already_rated(client, dossier):
    assert client.post(url(dossier), data=RATING).status_code == 303
    again = client.post(url(dossier), data={**RATING, "overall": "1"})
    assert again.status_code == 200
    assert "Hồ sơ này đã được đánh giá — cảm ơn Ông/Bà" in again.get_data(as_text=True)
    assert [r.overall for r in ratings()] == [4]
    page = client.get(url(dossier))
    assert page.status_code == 200 and "đã được đánh giá" in page.get_data(as_text=True)
    assert 'name="overall"' not in page.get_data(as_text=True)


def test_two_racing_submissions_store_exactly_one(app, dossier):
    """Both pass the 'already rated?' check; the unique dossier_id lets only one through."""
    token_url = url(dossier)
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    bodies: list[str] = []

    def submit(overall: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(token_url, data={**RATING, "overall": overall})
        statuses.append(response.status_code)
        bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(level,)) for level in ("5", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 303], bodies
    assert any("đã được đánh giá" in body for body in bodies)
    assert len(ratings()) == 1


def test_losing_the_race_at_the_database_shows_already_rated(client, dossier, monkeypatch):
    """The path a racing submission takes: the page's check saw no rating, the insert fails."""
    from feedback_service.citizen import dossier_pages

    assert client.post(url(dossier), data=RATING).status_code == 303
    real_check = dossier_pages.already_rated
    calls = []

    def stale_first_check(row):
        calls.append(row.id)
        return False if len(calls) == 1 else real_check(row)

    monkeypatch.setattr(dossier_pages, "already_rated", stale_first_check)
    again = client.post(url(dossier), data={**RATING, "overall": "1"})
    assert again.status_code == 200 and "đã được đánh giá" in again.get_data(as_text=True)
    assert len(calls) == 2  # the IntegrityError was caught and checked, not turned into a 500
    assert [r.overall for r in ratings()] == [4]


def test_store_rating_itself_refuses_a_second_rating_for_a_dossier(app, dossier):
    """The database, not the page, is what enforces one rating per dossier."""
    from sqlalchemy.exc import IntegrityError

    from feedback_service.ratings.instrument import current_instrument
    from feedback_service.ratings.submission import Answers, store_rating

    answers = Answers(overall=3, conduct={}, elements={})
    store_rating(answers, dossier.counter, None, channel="dossier_qr", instrument=current_instrument(),
                 dossier=dossier, verified=True)
    with pytest.raises(IntegrityError):
        store_rating(answers, dossier.counter, None, channel="dossier_qr",
                     instrument=current_instrument(), dossier=dossier, verified=True)
    assert len(ratings()) == 1


@pytest.mark.parametrize("days_ago, config_days, status", [(29, None, 200), (31, None, 410),
                                                            (8, 7, 410), (6, 7, 200)])
def test_window_closes_days_after_return(make_app, days_ago, config_days, status):
    app = make_app(**({"DOSSIER_RATING_DAYS": config_days} if config_days else {}))
    with app.app_context():
        _, commune, _ = tree()
        row = make_dossier(commune, received_at=NOW - timedelta(days=40),
                           returned_at=NOW - timedelta(days=days_ago))
        client = app.test_client()
        response = client.get(url(row))
        assert response.status_code == status
        posted = client.post(url(row), data=RATING)
        assert posted.status_code == (303 if status == 200 else 410)
        if status == 410:
            html = response.get_data(as_text=True)
            assert "đã hết hạn đánh giá" in html
            assert f"{config_days or 30} ngày sau khi trả kết quả" in html
            assert ratings() == []


def test_not_returned_yet_stays_open(client, place):
    commune, desk, _ = place
    old = make_dossier(commune, desk, received_at=NOW - timedelta(days=200))
    assert client.get(url(old)).status_code == 200


def test_cancelled_dossier_is_410_and_explains(client, dossier):
    dossier.cancelled = True
    db.session.commit()
    response = client.get(url(dossier))
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "đã hết hạn đánh giá" in html and "đã bị huỷ" in html and "Traceback" not in html
    assert client.post(url(dossier), data=RATING).status_code == 410
    assert ratings() == []


@pytest.mark.parametrize("token", ["nonsense", "WzFd.forgedsignature", ""])
def test_forged_tokens_get_the_friendly_404(client, dossier, token):
    response = client.get(f"/d/{token}")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_forged_signature_and_foreign_tokens_are_404(client, dossier, place):
    payload, _ = dossier_token(dossier).split(".", 1)
    assert client.post(f"/d/{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAA", data=RATING).status_code == 404
    # A counter's token is no dossier token (different salt), even with a matching id.
    assert client.get(f"/d/{counter_token(place[1])}").status_code == 404
    db.session.delete(dossier)
    db.session.commit()
    assert client.get(url(dossier)).status_code == 404
    assert ratings() == []


def test_invalid_answers_show_the_form_again_with_input_kept(client, dossier):
    response = client.post(url(dossier), data={"conduct_greet": "yes", "comment": "Chờ hơi lâu"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vui lòng chọn mức độ hài lòng" in html and "Chờ hơi lâu" in html
    assert re.search(r'name="conduct_greet" value="yes"\s+checked', html)
    assert "Đăng ký khai sinh" in html  # still says what is being rated
    tampered = client.post(url(dossier), data={"overall": "9"})
    assert tampered.status_code == 422
    assert ratings() == []
    # The dossier is not used up by a refused attempt.
    assert client.post(url(dossier), data=RATING).status_code == 303


def test_honeypot_is_kept_flagged_and_does_not_use_up_the_dossier(client, dossier):
    bot = client.post(url(dossier), data={**RATING, "website": "http://spam.example"})
    assert bot.status_code == 303  # the bot learns nothing
    assert client.post(url(dossier), data=RATING).status_code == 303
    flagged, real = ratings()
    assert flagged.flag_reason == "honeypot" and flagged.dossier_id is None and flagged.verified is False
    assert flagged.channel == "dossier_qr" and flagged.procedure_code == "1.001612"
    assert real.flag_reason is None and real.dossier_id == dossier.id and real.verified is True


def test_english(client, dossier):
    html = client.get(url(dossier) + "?lang=en").get_data(as_text=True)
    assert "How satisfied are you with the service today?" in html
    assert "Procedure" in html and "Received on" in html and "Late" in html
    assert "Đăng ký khai sinh" in html  # data stays as the e-system sent it
    client.post(url(dossier), data={**RATING, "lang": "en"})
    again = client.post(url(dossier), data={**RATING, "lang": "en"}).get_data(as_text=True)
    assert "This dossier has already been rated" in again


def test_rate_limit_per_address_applies(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PER_IP="2 per minute")
    with app.app_context():
        _, commune, _ = tree()
        rows = [make_dossier(commune, code=f"H15.50.05.13-261008-09{n:02d}") for n in range(3)]
        client = app.test_client()
        assert [client.post(url(r), data=RATING).status_code for r in rows] == [303, 303, 429]
        assert len(ratings()) == 2

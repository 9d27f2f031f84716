"""Counter QR images and the printable poster, read back with a real QR reader.

Both are operators' material (tests/test_operator_material.py): here every request
comes from a logged-in system admin.
"""
from __future__ import annotations

import io
import re

import pytest
import redis as redis_lib
from dashboard_helpers import log_in, make_user
from factories import counter, tree, unit
from PIL import Image
from qr_reader import decode
from redis_server import free_port

from feedback_service.ratings import qr
from feedback_service.extensions import db
from feedback_service.ratings.tokens import counter_url

SUFFIX = {"png": ".png", "svg": ".svg"}


def _token(url: str) -> str:
    return url.rsplit("/q/", 1)[1]


def _rotate(desk) -> None:
    desk.qr_version += 1
    db.session.commit()


def operator_client(app, runner):
    """A test client logged in as a system admin, who may handle every counter."""
    make_user(runner, "quan-tri", "admin")
    client = app.test_client()
    assert log_in(client, "quan-tri").status_code == 302
    return client


@pytest.fixture
def client(app, runner):
    return operator_client(app, runner)


@pytest.fixture
def desk(app):
    _, commune, _ = tree()
    return counter(commune, "Q1", "Quầy 1 — Tư pháp, hộ tịch")


@pytest.fixture
def cache(app):
    return redis_lib.Redis.from_url(app.config["REDIS_URL"])


@pytest.mark.parametrize("fmt, mimetype", [("png", "image/png"), ("svg", "image/svg+xml")])
def test_image_decodes_to_the_counter_url_whose_token_opens_the_form(client, desk, fmt, mimetype):
    response = client.get(f"/api/v1/counters/{desk.id}/qr.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    url = counter_url(desk)
    assert url.startswith("http://sipas.test/q/")
    assert decode(response.data, SUFFIX[fmt]) == [url]
    page = client.get(f"/q/{_token(url)}")
    assert page.status_code == 200
    assert "Phường Thục Phán" in page.get_data(as_text=True)


@pytest.mark.parametrize("size, served", [(128, 128), (333, 384), (600, 600), (1100, 1536), (2048, 2048)])
def test_png_is_the_next_allowed_size_at_least_the_one_asked_for_and_still_scans(client, desk, size, served):
    response = client.get(f"/api/v1/counters/{desk.id}/qr.png?size={size}")
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.data)).size == (served, served)
    assert decode(response.data, ".png") == [counter_url(desk)]


def test_every_size_asked_for_shares_a_few_cached_images(client, desk, cache):
    """`?size=` takes any whole number from 128 to 2048; caching each one apart would
    let a crawler (or a loop) fill Redis with ~1,900 images per counter."""
    for size in range(qr.PNG_SIZE_MIN, qr.PNG_SIZE_MAX + 1, 61):
        assert client.get(f"/api/v1/counters/{desk.id}/qr.png?size={size}").status_code == 200
    images = cache.keys(f"qr:{desk.id}:*")
    assert len(images) <= len(qr.PNG_SIZES), sorted(images)


def test_png_default_size(client, desk):
    response = client.get(f"/api/v1/counters/{desk.id}/qr.png")
    assert Image.open(io.BytesIO(response.data)).size == (qr.PNG_SIZE_DEFAULT, qr.PNG_SIZE_DEFAULT)


@pytest.mark.parametrize("raw", ["abc", "127", "2049", "-600", "1e3", "600.0"])
def test_bad_size_is_a_422_envelope(client, desk, raw):
    response = client.get(f"/api/v1/counters/{desk.id}/qr.png?size={raw}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == ["size"]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_unknown_or_inactive_counter_is_a_404_envelope(client, desk, fmt):
    missing = client.get(f"/api/v1/counters/{desk.id + 1000}/qr.{fmt}")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    desk.active = False
    db.session.commit()
    inactive = client.get(f"/api/v1/counters/{desk.id}/qr.{fmt}")
    assert inactive.status_code == 404
    assert inactive.get_json()["error"]["code"] == "not_found"


def test_http_caching_headers_and_304(client, desk):
    first = client.get(f"/api/v1/counters/{desk.id}/qr.png")
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/ prefix
    # Behind a login or a key: private, so no shared cache hands it to the next caller.
    assert first.headers["Cache-Control"] in ("private, max-age=300", "max-age=300, private")

    again = client.get(f"/api/v1/counters/{desk.id}/qr.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "max-age=300" in again.headers["Cache-Control"]

    weak = client.get(f"/api/v1/counters/{desk.id}/qr.png", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    other = client.get(f"/api/v1/counters/{desk.id}/qr.png", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.data == first.data


def test_etag_differs_by_format_and_size(client, desk):
    tags = {
        client.get(f"/api/v1/counters/{desk.id}/qr.png").headers["ETag"],
        client.get(f"/api/v1/counters/{desk.id}/qr.png?size=300").headers["ETag"],
        client.get(f"/api/v1/counters/{desk.id}/qr.svg").headers["ETag"],
    }
    assert len(tags) == 3


def test_second_request_is_served_from_redis(app, client, desk, cache):
    first = client.get(f"/api/v1/counters/{desk.id}/qr.png?size=300")
    key = qr.cache_key(desk, "png", 384)  # 300 is drawn at the next allowed size
    assert key.startswith(f"qr:{desk.id}:v1:png:384:")
    assert cache.get(key) == first.data
    assert 0 < cache.ttl(key) <= app.config["QR_CACHE_SECONDS"]

    # Swap the cached bytes: if the next answer carries them, it came from Redis.
    cache.set(key, b"served-from-redis")
    second = client.get(f"/api/v1/counters/{desk.id}/qr.png?size=300")
    assert second.status_code == 200
    assert second.data == b"served-from-redis"


def test_cache_key_follows_public_base_url(app, desk):
    before = qr.cache_key(desk, "svg", None)
    app.config["PUBLIC_BASE_URL"] = "https://sipas.example.gov.vn"
    assert qr.cache_key(desk, "svg", None) != before


def test_rotation_changes_image_and_etag_and_revokes_the_old_url(client, desk, cache):
    old = client.get(f"/api/v1/counters/{desk.id}/qr.png")
    old_url = decode(old.data, ".png")[0]
    _rotate(desk)

    new = client.get(f"/api/v1/counters/{desk.id}/qr.png", headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200
    assert new.headers["ETag"] != old.headers["ETag"]
    assert new.data != old.data
    new_url = decode(new.data, ".png")[0]
    assert new_url == counter_url(desk) != old_url
    assert qr.cache_key(desk, "png", qr.PNG_SIZE_DEFAULT).startswith(f"qr:{desk.id}:v2:")

    revoked = client.get(f"/q/{_token(old_url)}")
    assert revoked.status_code == 404
    assert revoked.mimetype == "text/html"
    assert "Không tìm thấy trang" in revoked.get_data(as_text=True)
    assert client.get(f"/q/{_token(new_url)}").status_code == 200


def test_images_and_poster_are_served_while_redis_is_down(make_app):
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with down.app_context():
        _, commune, _ = tree()
        desk = counter(commune)
        url = counter_url(desk)
        client = operator_client(down, down.test_cli_runner())
        for fmt in ("png", "svg"):
            response = client.get(f"/api/v1/counters/{desk.id}/qr.{fmt}")
            assert response.status_code == 200
            assert decode(response.data, SUFFIX[fmt]) == [url]
        poster = client.get(f"/counters/{desk.id}/poster")
        assert poster.status_code == 200
        assert "<svg" in poster.get_data(as_text=True)


def test_poster_names_the_desk_and_carries_a_scannable_qr(client, desk):
    response = client.get(f"/counters/{desk.id}/poster")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for text in ("Tỉnh Cao Bằng", "Phường Thục Phán", "Quầy 1 — Tư pháp, hộ tịch",
                 "Quét mã QR để đánh giá sự phục vụ", "Zalo", "30 giây",
                 "Biết chào", "Biết cười", "Biết lắng nghe", "Biết hướng dẫn", "Biết cảm ơn", "Biết xin lỗi"):
        assert text in html, text
    url = counter_url(desk)
    assert url in html  # for those who cannot scan
    assert "<script" not in html
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg, "the poster inlines its QR as SVG"
    assert decode(svg.group(0).encode(), ".svg") == [url]


def test_poster_after_rotation_shows_the_new_code(client, desk):
    before = client.get(f"/counters/{desk.id}/poster").get_data(as_text=True)
    old_url = counter_url(desk)
    _rotate(desk)
    after = client.get(f"/counters/{desk.id}/poster").get_data(as_text=True)
    assert old_url in before and old_url not in after
    assert counter_url(desk) in after


def test_poster_of_unknown_or_inactive_counter_is_the_friendly_404(client, app):
    province = unit("04", "Tỉnh Cao Bằng", kind="tỉnh")
    closed = counter(unit("01273", "Phường Thục Phán", province), "Q9")
    closed.active = False
    db.session.commit()
    for counter_id in (closed.id, closed.id + 1000):
        response = client.get(f"/counters/{counter_id}/poster")
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "Không tìm thấy trang" in response.get_data(as_text=True)

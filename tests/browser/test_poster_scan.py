"""Scan the printed poster like a phone would: render it, read its QR, open the link, rate.

The poster is operators' material: the commune's chair logs in on the way to it."""
from urllib.parse import urlsplit

from dashboard_helpers import PASSWORD, make_user
from qr_reader import decode
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import Rating


def test_poster_qr_opens_the_rating_page_and_a_rating_lands(open_page, live_site, artifacts):
    with live_site.app.app_context():
        make_user(live_site.app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    page = open_page(viewport={"width": 794, "height": 1123})
    poster = f"{live_site.base_url}/counters/{live_site.counter_id}/poster"
    page.goto(poster)
    page.wait_for_url("**/login?**")
    page.get_by_label("Tên đăng nhập").fill("chu-tich")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(poster)
    shot = artifacts / "poster-a4.png"
    page.screenshot(path=str(shot), full_page=True)

    payloads = decode(shot.read_bytes(), ".png")
    assert payloads == [f"{live_site.app.config['PUBLIC_BASE_URL']}/q/{live_site.token}"]

    # The QR carries the public address; the phone would reach this server there.
    phone = open_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(live_site.base_url + urlsplit(payloads[0]).path)
    phone.locator("label.face.f5").click()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/thanks**")
    with live_site.app.app_context():
        rating = db.session.scalars(select(Rating)).one()
        assert (rating.overall, rating.counter_id) == (5, live_site.counter_id)

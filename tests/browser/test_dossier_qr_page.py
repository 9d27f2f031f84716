"""The dossier feedback page in a real Chromium: a cheap phone, JavaScript off, rated once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from feedback_service.dossiers.tokens import dossier_token
from feedback_service.extensions import db
from feedback_service.models import Counter, Dossier, Rating

pytestmark = pytest.mark.timeout(60)

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


def _dossier_url(site) -> tuple[str, int]:
    """A returned, late dossier at the live site's counter, handled by its first officer."""
    with site.app.app_context():
        desk = db.session.get(Counter, site.counter_id)
        received = datetime(2026, 10, 8, 2, 30, tzinfo=timezone.utc)
        row = Dossier(code="H15.50.05.13-261008-0975", unit_id=desk.unit_id, counter_id=desk.id,
                      officer_id=site.officer_ids["Nguyễn Thị Lan"], procedure_code="1.001612",
                      procedure_name="Đăng ký khai sinh kết hợp đăng ký thường trú, cấp thẻ BHYT "
                                     "cho trẻ em dưới 6 tuổi",
                      channel="in_person", received_at=received, received_day=received.date(),
                      due_at=received + timedelta(days=5),
                      returned_at=datetime.now(timezone.utc) - timedelta(days=1), late=True)
        db.session.add(row)
        db.session.commit()
        return f"{site.base_url}/d/{dossier_token(row)}", row.id


def test_rating_a_dossier_at_360px_without_javascript(open_page, live_site, artifacts):
    url, dossier_id = _dossier_url(live_site)
    page = open_page(java_script_enabled=False, **PHONE)
    assert page.goto(url).status == 200

    subject = page.locator(".subject")
    expect(subject).to_contain_text("Đăng ký khai sinh")
    expect(subject).to_contain_text("08/10/2026")
    expect(subject).to_contain_text("Trễ hạn")
    expect(subject).to_contain_text("Nguyễn Thị Lan")
    # A long procedure name wraps: nothing scrolls sideways on a 360 px phone.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    expect(page.locator("input[name=officer]")).to_have_count(0)

    page.locator(".faces label.face.f2").tap()
    page.locator("label:has(> input[name='conduct_apologize'][value='no'])").tap()
    page.screenshot(path=str(artifacts / "dossier-form-360.png"), full_page=True)
    page.get_by_role("button", name="Gửi đánh giá").tap()
    page.wait_for_url(f"{live_site.base_url}/thanks*")
    expect(page.locator("h1")).to_contain_text("Cảm ơn")

    # The receipt's QR scanned again: already rated, nothing more counted.
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("Hồ sơ này đã được đánh giá")
    page.screenshot(path=str(artifacts / "dossier-rated-360.png"))
    with live_site.app.app_context():
        rows = db.session.scalars(select(Rating)).all()
        assert [(r.dossier_id, r.verified, r.channel, r.overall, r.conduct["apologize"]) for r in rows] == \
            [(dossier_id, True, "dossier_qr", 2, False)]

"""The citizen rating page in a real Chromium: layout on a cheap phone, weight, no-JS use,
errors, language switch, the 404 page and keyboard use."""
from __future__ import annotations

import unicodedata

import pytest
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Page, expect
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import Rating

pytestmark = pytest.mark.timeout(60)

# A cheap Android phone: small CSS viewport, 2x density, touch, mobile viewport rules.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
PAGE_BUDGET_BYTES = 50 * 1024
MIN_TAP_PX = 44
# Everything a thumb presses on the form; the optional section is opened first so it counts too.
TAP_TARGETS = (".lang", ".faces .face", ".choices .choice", ".seg label > span", "summary", "textarea",
               "input[type=tel]", ".consent", "button.send")
COMMENT = "Cán bộ hướng dẫn rất tận tình, thủ tục nhanh gọn. Cảm ơn chị Lan nhiều ạ!"


def _face(page: Page, level: int):
    return page.locator(f".faces label.face.f{level}")


def _answer(page: Page, field: str, value: str):
    """The visible box a citizen taps for one radio answer (the input itself is hidden)."""
    return page.locator(f"label:has(> input[name='{field}'][value='{value}'])")


def _ratings(site) -> list[Rating]:
    with site.app.app_context():
        rows = db.session.scalars(select(Rating).order_by(Rating.id)).all()
        db.session.expunge_all()
        return rows


# 1. Layout ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, options", [("360", PHONE), ("1366", LAPTOP)])
def test_form_fits_the_screen_with_big_tap_targets(open_page, live_site, artifacts, name, options):
    page = open_page(**options)
    response = page.goto(live_site.form_url)
    assert response.status == 200
    width = options["viewport"]["width"]

    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    faces = page.locator(".faces .face")
    expect(faces).to_have_count(5)
    for level in range(1, 6):
        expect(_face(page, level)).to_be_visible()
        expect(_face(page, level).locator(".emoji")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_be_visible()
    # No face label spills out of its box (cut or overlapping text on a narrow screen).
    spilling = faces.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth"
                                  " || e.scrollHeight > e.clientHeight).map(e => e.textContent.trim())")
    assert spilling == []
    # The five faces sit side by side on one row, so every level is seen at once.
    tops = {round(box["y"]) for box in (faces.nth(i).bounding_box() for i in range(5))}
    assert len(tops) == 1

    page.locator("details.card > summary").click()
    unmatched = [selector for selector in TAP_TARGETS if page.locator(selector).count() == 0]
    assert unmatched == [], "the template changed: measure its new tap targets"
    # Bounding boxes, not CSS: a hidden or collapsed target measures 0 and fails too.
    small = page.evaluate("""([selectors, min]) => selectors.flatMap(sel =>
        [...document.querySelectorAll(sel)].map((el, i) => {
            const box = el.getBoundingClientRect();
            return [sel, i, Math.round(box.width), Math.round(box.height)];
        })).filter(([, , w, h]) => w < min || h < min)""", [list(TAP_TARGETS), MIN_TAP_PX])
    assert small == [], f"tap targets under {MIN_TAP_PX}px: {small}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width

    page.locator("details.card > summary").click()  # closed, as a citizen first sees it
    page.screenshot(path=str(artifacts / f"citizen-form-{name}.png"), full_page=True)


# 2. Weight ---------------------------------------------------------------------------------

def test_page_weighs_under_50_kb_and_loads_only_from_this_host(open_page, live_site):
    page = open_page(**PHONE)
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(live_site.form_url, wait_until="load")
    page.wait_for_load_state("networkidle")

    foreign = [r.url for r in requests if not live_site.is_local(r.url)]
    assert foreign == []
    assert any(r.url.endswith("/static/css/citizen.css") for r in requests)
    transferred = {}
    for request in requests:
        response = request.response()
        assert response is not None and response.ok, f"{request.url} failed"
        sizes = request.sizes()
        # The encoded size is what crosses the 3G link; the dev server sends no Content-Encoding.
        body = sizes["responseBodySize"] if sizes["responseBodySize"] >= 0 else len(response.body())
        transferred[request.url] = sizes["responseHeadersSize"] + body
    total = sum(transferred.values())
    assert total <= PAGE_BUDGET_BYTES, f"{total} bytes: {transferred}"


# 3. A whole rating with JavaScript off ------------------------------------------------------

def test_rating_without_javascript_is_stored(open_page, live_site, artifacts):
    page = open_page(java_script_enabled=False, **PHONE)
    page.goto(live_site.form_url)

    _face(page, 4).tap()
    _answer(page, "officer", str(live_site.officer_ids["Nguyễn Thị Lan"])).tap()
    _answer(page, "conduct_greet", "yes").tap()
    _answer(page, "conduct_apologize", "no").tap()
    page.locator("#comment").press_sequentially(COMMENT)
    expect(page.locator("#comment")).to_have_value(COMMENT)
    page.screenshot(path=str(artifacts / "citizen-form-360-filled.png"), full_page=True)
    page.get_by_role("button", name="Gửi đánh giá").tap()

    page.wait_for_url(f"{live_site.base_url}/thanks*")
    expect(page.locator("h1")).to_contain_text("Cảm ơn")
    page.screenshot(path=str(artifacts / "citizen-thanks-360.png"))
    [rating] = _ratings(live_site)
    assert rating.overall == 4
    assert rating.counter_id == live_site.counter_id
    assert rating.officer_id == live_site.officer_ids["Nguyễn Thị Lan"]
    assert rating.conduct == {"greet": True, "smile": None, "listen": None, "guide": None,
                              "thank": None, "apologize": False}
    assert rating.comment == COMMENT
    assert unicodedata.is_normalized("NFC", rating.comment)
    assert (rating.channel, rating.language, rating.flag_reason) == ("counter_qr", "vi", None)


# 4. The one required answer missing ----------------------------------------------------------

def test_missing_face_shows_error_by_the_question_and_keeps_answers(open_page, live_site, artifacts):
    page = open_page(**PHONE)
    page.goto(live_site.form_url)
    _answer(page, "conduct_greet", "yes").tap()
    _answer(page, "conduct_smile", "no").tap()
    page.locator("#comment").fill(COMMENT)
    page.locator("#phone").fill("0912345678")
    page.locator(".consent").tap()

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Gửi đánh giá").tap()
    assert posted.value.status == 422
    page.wait_for_load_state()

    question = page.locator("fieldset:has(.faces)")
    error = question.locator("#overall-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Vui lòng chọn mức độ hài lòng.")
    expect(error).to_have_attribute("role", "alert")
    # "Next to the question": between the question and the faces, and tied to the radios.
    heading_box, error_box = question.locator("h1").bounding_box(), error.bounding_box()
    faces_box = question.locator(".faces").bounding_box()
    assert heading_box["y"] + heading_box["height"] <= error_box["y"] + 1
    assert error_box["y"] + error_box["height"] <= faces_box["y"] + 1
    expect(page.locator("input[name=overall]").first).to_have_attribute("aria-describedby", "overall-error")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "citizen-form-360-error.png"))

    expect(page.locator("#comment")).to_have_value(COMMENT)
    expect(page.locator("#phone")).to_have_value("0912345678")
    expect(page.locator("input[name=consent]")).to_be_checked()
    expect(page.locator("input[name=conduct_greet][value=yes]")).to_be_checked()
    expect(page.locator("input[name=conduct_smile][value=no]")).to_be_checked()
    expect(page.locator("input[name=overall]:checked")).to_have_count(0)
    assert _ratings(live_site) == []

    # The kept answers go through once the face is chosen.
    _face(page, 5).tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()
    page.wait_for_url(f"{live_site.base_url}/thanks*")
    [rating] = _ratings(live_site)
    assert (rating.overall, rating.comment, rating.contact_phone) == (5, COMMENT, "0912345678")
    assert (rating.conduct["greet"], rating.conduct["smile"]) == (True, False)


# 5. English ----------------------------------------------------------------------------------

def test_english_switch_translates_and_persists(open_page, live_site):
    page = open_page(**PHONE)
    page.goto(live_site.form_url)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_contain_text("Ông/Bà hài lòng với sự phục vụ hôm nay ở mức nào?")

    page.get_by_role("link", name="English").tap()
    _expect_english(page)

    page.reload()
    _expect_english(page)
    page.goto(live_site.form_url)  # a fresh scan of the QR, no ?lang= in the address
    _expect_english(page)

    page.get_by_role("link", name="Tiếng Việt").tap()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.goto(live_site.form_url)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(_face(page, 5)).to_contain_text("Rất hài lòng")


def _expect_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("How satisfied are you with the service today?")
    expect(_face(page, 1)).to_contain_text("Very dissatisfied")
    expect(_face(page, 5)).to_contain_text("Very satisfied")
    expect(page.get_by_text("Greeted you")).to_be_visible()
    expect(page.get_by_role("link", name="Tiếng Việt")).to_be_visible()


# 6. A forged QR code ---------------------------------------------------------------------------

def test_forged_token_shows_friendly_vietnamese_404(open_page, live_site, artifacts):
    page = open_page(**PHONE)
    payload, signature = live_site.token.rsplit(".", 1)
    forged_signature = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    other_key = URLSafeSerializer("not-the-secret", salt="counter-qr").dumps([live_site.counter_id, 1])
    for token in (forged_signature, other_key, "khong-phai-ma-qr"):
        response = page.goto(f"{live_site.base_url}/q/{token}")
        assert response.status == 404
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
        expect(page.locator("body")).to_contain_text("Vui lòng quét lại mã QR")
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and "Exception" not in text and "werkzeug" not in text.lower()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "citizen-404-360.png"))
    assert _ratings(live_site) == []


# 7. Keyboard only -------------------------------------------------------------------------------

def test_keyboard_reaches_faces_and_submit(open_page, live_site):
    page = open_page(**LAPTOP)
    page.goto(live_site.form_url)

    _tab_until(page, "input[name=overall]")
    focused_face = page.evaluate("document.activeElement.value")
    assert page.evaluate("getComputedStyle(document.activeElement.nextElementSibling).outlineStyle") == "solid"
    page.keyboard.press("Space")
    expect(page.locator(f"input[name=overall][value='{focused_face}']")).to_be_checked()
    page.keyboard.press("ArrowRight")
    chosen = str(int(focused_face) + 1)
    expect(page.locator(f"input[name=overall][value='{chosen}']")).to_be_checked()
    expect(page.locator(f"input[name=overall][value='{chosen}']")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(f"input[name=overall][value='{focused_face}']")).to_be_checked()
    page.keyboard.press("ArrowRight")

    _tab_until(page, "button.send")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_site.base_url}/thanks*")
    [rating] = _ratings(live_site)
    assert rating.overall == int(chosen)


def _tab_until(page: Page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached in {limit} Tab presses")

"""The report page, submitting ("Nộp báo cáo"), the province's review and board, and the
public verify page.

The period is October 2026 (calendar month). Ratings and dossiers are made while it
runs; it is submitted on 2 November (closed, inside the deadline) and the board is
read on 20 November (past the deadline), with the app's clock set to each moment.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, officer, tree
from sqlalchemy import func, select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Dossier, ReportVersion, Unit
from feedback_service.ratings.instrument import current_instrument
from feedback_service.ratings.submission import Answers, store_rating
from feedback_service.reports import filing, integrity
from feedback_service.reports.compilation import compile_snapshots, differences_since
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all
from feedback_service.summaries.read import bump_generation

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "2026-10"
DURING = datetime(2026, 10, 12, 9, 0, tzinfo=HANOI)
AFTER = datetime(2026, 11, 2, 9, 0, tzinfo=HANOI)    # closed, before the deadline
LATE = datetime(2026, 11, 20, 9, 0, tzinfo=HANOI)    # past the deadline
ALL_YES = {k: True for k in ("greet", "smile", "listen", "guide", "thank", "apologize")}
PAGE = f"/dashboard/units/01273/reports/{PERIOD}"


def _dossier(unit_row, code: str, received: datetime, due: datetime, returned: datetime | None) -> Dossier:
    row = Dossier(code=code, unit_id=unit_row.id, procedure_code="1.001612", procedure_name="Đăng ký khai sinh",
                  channel="in_person", received_at=received, received_day=received.date(), due_at=due,
                  returned_at=returned, returned_day=returned.date() if returned else None)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(app, runner):
    """01273: 6 ratings (5, 5, 4, 4, 2, 5) and two dossiers (one returned early, one
    pending past its due day); 01279: 3 ratings (too few to show a share)."""
    with clock.running_from(DURING):
        _, own, other = tree()
        desk, far_desk = counter(own, "Q1", "Quầy của 01273"), counter(other, "Q1", "Quầy của 01279")
        clerk, far_clerk = officer(desk, "CB-0042", "Nguyễn Văn An"), officer(far_desk, "CB-9001", "Hoàng Thị Khác")
        for overall in (5, 5, 4, 4, 2, 5):
            store_rating(Answers(overall=overall, conduct=ALL_YES, elements={"access": overall}), desk, clerk,
                         channel="counter_qr", instrument=current_instrument())
        for overall in (5, 3, 1):
            store_rating(Answers(overall=overall, conduct=ALL_YES, elements={}), far_desk, far_clerk,
                         channel="counter_qr", instrument=current_instrument())
        fold_all(100)
        _dossier(own, "H15.50.05.13-261005-0001", datetime(2026, 10, 5, 9, tzinfo=HANOI),
                 datetime(2026, 10, 9, 17, tzinfo=HANOI), datetime(2026, 10, 8, 10, tzinfo=HANOI))
        pending = _dossier(own, "H15.50.05.13-261006-0002", datetime(2026, 10, 6, 9, tzinfo=HANOI),
                           datetime(2026, 10, 10, 17, tzinfo=HANOI), None)
    make_user(runner, "chu-tich", "unit_manager", "01273")
    make_user(runner, "nhan-vien", "viewer", "01273")
    make_user(runner, "chu-tich-khac", "unit_manager", "01279")
    make_user(runner, "so-noi-vu", "province_officer", "04")
    return {"pending_dossier": pending.id}


def logged_in(app, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def html_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"{url} → {response.status_code}"
    return response.get_data(as_text=True)


def post(client, url: str, **form):
    return client.post(url, data={"csrf_token": csrf_token(client, PAGE), **form})


def versions_stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ReportVersion))


def submit_as(app, username: str, unit_code: str = "01273", period: str = PERIOD):
    client = logged_in(app, username)
    response = client.post(f"/dashboard/units/{unit_code}/reports/{period}/submit",
                           data={"csrf_token": csrf_token(client, f"/dashboard/units/{unit_code}/reports/{period}")})
    assert response.status_code == 302, response.status_code
    return client


def test_the_report_page_shows_every_section(app, world):
    with clock.running_from(AFTER):
        manager = logged_in(app, "chu-tich")
        html = html_of(manager, PAGE)
        assert "Tháng 10/2026" in html and 'data-from="2026-10-01" data-to="2026-10-31"' in html
        assert 'data-status="draft"' in html and "Bản nháp" in html
        assert re.search(r'id="fig-responses" data-value="6"', html)
        # 4 of 6 at level 4 or 5 (5, 5, 4, 4, 5 → 5 of 6): 83.33 %, mean 25/6.
        assert 'id="fig-satisfaction" data-value="83.33"' in html
        assert "Nộp báo cáo" in html
        # Biểu II.06a: 2 received in person; 1 resolved early; 1 pending, overdue at the period's end.
        unit_row = re.search(r'<tr data-tthc="unit">.*?</tr>', html, re.S).group(0)
        cells = dict(re.findall(r'data-col="([a-z_.]+)">(\d+)<', unit_row))
        assert cells["received.total"] == "2" and cells["received.in_person"] == "2"
        assert cells["resolved.early"] == "1" and cells["pending.overdue"] == "1"
        assert cells["resolved.no_due_date"] == "0" and cells["cancelled"] == "0"
        own_row = re.search(r'<tr data-tthc="own">.*?</tr>', html, re.S).group(0)
        assert "Tại chính đơn vị" in own_row and 'data-col="received.total">2<' in own_row
        assert "Nguyễn Văn An" in html  # officers: internal page, shown
        # The method section, in the page's words (reports/method_text.py), not the JSON's keys.
        assert "Chỉ số tổng hợp 5 yếu tố (%) = trung bình cộng" in html and "<dt>sipas_index</dt>" not in html

        officer_ = logged_in(app, "so-noi-vu")
        # The province's report is compiled from its communes' accepted reports: none yet.
        province = html_of(officer_, "/dashboard/units/04/reports/2026-10")
        assert 'id="report-compiled"' in province and 'id="compiled-none"' in province
        submit_as(app, "chu-tich")
        submit_as(app, "chu-tich-khac", "01279")
        for code in ("01273", "01279"):
            post(officer_, f"/dashboard/units/{code}/reports/{PERIOD}/accept", version="1")
        province = html_of(officer_, "/dashboard/units/04/reports/2026-10")
        # 01279 rests on 3 ratings: its share is not shown, it is not ranked.
        row = re.search(r'<tr data-child="01279">.*?</tr>', province, re.S).group(0)
        assert 'class="figure too-few"' in row and 'data-n="3"' in row
        assert 'data-child="01273"' in province


def test_the_period_picker_links_to_report_urls(app, world):
    with clock.running_from(AFTER):
        html = html_of(logged_in(app, "chu-tich"), PAGE)
        for label in ("2026-Q4", "2026-H2", "2026", "2026-10/official", "2026-Q3/official", "2025-10"):
            assert f'href="/dashboard/units/01273/reports/{label}"' in html, label
        assert "2026-H2/official" not in html
        official = html_of(logged_in(app, "chu-tich"), "/dashboard/units/01273/reports/2026-Q4/official")
        assert "15/09/2026" in official and "14/12/2026" in official
        # The first nine months, calendar and official (NĐ 09/2019 "9 tháng").
        for label in ("2026-9M", "2026-9M/official"):
            assert f'href="/dashboard/units/01273/reports/{label}"' in html, label
        nine = html_of(logged_in(app, "chu-tich"), "/dashboard/units/01273/reports/2026-9M/official")
        assert "9 tháng đầu năm 2026" in nine and "15/12/2025" in nine and "14/09/2026" in nine


@pytest.mark.parametrize("label", ["2026-13", "2026-q3", "2026-H2/official", "1999", "tháng-10", "2026-10/official/x"])
def test_a_bad_period_is_a_page_naming_the_accepted_forms(app, world, label):
    html = html_of(logged_in(app, "chu-tich"), f"/dashboard/units/01273/reports/{label}", 404)
    assert "Kỳ báo cáo không hợp lệ" in html and "2026-Q3/official" in html
    board = html_of(logged_in(app, "chu-tich"), "/dashboard/units/04/reports?period=2026-13", 404)
    assert "Phường Thục Phán" not in board  # the province is outside the chair's subtree: scope first
    board = html_of(logged_in(app, "so-noi-vu"), f"/dashboard/units/04/reports?period={label}", 400)
    assert "Kỳ báo cáo không hợp lệ" in board


def test_nop_bao_cao_freezes_the_report(app, world):
    with clock.running_from(AFTER):
        manager = submit_as(app, "chu-tich")
        assert versions_stored() == 1
        row = db.session.scalar(select(ReportVersion))
        html = html_of(manager, PAGE)
        assert 'data-status="submitted"' in html and row.sha256 in html
        assert "Nộp báo cáo" not in html  # waiting for review: nothing to submit
        # A correction after submission (the pending dossier returned) leaves the snapshot as it was.
        dossier = db.session.get(Dossier, world["pending_dossier"])
        dossier.returned_at = datetime(2026, 10, 9, 15, tzinfo=HANOI)
        dossier.returned_day = dossier.returned_at.date()
        db.session.commit()
        again = html_of(manager, PAGE)
        unit_row = re.search(r'<tr data-tthc="unit">.*?</tr>', again, re.S).group(0)
        assert 'data-col="pending.overdue">1<' in unit_row
        assert integrity.check(filing.snapshot_of(row)) is None


def test_submitting_before_the_period_ends_is_refused_with_a_message(app, world):
    with clock.running_from(DURING):
        manager = logged_in(app, "chu-tich")
        assert "Nộp báo cáo" not in html_of(manager, PAGE)
        response = post(manager, f"{PAGE}/submit")
        assert response.status_code == 302
        assert "chỉ nộp được sau ngày đó" in html_of(manager, PAGE)
        assert versions_stored() == 0


def test_a_viewer_cannot_submit(app, world):
    with clock.running_from(AFTER):
        viewer = logged_in(app, "nhan-vien")
        html = html_of(viewer, PAGE)
        assert "Nộp báo cáo" not in html and "submit-form" not in html
        assert post(viewer, f"{PAGE}/submit").status_code == 403
        assert versions_stored() == 0


def test_another_communes_manager_gets_404_on_every_report_url(app, world):
    with clock.running_from(AFTER):
        submit_as(app, "chu-tich")
        stranger = logged_in(app, "chu-tich-khac")
        token = csrf_token(stranger, "/dashboard/units/01279")
        for label in (PERIOD, "2026-Q3/official", "not-a-period"):
            base = f"/dashboard/units/01273/reports/{label}"
            for url in (base, f"{base}?version=1", "/dashboard/units/01273/reports", f"/dashboard/units/01273/reports?period={label}"):
                body = html_of(stranger, url, 404)
                assert "Nguyễn Văn An" not in body and "Phường Thục Phán" not in body
            for action in ("submit", "accept", "return"):
                response = stranger.post(f"{base}/{action}", data={"csrf_token": token, "version": "1", "comment": "x"})
                assert response.status_code == 404, f"{action} {label} → {response.status_code}"
        row = db.session.scalar(select(ReportVersion))
        db.session.refresh(row)
        assert versions_stored() == 1 and row.status == "submitted"


def test_the_province_returns_then_accepts(app, world):
    with clock.running_from(AFTER):
        manager = submit_as(app, "chu-tich")
        # The chair may not review their own report.
        assert post(manager, f"{PAGE}/accept", version="1").status_code == 403
        reviewer = logged_in(app, "so-noi-vu")
        html = html_of(reviewer, PAGE)
        assert "Tiếp nhận" in html and "Trả lại" in html and "Nộp báo cáo" not in html
        # A return needs a reason.
        assert post(reviewer, f"{PAGE}/return", version="1", comment="  ").status_code == 302
        assert "Trả lại báo cáo cần nêu lý do." in html_of(reviewer, PAGE)
        assert db.session.scalar(select(ReportVersion.status)) == "submitted"
        post(reviewer, f"{PAGE}/return", version="1", comment="Thiếu số liệu hồ sơ trực tuyến.")
        mine = html_of(manager, PAGE)
        assert 'id="report-status" data-status="returned"' in mine and "Thiếu số liệu hồ sơ trực tuyến." in mine
        assert "Nộp báo cáo" in mine  # returned: submit again, as a new version
        post(manager, f"{PAGE}/submit")
        assert versions_stored() == 2
        # Accepting the old version is refused: only the newest is reviewed.
        post(reviewer, f"{PAGE}/accept", version="1")
        assert "Chỉ xem xét được phiên bản mới nhất." in html_of(reviewer, PAGE)
        post(reviewer, f"{PAGE}/accept", version="2")
        db.session.expire_all()
        assert [v.status for v in db.session.scalars(select(ReportVersion).order_by(ReportVersion.version))] \
            == ["returned", "accepted"]
        page = html_of(manager, PAGE)
        assert 'id="report-status" data-status="accepted"' in page and "Đã tiếp nhận" in page
        old = html_of(manager, f"{PAGE}?version=1")
        assert 'id="report-version" data-value="1"' in old and 'data-status="returned"' in old
        html_of(manager, f"{PAGE}?version=3", 404)
        html_of(manager, f"{PAGE}?version=x", 404)


def test_the_board_shows_who_has_not_submitted(app, world):
    # Changed when calendar periods stopped reading "not reported" (nobody must file them):
    # the board is read for an official month, 15 October – 14 November, due Wednesday 18 November.
    official = "2026-11/official"
    with clock.running_from(datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)):
        submit_as(app, "chu-tich", period=official)
    with clock.running_from(LATE):
        assert clock.local_today() > filing.deadline(parse_period(official))
        reviewer = logged_in(app, "so-noi-vu")
        board = html_of(reviewer, f"/dashboard/units/04/reports?period={official}")
        own = re.search(r'<tr data-unit="01273".*?</tr>', board, re.S).group(0)
        other = re.search(r'<tr data-unit="01279".*?</tr>', board, re.S).group(0)
        assert 'data-status="submitted"' in own and "16/11/2026" in own
        assert 'data-status="not_reported"' in other and "Chưa báo cáo" in other
        assert 'id="count-not_reported" data-value="1"' in board and 'id="count-submitted" data-value="1"' in board
        assert 'id="count-late" data-value="0"' in board
        # The calendar month past the same deadline: nobody must file it, so nobody is "not reported".
        calendar = html_of(reviewer, f"/dashboard/units/04/reports?period={PERIOD}")
        assert 'id="count-not_reported" data-value="0"' in calendar
        # 01279 submits now, after the deadline: late.
        submit_as(app, "chu-tich-khac", "01279", period=official)
        board = html_of(reviewer, f"/dashboard/units/04/reports?period={official}")
        assert 'id="count-late" data-value="1"' in board and 'id="count-submitted" data-value="2"' in board


def test_the_board_compiles_accepted_reports_and_shows_later_corrections(app, world):
    with clock.running_from(AFTER):
        submit_as(app, "chu-tich")
        reviewer = logged_in(app, "so-noi-vu")
        post(reviewer, f"{PAGE}/accept", version="1")
        dossier = db.session.get(Dossier, world["pending_dossier"])
        dossier.returned_at = datetime(2026, 10, 9, 15, tzinfo=HANOI)
        dossier.returned_day = dossier.returned_at.date()
        db.session.commit()
        bump_generation()  # as every dossier write of the e-system does: the live report is cached till then
        board = html_of(reviewer, f"/dashboard/units/04/reports?period={PERIOD}")
        compiled = re.search(r'<section[^>]*id="compiled".*?</section>', board, re.S).group(0)
        assert 'data-key="responses" data-value="6"' in compiled  # 01279 has not submitted: not compiled
        assert 'data-key="resolved.total" data-value="1"' in compiled
        changes = re.search(r'<section[^>]*id="differences".*?</section>', board, re.S).group(0)
        assert re.search(r'data-path="tthc_results.resolved.total".*?>1<.*?>2<', changes, re.S)
        assert 'data-path="tthc_results.pending.overdue"' in changes


def test_compilation_sums_counts_and_works_percentages_out_again(app):
    def snapshot(code, overall, received, resolved, pending, complained):
        return {"unit": {"code": code, "name": code}, "version": 1, "sha256": "x",
                "satisfaction": {"responses": sum(overall.values()), "overall": overall, "excluded": {"total": 1}},
                "tthc_results": {"received": received, "resolved": resolved, "pending": pending},
                "indicators_766": {"complained": complained, "complaints": {"received": 2, "answered_on_time": 1,
                                                                             "answered_late": 1}}}
    big = snapshot("A", {"5": 90, "1": 10}, {"total": 100, "online": 60, "in_person": 40, "carried_over": 0},
                   {"total": 90, "early": 50, "on_time": 30, "late": 10}, {"total": 10, "within_time": 10, "overdue": 0}, 5)
    small = snapshot("B", {"1": 10}, {"total": 10, "online": 0, "in_person": 10, "carried_over": 0},
                     {"total": 10, "early": 0, "on_time": 0, "late": 10}, {"total": 0, "within_time": 0, "overdue": 0}, 0)
    compiled = compile_snapshots([big, small])
    assert compiled["satisfaction"]["responses"] == 110 and compiled["satisfaction"]["overall"]["1"] == 20
    assert compiled["satisfaction"]["satisfaction_pct"] == round(100 * 90 / 110, 2)  # not the mean of 90 % and 0 %
    # Snapshots filed before no_due_date was a column of its own compile with it as 0.
    assert compiled["tthc_results"]["resolved"] == {"total": 100, "early": 50, "on_time": 30, "late": 20,
                                                    "no_due_date": 0}
    indicators = compiled["indicators_766"]
    assert indicators["on_time_pct"] == 80.0 and indicators["overdue_pct"] == round(100 * 20 / 110, 2)
    assert indicators["tthc_satisfaction_pct"] == round(100 - 100 * 25 / 110, 2)
    assert indicators["complaints"]["on_time_pct"] == 50.0
    assert [u["code"] for u in compiled["units"]] == ["A", "B"]
    live = json.loads(json.dumps(big))
    live["tthc_results"]["resolved"]["late"] = 11
    live["satisfaction"]["as_of"] = "2026-11-01T00:00:00+00:00"
    assert differences_since(big, live) == [("tthc_results.resolved.late", 10, 11)]
    # Figures added to the report after a snapshot was filed are not corrections of it.
    live["tthc_results"]["resolved"]["no_due_date"] = 3
    live["tthc_results"]["own"] = {"code": "A", "received": {"total": 0}}
    assert differences_since(big, live) == [("tthc_results.resolved.late", 10, 11)]


def _verify(client, text: str | None = None, upload: bytes | None = None, token: str | None = None):
    data = {"csrf_token": token if token is not None else csrf_token(client, "/reports/verify")}
    if text is not None:
        data["document"] = text
    if upload is not None:
        import io

        data["file"] = (io.BytesIO(upload), "bao-cao.json")
    return client.post("/reports/verify", data=data, content_type="multipart/form-data")


def _verdict(response) -> str:
    return re.search(r'data-verdict="([a-z_]+)"', response.get_data(as_text=True)).group(1)


def test_the_verify_page_tells_intact_from_altered(app, world):
    with clock.running_from(AFTER):
        submit_as(app, "chu-tich")
    snapshot = filing.snapshot_of(db.session.scalar(select(ReportVersion)))
    client = app.test_client()  # public: no login
    assert client.get("/reports/verify").status_code == 200
    intact = _verify(client, upload=json.dumps(snapshot, ensure_ascii=False, indent=2).encode())
    assert intact.status_code == 200 and _verdict(intact) == "intact"
    assert 'data-matches="yes"' in intact.get_data(as_text=True)
    snapshot["satisfaction"]["responses"] += 1
    altered = _verify(client, text=json.dumps(snapshot))
    body = altered.get_data(as_text=True)
    assert altered.status_code == 422 and _verdict(altered) == "altered" and "sha256 mismatch" in body
    assert 'data-matches="no"' in body
    # Re-hashed after the change: intact in itself, but not the version the service holds.
    stored_sha = snapshot["sha256"]
    snapshot["sha256"] = integrity.digest(snapshot)
    rehashed = _verify(client, text=json.dumps(snapshot))
    assert _verdict(rehashed) == "intact" and 'data-matches="no"' in rehashed.get_data(as_text=True)
    # Public: the stored hash is never shown, and a version nobody submitted reads the same,
    # so a made-up file cannot learn whether or what a unit submitted.
    assert stored_sha not in rehashed.get_data(as_text=True)
    snapshot["version"] = 7
    snapshot["sha256"] = integrity.digest(snapshot)
    unknown = _verify(client, text=json.dumps(snapshot))
    assert unknown.get_data(as_text=True).count("verify-stored") == 1
    assert _stored_line(unknown) == _stored_line(rehashed)


def _stored_line(response) -> str:
    return re.search(r'<p id="verify-stored"[^>]*>.*?</p>', response.get_data(as_text=True), re.S).group(0)


@pytest.mark.parametrize("garbage", [
    "", "not json", "[]", "{}", "null", '{"sha256": 5}', "[" * 100_000,
    '{"unit": {"code": 1}, "period": [], "version": "x", "submitted_at": 0, "submitted_by": 0, "sha256": "ab", "n": NaN}',
    '{"unit": 0, "period": 0, "version": 99999999999999999999, "submitted_at": 0, "submitted_by": 0, "sha256": "ab"}',
])
def test_the_verify_page_never_fails_on_odd_input(app, garbage):
    client = app.test_client()
    response = _verify(client, text=garbage)
    assert response.status_code == 422 and _verdict(response) in ("empty", "not_a_report", "altered")
    upload = _verify(client, upload=b"\xff\xfe\x00garbage" + garbage.encode())
    assert upload.status_code == 422


def test_the_verify_form_needs_its_csrf_token_and_a_size_limit(app):
    client = app.test_client()
    assert _verify(client, text="{}", token="forged").status_code == 400
    app.config["REPORT_VERIFY_MAX_BYTES"] = 1000
    too_big = _verify(client, upload=b"{" + b" " * 5000 + b"}")
    assert too_big.status_code == 422 and _verdict(too_big) == "too_large"
    assert _verify(client, text=" " * 200_000).status_code == 413


def test_the_overview_links_to_the_reports_and_the_board(app, world):
    with clock.running_from(AFTER):
        html = html_of(logged_in(app, "so-noi-vu"), "/dashboard/units/04")
        links = re.search(r'<nav[^>]*id="report-links".*?</nav>', html, re.S).group(0)
        # The board's default: the last closed official quarter (Q4/official ends 14 December).
        assert 'href="/dashboard/units/04/reports/2026-Q3/official"' in links
        assert 'href="/dashboard/units/04/reports"' in links
        board = html_of(logged_in(app, "so-noi-vu"), "/dashboard/units/04/reports")
        assert 'data-label="2026-Q3/official"' in board

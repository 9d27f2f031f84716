"""Report exports over the API: the XLSX agrees with the JSON report figure by figure,
the responses are anonymous and in local time, big ones are queued (202), links expire
(410), another commune's caller gets nothing, and Redis down is a 503, not a 500."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from factories import create_key
from report_filing import file_report
from export_scene import AFTER_QUARTER, CLIENT_HASH, PHONE, QUARTER, report_scene
from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Rating, ReportExport
from feedback_service.reports.files import export_runs, exports, xlsx
from feedback_service.reports.files.export_layout import leaves

SECTION_SHEETS = {"Tổng hợp": "satisfaction", "Chỉ số 766": "indicators_766"}
HEAD = 8  # title, six header lines, an empty row


@pytest.fixture
def world(make_app, tmp_path):
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"))
    with app.app_context(), clock.running_from(AFTER_QUARTER):
        report_scene()
        runner = app.test_cli_runner()
        yield {"app": app, "client": app.test_client(), "province": create_key(runner, "04", scope="reports"),
               "commune": create_key(runner, "01273", scope="reports"),
               "other": create_key(runner, "01279", scope="reports")}


@pytest.fixture
def accepted(world):
    """Both communes' reports accepted: the province's report, compiled from them, holds every figure."""
    from feedback_service.reports.periods import parse_period

    return {code: file_report(code, parse_period(QUARTER)) for code in ("01273", "01279")}


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def get_json_report(world, code: str = "04") -> dict:
    response = world["client"].get(f"/api/v1/units/{code}/report?period={QUARTER}", headers=auth(world["province"]))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def get_book(world, code: str = "04"):
    response = world["client"].get(f"/api/v1/units/{code}/report.xlsx?period={QUARTER}",
                                   headers=auth(world["province"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"] == f"attachment; filename=bao-cao-{code}-2026-Q3.xlsx"
    return response.data, openpyxl.load_workbook(io.BytesIO(response.data))


def table(sheet) -> tuple[list[str], list[tuple]]:
    """(JSON keys, data rows) of a section sheet: the keys row follows the labels row."""
    rows = list(sheet.iter_rows(values_only=True))
    keys = [k for k in rows[HEAD + 1] if k is not None]
    return keys, [row[:len(keys)] for row in rows[HEAD + 2:] if any(v is not None for v in row)]


def test_the_xlsx_agrees_with_the_json_report_figure_by_figure(world, accepted):
    report = get_json_report(world)
    _, book = get_book(world)

    assert book.sheetnames == ["Mẫu Biểu II.06a", "Tổng hợp", "Chỉ số 766", "Biểu II.06a", "Đơn vị trực thuộc",
                               "Tổng hợp từ", "Chưa tổng hợp", "Cán bộ", "Phương pháp", "Ý kiến"]
    for name, section in SECTION_SHEETS.items():
        keys, rows = table(book[name])
        assert keys == ["label", "key", "value"]
        in_sheet = {key: value for _label, key, value in rows}
        expected = {path: (value if value != [] else None) for path, value in leaves(report[section])}
        assert in_sheet == {path: (None if value == "" else value) for path, value in expected.items()}, name
    # The method as sentences, each beside the JSON key it reads: every key of the JSON's method.
    keys, rows = table(book["Phương pháp"])
    assert keys == ["heading", "text", "key"]
    read = {key.split(".")[0] for _heading, _text, key in rows}
    assert read == set(report["method"])
    # Biểu II.06a: the unit's row, every child's and every procedure's, column by column.
    keys, rows = table(book["Biểu II.06a"])
    by_code = {(row[0], row[1]): dict(zip(keys, row)) for row in rows}
    results = report["tthc_results"]
    for path, value in leaves({k: results[k] for k in ("received", "resolved", "pending")}):
        assert by_code[("Đơn vị", "04")][path] == value, path
    for child in results["children"]:
        for path, value in leaves({k: child[k] for k in ("received", "resolved", "pending")}):
            assert by_code[("Đơn vị trực thuộc", child["code"])][path] == value
    for procedure in results["procedures"]:
        row = by_code[("Thủ tục", procedure["procedure_code"])]
        assert row["name"] == procedure["procedure_name"]
        assert row["pending.overdue"] == procedure["pending"]["overdue"]
        assert row["indicators_766.points"] == procedure["indicators_766"]["points"]
    assert by_code[("Đơn vị", "04")]["indicators_766.tthc_satisfaction_pct"] == \
        report["indicators_766"]["tthc_satisfaction_pct"]
    # The unit, its own desk (a compiled report reads it live), each child, each procedure.
    assert len(rows) == 2 + len(results["children"]) + len(results["procedures"])
    # The ranked children, the compiled snapshots and the officers, every figure.
    assert len(report["compiled_from"]) == 2 and report["missing"] == []
    for name, section in (("Đơn vị trực thuộc", "children"), ("Tổng hợp từ", "compiled_from"), ("Cán bộ", "officers")):
        keys, rows = table(book[name])
        assert [dict(zip(keys, row)) for row in rows] == [dict(leaves(item)) for item in report[section]], name
    # Every rating of the quarter is a response row: the counted ones and the excluded ones.
    responses = list(book["Ý kiến"].iter_rows(min_row=HEAD + 2, values_only=True))
    satisfaction = report["satisfaction"]
    assert len(responses) == satisfaction["responses"] + satisfaction["excluded"]["total"] == 60
    flagged = [row for row in responses if row[-1]]
    assert len(flagged) == satisfaction["excluded"]["total"]


def test_the_header_block_names_unit_period_status_and_local_times(world):
    _, book = get_book(world, "01273")
    for sheet in book.worksheets[1:]:  # the form (first) has the form's own header
        head = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, max_row=7, values_only=True)}
        assert head["Đơn vị"] == "01273 — Phường Thục Phán"
        assert head["Kỳ báo cáo"] == "2026-Q3 — Quý III/2026: từ 01/07/2026 đến 30/09/2026"
        assert head["Trạng thái"].endswith("phiên bản 1")
        # AFTER_QUARTER is 03:00 UTC: 10:00 in Hà Nội.
        assert head["Tệp xuất lúc"].startswith("20/10/2026 10:0")
        assert head["Múi giờ"].startswith("Asia/Ho_Chi_Minh")


def test_responses_are_anonymous_and_in_local_time_to_the_hour(world):
    data, book = get_book(world)
    sheet = book["Ý kiến"]
    labels = next(sheet.iter_rows(min_row=HEAD + 1, max_row=HEAD + 1, values_only=True))
    rows = list(sheet.iter_rows(min_row=HEAD + 2, values_only=True))
    stored = db.session.execute(select(Rating.submitted_at, Rating.comment).order_by(Rating.id)).all()
    for row, (submitted, comment) in zip(rows, stored, strict=True):
        local = clock.as_utc(submitted) + timedelta(hours=7)
        # To the hour: the minute and second would single one visit out.
        assert row[0] == local.replace(tzinfo=None, minute=0, second=0, microsecond=0), "the local hour"
        assert row[labels.index("Ý kiến")] == comment
    # The comment that looks like a formula is text, never a formula.
    formula = next(c for c in sheet["S"] if c.value and str(c.value).startswith("="))
    assert formula.data_type == "s"
    # Neither the phone nor the client hash anywhere in the file, compressed or not.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert db.session.scalar(select(Rating.id).where(Rating.contact_phone == PHONE).limit(1))
    assert PHONE not in text and CLIENT_HASH not in text
    assert not any(word in " ".join(labels).lower() for word in ("điện thoại", "phone", "địa chỉ", "hash"))


def test_responses_past_the_row_limit_go_on_in_a_second_sheet(world, monkeypatch):
    assert exports.RESPONSES_MAX_ROWS == xlsx.MAX_ROWS == 1_048_576
    monkeypatch.setattr(exports, "RESPONSES_MAX_ROWS", HEAD + 1 + 40)
    _, book = get_book(world)
    first = list(book["Ý kiến"].iter_rows(min_row=HEAD + 2, values_only=True))
    second = list(book["Ý kiến (2)"].iter_rows(min_row=HEAD + 2, values_only=True))
    assert (len(first), len(second)) == (40, 20)
    assert book["Ý kiến (2)"]["A1"].value.endswith("phần 2")


def test_the_csv_holds_the_sections_one_after_another(world, accepted):
    report = get_json_report(world)
    response = world["client"].get(f"/api/v1/units/04/report.csv?period={QUARTER}", headers=auth(world["province"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeff".encode())
    text = response.data.decode("utf-8-sig")
    for title in ("Tổng hợp,", "Chỉ số 766,", "Biểu II.06a,", "Đơn vị trực thuộc,", "Cán bộ,", "Phương pháp,"):
        assert f"\n{title}" in text
    assert f"Tỷ lệ hài lòng (%),satisfaction_pct,{report['satisfaction']['satisfaction_pct']}" in text
    assert PHONE not in text and CLIENT_HASH not in text


def test_a_submitted_version_exports_its_snapshot(world, accepted, province_officer):
    from feedback_service.reports.filing import submit
    from feedback_service.reports.periods import parse_period

    submit(_unit("04"), parse_period(QUARTER), province_officer)
    snapshot = get_json_report(world)
    assert snapshot["status"] == "submitted"
    # A correction after submission: one more rating in the quarter, folded.
    extra = db.session.scalars(select(Rating).limit(1)).first()
    db.session.add(Rating(submitted_at=extra.submitted_at, local_day=extra.local_day, unit_id=extra.unit_id,
                          channel="api", instrument_version=extra.instrument_version, overall=5, conduct={},
                          elements={}))
    db.session.commit()
    _, book = get_book(world)
    keys, rows = table(book["Tổng hợp"])
    assert {key: value for _l, key, value in rows}["responses"] == snapshot["satisfaction"]["responses"]
    assert "Đã nộp" in book["Tổng hợp"]["B4"].value


@pytest.fixture
def province_officer(world):
    from feedback_service.models import User
    from feedback_service.people.users import create_user

    create_user("so-noi-vu", "mat-khau-du-dai", "province_officer", _unit("04"))
    return db.session.scalar(select(User).where(User.username == "so-noi-vu"))


def _unit(code: str):
    from feedback_service.models import Unit

    return Unit.by_code(code)


def test_a_large_export_is_queued_and_answered_202(world):
    world["app"].config["REPORT_EXPORT_INLINE_MAX"] = 10
    response = world["client"].get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth(world["province"]))
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == body["poll_url"] == f"/api/v1/report-exports/{body['id']}"
    assert body["status"] == "queued" and body["download_url"] is None
    poll = world["client"].get(body["poll_url"], headers=auth(world["province"]))
    assert poll.status_code == 200 and poll.get_json()["status"] == "queued"
    assert world["client"].get(f"{body['poll_url']}/download", headers=auth(world["province"])).status_code == 409
    # The CSV carries no responses: never queued.
    assert world["client"].get(f"/api/v1/units/04/report.csv?period={QUARTER}",
                               headers=auth(world["province"])).status_code == 200


def built_export(code: str = "04", fmt: str = "xlsx") -> ReportExport:
    from feedback_service.reports.periods import parse_period

    row = ReportExport(id="a" * 32 if code == "04" else "b" * 32, unit_id=_unit(code).id, period=QUARTER,
                       format=fmt, internal=True, status="queued", progress=0,
                       created_at=clock.now(), updated_at=clock.now())
    db.session.add(row)
    db.session.commit()
    assert parse_period(row.period)
    assert export_runs.build(row.id) == "done"
    return row


def test_an_expired_link_is_gone_and_its_file_swept(world):
    row = built_export("01273")
    url = f"/api/v1/report-exports/{row.id}"
    state = world["client"].get(url, headers=auth(world["commune"])).get_json()
    assert state["status"] == "done" and state["download_url"] == f"{url}/download"
    ratings = db.session.query(Rating).filter(Rating.unit_id == _unit("01273").id).count()
    assert state["progress"] == {"rows_written": ratings, "rows_total": ratings}
    download = world["client"].get(f"{url}/download", headers=auth(world["commune"]))
    assert download.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(download.data))["Ý kiến"].max_row == HEAD + 1 + ratings
    path = export_runs.export_dir() / row.path
    with clock.running_from(AFTER_QUARTER + timedelta(days=1, minutes=1)):
        gone = world["client"].get(f"{url}/download", headers=auth(world["commune"]))
        assert gone.status_code == 410
        assert gone.get_json()["error"]["code"] == "gone"
        assert world["client"].get(url, headers=auth(world["commune"])).get_json()["status"] == "expired"
        assert export_runs.sweep() == 1
    assert not path.exists()


def test_another_communes_caller_gets_nothing(world):
    row = built_export("01273")
    client, other = world["client"], auth(world["other"])
    assert client.get(f"/api/v1/units/01273/report.xlsx?period={QUARTER}", headers=other).status_code == 403
    assert client.get(f"/api/v1/units/01273/report.csv?period={QUARTER}", headers=other).status_code == 403
    for url in (f"/api/v1/report-exports/{row.id}", f"/api/v1/report-exports/{row.id}/download"):
        response = client.get(url, headers=other)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
        assert client.get(url).status_code == 401
        assert client.get(url, headers=auth(world["province"])).status_code == 200  # the province above it may
    assert client.get("/api/v1/report-exports/../x", headers=other).status_code == 404
    assert client.get(f"/api/v1/units/01273/report.xlsx?period=2026-Q5", headers=auth(world["commune"])
                      ).status_code == 422
    assert client.get(f"/api/v1/units/01273/report.xlsx?period={QUARTER}&version=3",
                      headers=auth(world["commune"])).status_code == 404


def test_redis_down_when_queueing_is_a_503_and_loses_nothing(make_app, tmp_path):
    from redis_server import free_port

    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), REPORT_EXPORT_INLINE_MAX=10,
                   REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context(), clock.running_from(AFTER_QUARTER):
        report_scene()
        ratings = db.session.query(Rating).count()
        key = create_key(app.test_cli_runner(), "04", scope="reports")
        response = app.test_client().get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth(key))
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
        # Recorded honestly as failed; nothing else changed. The small CSV is still served.
        row = db.session.scalars(select(ReportExport)).one()
        assert row.status == "failed" and "Redis" in row.error
        assert db.session.query(Rating).count() == ratings
        assert app.test_client().get(f"/api/v1/units/04/report.csv?period={QUARTER}",
                                     headers=auth(key)).status_code == 200


# The dashboard: ask, watch, download.

def dashboard_client(app, username: str, role: str, unit: str):
    from dashboard_helpers import log_in, make_user

    make_user(app.test_cli_runner(), username, role, unit)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def test_the_dashboard_builds_an_export_and_shows_its_progress_then_the_link(world):
    from dashboard_helpers import csrf_token

    app = world["app"]
    chair = dashboard_client(app, "chu-tich", "unit_manager", "01273")
    posted = chair.post("/dashboard/units/01273/report-exports",
                        data={"period": QUARTER, "format": "xlsx", "csrf_token": csrf_token(chair, "/dashboard/units/01273")})
    assert posted.status_code == 302
    page_url = posted.headers["Location"]
    export_id = page_url.rsplit("/", 1)[1]
    assert page_url == f"/dashboard/report-exports/{export_id}"
    waiting = chair.get(page_url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert "<script" not in waiting and "Đang chờ xử lý" in waiting

    assert export_runs.build(export_id) == "done"
    done = chair.get(page_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done
    assert f'href="/dashboard/report-exports/{export_id}/download"' in done
    assert "21/10/2026 10:0" in done  # the link's expiry, a day later, in local time
    download = chair.get(f"{page_url}/download")
    assert download.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(download.data)).sheetnames[:2] == ["Mẫu Biểu II.06a", "Tổng hợp"]
    with clock.running_from(AFTER_QUARTER + timedelta(days=2)):
        assert "hết hạn" in chair.get(page_url).get_data(as_text=True)
        assert chair.get(f"{page_url}/download").status_code == 410


def test_the_dashboard_refuses_another_communes_exports(world):
    from dashboard_helpers import csrf_token

    row = built_export("01273")
    other = dashboard_client(world["app"], "chu-tich-khac", "unit_manager", "01279")
    token = csrf_token(other, "/dashboard/units/01279")
    for url in (f"/dashboard/report-exports/{row.id}", f"/dashboard/report-exports/{row.id}/download"):
        assert other.get(url).status_code == 404
    assert other.post("/dashboard/units/01273/report-exports",
                      data={"period": QUARTER, "format": "csv", "csrf_token": token}).status_code == 404
    assert db.session.query(ReportExport).count() == 1
    bad = other.post("/dashboard/units/01279/report-exports",
                     data={"period": "2026-Q7", "format": "csv", "csrf_token": token}, follow_redirects=True)
    assert "không hợp lệ" in bad.get_data(as_text=True)


def test_the_dashboard_says_so_when_the_queue_is_down(make_app, tmp_path):
    from dashboard_helpers import csrf_token
    from redis_server import free_port

    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context(), clock.running_from(AFTER_QUARTER):
        report_scene()
        chair = dashboard_client(app, "chu-tich", "unit_manager", "01273")
        answer = chair.post("/dashboard/units/01273/report-exports", follow_redirects=True,
                            data={"period": QUARTER, "format": "xlsx", "csrf_token": csrf_token(chair, "/dashboard/units/01273")})
        assert answer.status_code == 200
        assert "tạm thời không hoạt động" in answer.get_data(as_text=True)
        assert db.session.scalars(select(ReportExport)).one().status == "failed"


def test_the_export_buttons_post_to_the_export_route(world):
    from flask import render_template_string

    chair = dashboard_client(world["app"], "chu-tich", "unit_manager", "01273")
    assert chair.get("/dashboard/").status_code == 302  # logged in; render the partial in a request
    with world["app"].test_request_context("/dashboard/units/01273/reports/2026-Q3"):
        html = render_template_string('{% from "dashboard/_report_export_buttons.html" import '
                                      'report_export_buttons with context %}'
                                      '{{ report_export_buttons("01273", "2026-Q3/official") }}')
    assert 'action="/dashboard/units/01273/report-exports"' in html
    assert 'name="period" value="2026-Q3/official"' in html
    assert {f'value="{fmt}"' in html for fmt in ("xlsx", "csv", "json")} == {True}
    assert 'name="csrf_token"' in html

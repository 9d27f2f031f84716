"""Biểu II.06a as a province files it: rows by field (lĩnh vực) from the dossier API, the
same rows in the JSON report, the XLSX form sheet, the CSV and the report page, and the
form's fixed texts and print setup.

The e-system registers six dossiers in Q3 2026 through the API: two "Hộ tịch", one
"Chứng thực" (in the other commune), two without a field and one received in June
(carried over); some are returned. Read on 20 October, the quarter closed.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, create_key, tree
from report_filing import file_report

from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Unit, User
from feedback_service.reports import filing
from feedback_service.reports.files import tthc_form
from feedback_service.reports.periods import parse_period

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTER = "2026-Q3"
DURING = datetime(2026, 9, 25, 9, tzinfo=HANOI)
AFTER = datetime(2026, 10, 20, 10, tzinfo=HANOI)
HO_TICH = {"field_code": "HT", "field_name": "Hộ tịch"}
CHUNG_THUC = {"field_code": "CT", "field_name": "Chứng thực"}
# (unit, sequence, field, channel, received, due, returned)
DOSSIERS = (
    ("01273", 1, HO_TICH, "online", "2026-07-06T08:00:00+07:00", "2026-07-08T17:00:00+07:00",
     "2026-07-07T10:00:00+07:00"),
    ("01273", 2, HO_TICH, "in_person", "2026-08-03T08:00:00+07:00", "2026-08-05T17:00:00+07:00",
     "2026-08-10T10:00:00+07:00"),
    ("01279", 3, CHUNG_THUC, "post", "2026-09-01T08:00:00+07:00", "2026-09-01T17:00:00+07:00",
     "2026-09-01T15:00:00+07:00"),
    ("01273", 4, None, "in_person", "2026-09-14T08:00:00+07:00", "2026-09-16T17:00:00+07:00", None),
    ("01279", 5, None, "online", "2026-09-21T08:00:00+07:00", "2026-10-30T17:00:00+07:00", None),
    ("01273", 6, HO_TICH, "in_person", "2026-06-22T08:00:00+07:00", "2026-07-20T17:00:00+07:00",
     "2026-07-20T09:00:00+07:00"),
)
COLUMN_KEYS = [f"{column.section}.{column.key}" for column in tthc_form.COLUMNS]


def code_of(sequence: int, received: str) -> str:
    return f"H15.50.05.13-{received[2:4]}{received[5:7]}{received[8:10]}-{sequence:04d}"


@pytest.fixture
def world(app, runner):
    with clock.running_from(DURING):
        _, own, other = tree()
        counter(own, "Q1")
        counter(other, "Q1")
        key = create_key(runner, "04", scope="reports")
        client = app.test_client()
        auth = {"Authorization": f"Bearer {key}"}
        for unit, sequence, field, channel, received, due, returned in DOSSIERS:
            procedure = {"code": f"1.00{sequence}", "name": f"Thủ tục {sequence}", **(field or {})}
            code = code_of(sequence, received)
            answer = client.post("/api/v1/dossiers", headers=auth, json={
                "code": code, "unit_code": unit, "procedure": procedure, "received_at": received,
                "due_at": due, "channel": channel})
            assert answer.status_code == 201, answer.get_json()
            if returned:
                patched = client.patch(f"/api/v1/dossiers/{code}?unit_code={unit}", headers=auth,
                                       json={"returned_at": returned})
                assert patched.status_code == 200, patched.get_json()
    with clock.running_from(AFTER):
        yield {"client": client, "auth": auth, "runner": runner, "app": app}


def accept_both() -> dict:
    """Both communes' reports accepted: the province's report is compiled from them, field by field."""
    return {code: file_report(code, parse_period(QUARTER)) for code in ("01273", "01279")}


@pytest.fixture
def accepted(world):
    return accept_both()


def counts(row: dict) -> list[int]:
    return [row[part][key] for part, key in (name.split(".") for name in COLUMN_KEYS)]


def report(world, code: str = "04") -> dict:
    answer = world["client"].get(f"/api/v1/units/{code}/report?period={QUARTER}", headers=world["auth"])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def export(world, fmt: str, code: str = "04") -> bytes:
    answer = world["client"].get(f"/api/v1/units/{code}/report.{fmt}?period={QUARTER}", headers=world["auth"])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.data


def form_rows(grid: list[list]) -> tuple[dict[str, list[int]], list[int]]:
    """The field rows (name → the eleven counts) and the total row of a printed form:
    the rows between the column numbers (1)…(11) and "Tổng cộng"."""
    numbers = next(i for i, row in enumerate(grid) if "(11)" in row)
    total = next(i for i, row in enumerate(grid) if "Tổng cộng" in row)
    fields = {row[1]: [int(v) for v in row[2:13]] for row in grid[numbers + 1:total]}
    return fields, [int(v) for v in grid[total][2:13]]


def cells(row_html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row_html)]


def xlsx_form(world, code: str = "04"):
    book = openpyxl.load_workbook(io.BytesIO(export(world, "xlsx", code)))
    assert book.sheetnames[0] == "Mẫu Biểu II.06a"
    return book["Mẫu Biểu II.06a"]


def csv_grid(world, code: str = "04") -> list[list[str]]:
    return list(csv.reader(io.StringIO(export(world, "csv", code).decode("utf-8-sig"))))


@pytest.mark.postgres_too
def test_the_fields_sent_through_the_api_are_the_rows_of_the_form_everywhere(world, accepted):
    document = report(world)
    rows = {row["field_name"]: row for row in document["tthc_results"]["fields"]}
    # By name (Vietnamese order), then the dossiers sent without a field.
    assert list(rows) == ["Chứng thực", "Hộ tịch", "Khác"]
    assert [row["field_code"] for row in rows.values()] == ["CT", "HT", None]
    assert counts(rows["Hộ tịch"]) == [3, 1, 1, 1, 3, 1, 1, 1, 0, 0, 0]
    assert counts(rows["Chứng thực"]) == [1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0]
    assert counts(rows["Khác"]) == [2, 1, 1, 0, 0, 0, 0, 0, 2, 1, 1]
    unit_row = counts(document["tthc_results"])
    assert [sum(column) for column in zip(*(counts(row) for row in rows.values()))] == unit_row

    expected = {name: counts(row) for name, row in rows.items()}
    sheet = xlsx_form(world)
    assert form_rows([list(row) for row in sheet.iter_rows(values_only=True)]) == (expected, unit_row)
    assert form_rows(csv_grid(world)) == (expected, unit_row)

    # A commune's report has its own dossiers' fields only.
    commune = report(world, "01273")["tthc_results"]["fields"]
    assert [(row["field_name"], row["received"]["total"]) for row in commune] == [("Hộ tịch", 3), ("Khác", 1)]


def test_the_report_page_shows_the_same_rows(world, accepted):
    make_user(world["runner"], "so-noi-vu", "province_officer", "04")
    page = world["app"].test_client()
    assert log_in(page, "so-noi-vu").status_code == 302
    html = page.get(f"/dashboard/units/04/reports/{QUARTER}").get_data(as_text=True)
    document = report(world)
    for number, row in enumerate(document["tthc_results"]["fields"], start=1):
        found = re.search(rf'<tr data-field="{row["field_code"] or "other"}">.*?</tr>', html, re.S)
        assert cells(found.group(0)) == [number, *counts(row)], row["field_name"]
    total = re.search(r'<tr class="total" data-field="total">.*?</tr>', html, re.S)
    assert cells(total.group(0)) == counts(document["tthc_results"])
    for text in ("Biểu số II.06a/VPCP/KSTT", "Đơn vị tính: hồ sơ", "(11)", "Người lập biểu", "Thủ trưởng đơn vị",
                 "(Ký tên, đóng dấu)", "Đơn vị nhận báo cáo: " + tthc_form.UNFILLED):
        assert text in html, text
    # In English the page reads the form in English; the files stay Vietnamese (the form goes upward in it).
    english = page.get(f"/dashboard/units/04/reports/{QUARTER}?lang=en").get_data(as_text=True)
    assert "Form No. II.06a/VPCP/KSTT" in english and ">Other</th>" in english and "Head of unit" in english
    in_english = page.get(f"/api/v1/units/04/report.csv?period={QUARTER}")
    assert in_english.status_code == 200
    assert "Biểu số II.06a/VPCP/KSTT" in in_english.data.decode("utf-8-sig")


def test_the_form_carries_its_fixed_texts_in_the_xlsx_and_the_csv(world):
    for grid in ([[("" if v is None else str(v)) for v in row] for row in xlsx_form(world, "01273").iter_rows(
            values_only=True)], csv_grid(world, "01273")):
        text = "\n".join(",".join(row) for row in grid)
        for fixed in ("Biểu số II.06a/VPCP/KSTT", "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP",
                      "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Đơn vị tính: hồ sơ",
                      "Đơn vị báo cáo: Phường Thục Phán", "Đơn vị nhận báo cáo: Tỉnh Cao Bằng",
                      "Kỳ báo cáo: Quý III/2026 (từ ngày 01/07/2026 đến ngày 30/09/2026)",
                      "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết",
                      "Người lập biểu", "(Ký, ghi rõ họ tên)", "Thủ trưởng đơn vị", "(Ký tên, đóng dấu)",
                      # A draft is dated the day its figures were made, at the commune's own place name.
                      "Thục Phán, ngày 20 tháng 10 năm 2026", "Bản nháp, chưa nộp: số liệu tính lúc 20/10/2026 10:00"):
            assert fixed in text, fixed
        assert "Ghi chú:" not in text  # nothing counted beside the columns: they add up, no note
        numbers = next(row for row in grid if "(1)" in row)
        assert numbers[:13] == ["A", "B"] + [f"({n})" for n in range(1, 12)]
        labels = grid[grid.index(numbers) - 1][2:13]
        assert labels == ["Tổng số", "Trực tuyến", "Trực tiếp, bưu chính", "Kỳ trước chuyển sang", "Tổng số",
                          "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]


def test_the_form_sheet_prints_on_a4_landscape_fitted_to_the_width(world):
    sheet = xlsx_form(world)
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4 == "9"  # A4
    assert (int(sheet.page_setup.fitToWidth), int(sheet.page_setup.fitToHeight)) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    merged = {str(block) for block in sheet.merged_cells.ranges}
    # The headings over their columns, STT and lĩnh vực over both heading rows, the title across.
    assert {"C9:F9", "G9:J9", "K9:M9", "A9:A10", "B9:B10", "A3:M3"} <= merged
    assert sheet["C9"].value == "Số hồ sơ nhận giải quyết" and sheet["C9"].font.b
    assert sheet["C12"].border.left.style == "thin"


def test_a_submitted_version_prints_its_snapshot_with_its_sha256_and_day(world):
    make_user(world["runner"], "chu-tich", "unit_manager", "01273")
    with clock.running_from(datetime(2026, 10, 2, 9, tzinfo=HANOI)):
        version = filing.submit(Unit.by_code("01273"), parse_period(QUARTER),
                                db.session.scalar(select(User).where(User.username == "chu-tich")))
    # Returned later: the snapshot stays what was filed, on the day it was filed.
    client, auth = world["client"], world["auth"]
    code = code_of(4, DOSSIERS[3][4])
    assert client.patch(f"/api/v1/dossiers/{code}?unit_code=01273", headers=auth,
                        json={"returned_at": "2026-09-29T10:00:00+07:00"}).status_code == 200
    grid = [[("" if v is None else str(v)) for v in row] for row in xlsx_form(world, "01273").iter_rows(values_only=True)]
    text = "\n".join(",".join(row) for row in grid)
    assert "Thục Phán, ngày 02 tháng 10 năm 2026" in text
    assert f"Số liệu của báo cáo phiên bản 1 đã nộp, mã kiểm tra SHA-256: {version.sha256}" in text
    snapshot = filing.snapshot_of(version)
    assert form_rows(grid) == ({row["field_name"]: counts(row) for row in snapshot["tthc_results"]["fields"]},
                               counts(snapshot["tthc_results"]))
    assert form_rows(grid)[0]["Khác"] == [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]
    # The published copy says which version it shows, with no hash of the unmasked snapshot.
    published = client.get(f"/api/v1/units/01273/report.csv?period={QUARTER}&audience=public", headers=auth)
    text = published.get_data(as_text=True)
    assert "Số liệu của báo cáo phiên bản 1 đã nộp (bản công bố)" in text and version.sha256 not in text


def test_a_snapshot_without_fields_is_all_khac(world):
    """A report submitted before dossiers carried a field prints its whole table as "Khác"."""
    document = report(world, "01273")
    del document["tthc_results"]["fields"]
    form = tthc_form.build(document)
    assert [(row.number, row.field_name, row.counts) for row in form.rows] == \
        [(1, "Khác", counts(document["tthc_results"]))]
    assert form.total.counts == counts(document["tthc_results"])


def test_a_field_is_sent_with_both_its_code_and_name(world):
    client, auth = world["client"], world["auth"]
    body = {"code": "H15.50.05.13-260925-0099", "unit_code": "01273", "received_at": "2026-09-25T08:00:00+07:00",
            "channel": "online", "procedure": {"code": "1.009", "name": "Thủ tục 9", "field_code": "HT"}}
    answer = client.post("/api/v1/dossiers", headers=auth, json=body)
    assert answer.status_code == 422
    assert [(d["field"], d["code"]) for d in answer.get_json()["error"]["details"]] == \
        [("procedure.field_name", "required")]
    body["procedure"] = {"code": "1.009", "name": "Thủ tục 9", **HO_TICH}
    created = client.post("/api/v1/dossiers", headers=auth, json=body)
    assert created.status_code == 201
    assert created.get_json()["procedure"] == {"code": "1.009", "name": "Thủ tục 9", **HO_TICH}
    # Another field for the same receipt is another fact: a conflict, named.
    body["procedure"] = {"code": "1.009", "name": "Thủ tục 9", **CHUNG_THUC}
    conflict = client.post("/api/v1/dossiers", headers=auth, json=body)
    assert conflict.status_code == 409
    assert {d["field"] for d in conflict.get_json()["error"]["details"]} == \
        {"procedure.field_code", "procedure.field_name"}
    body["procedure"]["field_name"] = "Chứng\x07thực"
    assert client.post("/api/v1/dossiers", headers=auth, json=body).status_code == 422


def test_the_csv_import_takes_the_field_columns_when_present(world, tmp_path):
    header = ("code,unit_code,counter_code,officer_code,procedure_code,procedure_name,received_at,due_at,"
              "channel,returned_at,late,field_code,field_name")
    path = tmp_path / "dossiers.csv"
    path.write_text("\n".join([
        header,
        "H15.50.05.13-260910-0101,01273,,,1.001,Thủ tục 1,2026-09-10T08:00:00+07:00,,online,,,DD,Đất đai",
        "H15.50.05.13-260910-0102,01273,,,1.002,Thủ tục 2,2026-09-10T08:00:00+07:00,,online,,,,",
        "H15.50.05.13-260910-0103,01273,,,1.003,Thủ tục 3,2026-09-10T08:00:00+07:00,,online,,,DD,",
    ]) + "\n", encoding="utf-8")
    result = world["runner"].invoke(args=["dossiers", "import", str(path)])
    assert f"{path}:4: field_name: required with field_code" in result.output
    fields = {row["field_name"]: row["received"]["total"] for row in report(world, "01273")["tthc_results"]["fields"]}
    assert fields == {"Đất đai": 1, "Hộ tịch": 3, "Khác": 2}


def test_notes_under_the_form_reconcile_the_cancelled_and_the_dossiers_without_a_due_date(world):
    """A dossier cancelled in the quarter and two with no due date (one resolved, one
    pending) are counted beside the eleven columns: the notes say how many, per field,
    so (1) = (5) + (9) + cancelled, (5) = (6) + (7) + (8) + no due date, (9) likewise."""
    client, auth = world["client"], world["auth"]
    added = (("01273", 7, HO_TICH, "2026-07-10T08:00:00+07:00", None, {"returned_at": "2026-07-15T10:00:00+07:00"}),
             ("01279", 8, None, "2026-09-10T08:00:00+07:00", None, None),
             ("01273", 9, HO_TICH, "2026-08-01T08:00:00+07:00", "2026-08-20T17:00:00+07:00",
              {"cancelled": True, "cancelled_at": "2026-08-05T09:00:00+07:00"}))
    for unit, sequence, field, received, due, patch in added:
        code = code_of(sequence, received)
        body = {"code": code, "unit_code": unit, "received_at": received, "channel": "in_person",
                "procedure": {"code": f"1.00{sequence}", "name": f"Thủ tục {sequence}", **(field or {})}}
        assert client.post("/api/v1/dossiers", headers=auth, json={**body, **({"due_at": due} if due else {})}
                           ).status_code == 201
        if patch:
            answer = client.patch(f"/api/v1/dossiers/{code}?unit_code={unit}", headers=auth, json=patch)
            assert answer.status_code == 200, answer.get_json()
    accept_both()  # the province's form compiles both communes' accepted reports
    results = report(world)["tthc_results"]
    assert (results["cancelled"], results["resolved"]["no_due_date"], results["pending"]["no_due_date"]) == (1, 1, 1)

    expected = [
        "Ghi chú:",
        "(1) = (5) + (9) + 1 hồ sơ đã hủy trong kỳ (theo lĩnh vực: Hộ tịch: 1).",
        "Trong (5) có 1 hồ sơ không có hạn giải quyết, không thuộc (6), (7), (8): (5) = (6) + (7) + (8) + 1 "
        "(theo lĩnh vực: Hộ tịch: 1).",
        "Trong (9) có 1 hồ sơ không có hạn giải quyết, không thuộc (10), (11): (9) = (10) + (11) + 1 "
        "(theo lĩnh vực: Khác: 1).",
    ]
    grids = ([[("" if v is None else str(v)) for v in row] for row in xlsx_form(world).iter_rows(values_only=True)],
             csv_grid(world))
    for grid in grids:
        start = next(i for i, row in enumerate(grid) if row[:1] == ["Ghi chú:"])
        assert [row[0] for row in grid[start:start + 4]] == expected
        # The sums the notes state hold, for the total and for every field's row.
        fields, total = form_rows(grid)
        apart = {"Hộ tịch": (1, 1, 0), "Chứng thực": (0, 0, 0), "Khác": (0, 0, 1)}
        for counts_, (cancelled, resolved_apart, pending_apart) in [
                (total, (1, 1, 1)), *((fields[name], share) for name, share in apart.items())]:
            assert counts_[0] == counts_[4] + counts_[8] + cancelled
            assert counts_[4] == sum(counts_[5:8]) + resolved_apart
            assert counts_[8] == sum(counts_[9:11]) + pending_apart

    make_user(world["runner"], "so-noi-vu", "province_officer", "04")
    page = world["app"].test_client()
    assert log_in(page, "so-noi-vu").status_code == 302
    html = page.get(f"/dashboard/units/04/reports/{QUARTER}").get_data(as_text=True)
    shown = re.search(r'<div class="form-notes" id="form-notes">.*?</div>', html, re.S).group(0)
    assert [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<p>(.*?)</p>", shown)] == expected
    english = page.get(f"/dashboard/units/04/reports/{QUARTER}?lang=en").get_data(as_text=True)
    assert "(1) = (5) + (9) + 1 dossiers cancelled in the period (by field: Hộ tịch: 1)." in english

"""The province's report compiled from its communes' accepted snapshots (reports/compiled.py).

Province 04 with three communes in 2026-Q3: Thục Phán (01273) and Nùng Trí Cao (01279)
file reports the province accepts; Tân Giang (01282) does not (submitted, not yet
reviewed, or not at all). Then Thục Phán's records change after its acceptance: the
province's report keeps the accepted figures. Expected figures are summed here from the
stored snapshots, and percentages worked out by hand from the sums.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, create_key, tree, unit
from report_filing import file_report, reviewer_above
from sqlalchemy import select

from feedback_service import clock
from feedback_service.clock import local_day
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating, ReportVersion, Unit
from feedback_service.reports import compilation, filing
from feedback_service.reports.files import export_runs
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

pytestmark = pytest.mark.postgres_too

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTER = parse_period("2026-Q3")
DURING = datetime(2026, 9, 30, 12, tzinfo=HANOI)
AFTER = datetime(2026, 10, 2, 10, tzinfo=HANOI)   # closed; the deadline is 5 October
LATE = datetime(2026, 10, 9, 10, tzinfo=HANOI)    # past the deadline
TABLE = {"received": ("total", "online", "in_person", "carried_over"),
         "resolved": ("total", "early", "on_time", "late", "no_due_date"),
         "pending": ("total", "within_time", "overdue", "no_due_date")}
ACCEPTED, MISSING = ("01273", "01279"), "01282"
HO_TICH, CHUNG_THUC = ("HT", "Hộ tịch"), ("CT", "Chứng thực")


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=HANOI)


def rate(desk, overall: int, moment: datetime, channel: str = "counter_qr") -> None:
    rating = Rating(submitted_at=moment, local_day=local_day(moment), unit_id=desk.unit_id, counter_id=desk.id,
                    channel=channel, instrument_version="sipas-6biet-v1", overall=overall,
                    conduct={"greet": overall >= 3, "listen": True}, elements={"access": overall, "result": 6 - overall})
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))


def dossier(desk, code: str, received: datetime, due: datetime, returned: datetime | None = None,
            field: tuple[str, str] | None = None, channel: str = "in_person") -> Dossier:
    row = Dossier(code=code, unit_id=desk.unit_id, counter_id=desk.id, procedure_code=f"P-{code[-1]}",
                  procedure_name=f"Thủ tục {code[-1]}", field_code=field[0] if field else None,
                  field_name=field[1] if field else None, channel=channel, received_at=received,
                  received_day=local_day(received), due_at=due, due_day=local_day(due), returned_at=returned,
                  returned_day=local_day(returned) if returned else None)
    db.session.add(row)
    return row


@pytest.fixture
def province(app, runner):
    """The three communes' quarter: 01273 has 6 ratings (4 satisfied) and three dossiers,
    01279 has 10 (9 satisfied) and one, 01282 has 3 (none satisfied) and one."""
    with clock.running_from(DURING):
        _, thuc_phan, nung_tri_cao = tree()
        tan_giang = unit(MISSING, "Phường Tân Giang", Unit.by_code("04"), kind="phường")
        desks = {u.code: counter(u) for u in (thuc_phan, nung_tri_cao, tan_giang)}
        for number, overall in enumerate((5, 5, 4, 2, 1, 5)):
            rate(desks["01273"], overall, at(7, 10 + number), channel="kiosk" if number % 2 else "counter_qr")
        for number, overall in enumerate((4, 3, 5, 5, 5, 5, 5, 5, 5, 5)):
            rate(desks["01279"], overall, at(8, 3 + number))
        for number, overall in enumerate((1, 1, 2)):
            rate(desks[MISSING], overall, at(9, 1 + number))
        dossier(desks["01273"], "TP-1", at(7, 1), at(7, 6, 17), at(7, 3), HO_TICH, "online")       # early
        dossier(desks["01273"], "TP-2", at(8, 3), at(8, 5, 17), at(8, 10), HO_TICH)                # late
        pending = dossier(desks["01273"], "TP-3", at(9, 1), at(9, 10, 17))                          # overdue
        dossier(desks["01279"], "NT-4", at(8, 20), at(8, 25, 17), at(8, 25, 10), CHUNG_THUC, "online")  # on time
        dossier(desks[MISSING], "TG-5", at(9, 20), at(10, 20, 17))                                  # within time
        db.session.commit()
        fold_all(100)
    make_user(runner, "so-noi-vu", "province_officer", "04")
    make_user(runner, "quan-tri", "admin")
    return {"desks": desks, "pending": pending.id, "key": create_key(runner, "04", scope="reports")}


def accept_two_and_change_one(province) -> dict[str, dict]:
    """01273 and 01279 filed and accepted, 01282 submitted but not reviewed; then 01273's
    records change. The accepted snapshots, as stored."""
    with clock.running_from(AFTER):
        for code in ACCEPTED:
            file_report(code, QUARTER)
        file_report(MISSING, QUARTER, accept=False)
        rate(province["desks"]["01273"], 1, at(9, 15))   # a kiosk's late upload
        late = db.session.get(Dossier, province["pending"])
        late.returned_at, late.returned_day = at(9, 20), at(9, 20).date()
        db.session.commit()
        fold_all(100)
    return {code: filing.snapshot_of(filing.latest(Unit.by_code(code), QUARTER)) for code in ACCEPTED}


def summed(snapshots: list[dict]) -> dict:
    """The counts of the snapshots added up, by hand."""
    total = Counter()
    for snapshot in snapshots:
        satisfaction, results = snapshot["satisfaction"], snapshot["tthc_results"]
        total["responses"] += satisfaction["responses"]
        total["excluded"] += satisfaction["excluded"]["total"]
        for level, n in satisfaction["overall"].items():
            total[f"overall.{level}"] += n
        for key, element in satisfaction["elements"].items():
            for level, n in element["counts"].items():
                total[f"elements.{key}.{level}"] += n
        for key, behaviour in satisfaction["conduct"].items():
            for answer in ("yes", "no", "unknown"):
                total[f"conduct.{key}.{answer}"] += behaviour[answer]
        for channel, n in satisfaction["by_channel"].items():
            total[f"by_channel.{channel}"] += n
        for section, columns in TABLE.items():
            for column in columns:
                total[f"{section}.{column}"] += results[section][column]
        for row in results["fields"]:
            total[f"fields.{row['field_code']}.received"] += row["received"]["total"]
        total["complained"] += snapshot["indicators_766"]["complained"]
    return total


def api(client, province, query: str = "", fmt: str = "", period: str = "2026-Q3"):
    return client.get(f"/api/v1/units/04/report{fmt}?period={period}{query}",
                      headers={"Authorization": f"Bearer {province['key']}"})


def test_the_province_report_is_the_sum_of_its_accepted_communes_not_live_data(app, client, province):
    snapshots = accept_two_and_change_one(province)
    with clock.running_from(AFTER):
        report = api(client, province).get_json()
        live = filing.build_report(Unit.by_code("04"), QUARTER)  # the whole subtree, read live
    expected = summed(list(snapshots.values()))
    satisfaction, results = report["satisfaction"], report["tthc_results"]
    assert report["basis"] == "compiled" and report["status"] == "draft"
    assert satisfaction["responses"] == expected["responses"] == 16
    assert satisfaction["overall"] == {level: expected[f"overall.{level}"] for level in "12345"}
    assert {key: element["counts"] for key, element in satisfaction["elements"].items()} == \
        {key: {level: expected[f"elements.{key}.{level}"] for level in "12345"} for key in satisfaction["elements"]}
    assert {f"conduct.{key}.{answer}": b[answer] for key, b in satisfaction["conduct"].items()
            for answer in ("yes", "no", "unknown")} == {k: v for k, v in expected.items() if k.startswith("conduct.")}
    assert satisfaction["by_channel"] == {"counter_qr": 13, "dossier_qr": 0, "kiosk": 3, "api": 0}
    # 4 of 6 and 9 of 10 satisfied: 13 of 16 = 81.25 %, not the mean of 66.67 % and 90 %.
    assert satisfaction["satisfaction_pct"] == 81.25
    assert satisfaction["verified"]["responses"] == 0 and satisfaction["verified"]["satisfaction_pct"] is None
    for section, columns in TABLE.items():
        assert results[section] == {column: expected[f"{section}.{column}"] for column in columns}, section
    assert results["pending"]["overdue"] == 1  # TP-3 as accepted; it was returned since
    assert {f"fields.{row['field_code']}.received": row["received"]["total"] for row in results["fields"]} == \
        {k: v for k, v in expected.items() if k.startswith("fields.")} == \
        {"fields.CT.received": 1, "fields.HT.received": 2, "fields.None.received": 1}
    assert [row["code"] for row in results["children"]] == list(ACCEPTED)
    # QĐ 766 from the summed counts: 4 handled, resolved late 1 + pending overdue 1.
    assert report["indicators_766"]["overdue_pct"] == 50.0 and report["indicators_766"]["on_time_pct"] == round(200 / 3, 2)
    assert [child["code"] for child in report["children"]] == ["01279", "01273"]  # ranked by satisfaction
    # The records say otherwise now; the province's report does not.
    assert live["satisfaction"]["responses"] == 20 and live["tthc_results"]["pending"]["overdue"] == 0
    assert report["compiled_from"] == [
        {"code": code, "name": snapshots[code]["unit"]["name"], "version": 1, "sha256": snapshots[code]["sha256"]}
        for code in ACCEPTED]
    assert report["missing"] == [
        {"code": MISSING, "name": "Phường Tân Giang", "status": "submitted", "version": 1, "late": False}]
    # The own desk is read live: its ratings not yet folded are counted (none here).
    assert "own_records" in report["method"]["compiled"] and report["method"]["ratings_not_yet_counted"] == 0


def test_the_published_copy_the_csv_and_the_xlsx_carry_the_same_sources(app, client, province):
    snapshots = accept_two_and_change_one(province)
    with clock.running_from(AFTER):
        internal = api(client, province).get_json()
        public = api(client, province, "&audience=public").get_json()
        text = api(client, province, fmt=".csv").get_data().decode("utf-8-sig")
        book = openpyxl.load_workbook(io.BytesIO(api(client, province, fmt=".xlsx").get_data()))
    assert public["published"] is True and "officers" not in public
    assert (public["compiled_from"], public["missing"], public["basis"]) == \
        (internal["compiled_from"], internal["missing"], "compiled")
    # Dossier counts are published as they are; a procedure's QĐ 766 figures that rest on 1–4
    # ratings of dossiers are withheld (the disclosure walker checks which).
    def counts_only(results: dict) -> dict:
        return {**results, "procedures": [{k: v for k, v in row.items() if k != "indicators_766"}
                                          for row in results["procedures"]]}
    assert public["satisfaction"]["responses"] == 16
    assert counts_only(public["tthc_results"]) == counts_only(internal["tthc_results"])

    rows = list(csv.reader(io.StringIO(text)))
    start = rows.index(["Tổng hợp từ", "Báo cáo đã tiếp nhận của đơn vị trực thuộc được tổng hợp"])
    assert rows[start + 2] == ["code", "name", "version", "sha256"]
    assert rows[start + 3:start + 5] == [[code, snapshots[code]["unit"]["name"], "1", snapshots[code]["sha256"]]
                                         for code in ACCEPTED]
    start = rows.index(["Chưa tổng hợp", "Đơn vị trực thuộc chưa có báo cáo được tiếp nhận"])
    assert rows[start + 3][:4] == [MISSING, "Phường Tân Giang", "Đã nộp, chờ cấp trên xem xét", "1"]
    assert "Tổng hợp từ báo cáo đã tiếp nhận của 2 đơn vị trực thuộc; 1 đơn vị chưa có" in text

    sheet = [row for row in book["Tổng hợp từ"].iter_rows(values_only=True)]
    assert [row[:4] for row in sheet[-2:]] == [(code, snapshots[code]["unit"]["name"], 1, snapshots[code]["sha256"])
                                              for code in ACCEPTED]
    assert list(book["Chưa tổng hợp"].iter_rows(values_only=True))[-1][0] == MISSING
    figures = {row[1]: row[2] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[1]}
    assert figures["responses"] == 16 and figures["satisfaction_pct"] == 81.25


def test_the_province_submits_its_compiled_report_and_it_verifies_and_stays(app, client, runner, province, tmp_path):
    accept_two_and_change_one(province)
    officer = log_in_as(app, "so-noi-vu")
    with clock.running_from(AFTER):
        draft = filing.report_now(Unit.by_code("04"), QUARTER)
        page = officer.get("/dashboard/units/04/reports/2026-Q3").get_data(as_text=True)
        assert 'id="compiled-from"' in page and 'id="compiled-missing"' in page and "Nộp báo cáo" in page
        board = officer.get("/dashboard/units/04/reports?period=2026-Q3").get_data(as_text=True)
        for html in (page, board):
            assert all(f'data-compiled="{code}" data-version="1"' in html for code in ACCEPTED)
            assert re.search(r'<tr data-missing="01282">.*?data-status="submitted">Đã nộp<', html, re.S)
        assert 'data-key="responses" data-value="16"' in board
        answer = officer.post("/dashboard/units/04/reports/2026-Q3/submit",
                              data={"csrf_token": csrf_token(officer, "/dashboard/units/04/reports/2026-Q3")})
        assert answer.status_code == 302
        served = api(client, province)
    snapshot = served.get_json()
    assert snapshot["status"] == "submitted" and snapshot["basis"] == "compiled"
    # Rebuilt from the same accepted snapshots: the same figures.
    for section in ("satisfaction", "indicators_766", "tthc_results", "children", "compiled_from", "missing"):
        assert snapshot[section] == draft[section], section
    path = tmp_path / "bao-cao-04.json"
    path.write_bytes(served.get_data())
    verified = runner.invoke(args=["reports", "verify", str(path)])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output

    # Tân Giang is accepted later: the province's draft changes, its submitted version never.
    with clock.running_from(AFTER):
        filing.review(filing.latest(Unit.by_code(MISSING), QUARTER), reviewer_above(MISSING), accept=True)
        again = api(client, province).get_data()
        redrafted = filing.report_now(Unit.by_code("04"), QUARTER)
        # An admin reviews the province's own report.
        filing.review(filing.latest(Unit.by_code("04"), QUARTER), admin(), accept=True)
    assert again == served.get_data()
    assert [u["code"] for u in redrafted["compiled_from"]] == [*ACCEPTED, MISSING] and redrafted["missing"] == []
    assert redrafted["satisfaction"]["responses"] == 19
    assert db.session.scalar(select(ReportVersion.status).where(ReportVersion.unit_id == Unit.by_code("04").id)) \
        == "accepted"


def test_a_province_with_no_accepted_commune_has_an_empty_report_and_every_commune_missing(app, client, province):
    officer = log_in_as(app, "so-noi-vu")
    # A calendar period is for reading (nobody must file it): a draft however late; an
    # official one is not reported once its deadline has passed.
    for period, moment, status in (("2026-Q3", AFTER, "draft"), ("2026-Q3", LATE, "draft"),
                                   ("2026-Q4/official", datetime(2026, 12, 21, 10, tzinfo=HANOI), "not_reported")):
        with clock.running_from(moment):
            report = api(client, province, period=period).get_json()
            assert report["satisfaction"]["responses"] == 0 and report["satisfaction"]["satisfaction_pct"] is None
            assert report["tthc_results"]["received"]["total"] == 0 and report["indicators_766"]["on_time_pct"] is None
            assert report["compiled_from"] == [] and report["children"] == [] and report["officers"] == []
            assert [(m["code"], m["status"], m["version"]) for m in report["missing"]] == \
                [(code, status, None) for code in ("01273", "01279", MISSING)]
            for query, fmt in (("&audience=public", ""), ("", ".csv"), ("", ".xlsx")):
                assert api(client, province, query, fmt, period).status_code == 200, (query, fmt)
            page = officer.get(f"/dashboard/units/04/reports/{period}")
            assert page.status_code == 200 and 'id="compiled-none"' in page.get_data(as_text=True)
            board = officer.get(f"/dashboard/units/04/reports?period={period}")
            assert board.status_code == 200 and 'id="compiled-missing"' in board.get_data(as_text=True)


def test_a_compiled_draft_export_is_not_reused_once_a_commune_is_accepted(app, province):
    with clock.running_from(AFTER):
        file_report("01273", QUARTER, accept=False)
        before = export_runs.basis_of(Unit.by_code("04"), QUARTER, None)
        filing.review(filing.latest(Unit.by_code("01273"), QUARTER), reviewer_above("01273"), accept=True)
        after = export_runs.basis_of(Unit.by_code("04"), QUARTER, None)
        commune = export_runs.basis_of(Unit.by_code("01279"), QUARTER, None)
    assert before and after and before != after
    assert ":filed:" not in commune  # a commune's draft rests on the fold generation and the day only


def test_a_snapshot_filed_before_a_key_existed_shows_no_correction_for_it(app, province):
    with clock.running_from(AFTER):
        version = file_report("01273", QUARTER)
        snapshot = json.loads(version.document)
        live = filing.live_report(Unit.by_code("01273"), QUARTER)
    assert compilation.differences_since(snapshot, live) == []
    del snapshot["tthc_results"]["fields"]                      # filed before dossiers carried a field
    del snapshot["satisfaction"]["elements"]["access"]["counts"]
    assert compilation.differences_since(snapshot, live) == []
    snapshot["tthc_results"]["resolved"]["late"] += 1           # a real correction still shows
    assert compilation.differences_since(snapshot, live) == [("tthc_results.resolved.late", 2, 1)]


def log_in_as(app, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def admin():
    from feedback_service.models import User

    return db.session.scalar(select(User).where(User.username == "quan-tri"))


"""A report's method in the reader's words: the page (Vietnamese, or English with
?lang=en), the XLSX "Phương pháp" sheet and the CSV section read the same sentences,
naming figures by their labels and stating the settings' values; the JSON keeps its keys.

Every key of the live method has a sentence (the test fails when `method()` gains one
without), methods already filed are read by their own rules, and a key no sentence knows
is shown with its value, never dropped. Read on 20 October 2026, Q3 closed.
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
from factories import create_key, tree

from feedback_service import clock
from feedback_service.reports import method_text
from feedback_service.reports.files.export_layout import leaves

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTER = "2026-Q3"
AFTER = datetime(2026, 10, 20, 10, tzinfo=HANOI)
HEAD = 8  # a section sheet: title, six header lines, an empty row

# The method of a report filed with the first report format (sipas-period-report/1),
# word for word: its on-time % was over every resolved dossier, its hash sorted-keys JSON.
FIRST_FORMAT_METHOD = {
    "source": "Counter ratings collected by this service: the province's own continuous monitoring, not the "
              "national SIPAS survey, which the Ministry of Home Affairs runs itself.",
    "instrument_version": "sipas-6biet-v1",
    "timezone": "Asia/Ho_Chi_Minh",
    "scope": "the unit and every unit below it (merged units through their successor)",
    "satisfied_min_level": 4,
    "min_answers": 5,
    "formulas": {
        "satisfaction_pct": "answers at level 4 or above ÷ answers × 100",
        "mean_score": "mean of the 1–5 answers",
        "sipas_index": "unweighted mean of the five elements' satisfaction % (a composite of counter ratings, "
                       "not the official SIPAS index)",
        "conduct_pct": "yes ÷ (yes + no) × 100 per behaviour; unanswered counts as unknown",
        "conduct_score": "mean of the six behaviours' %",
        "on_time_pct": "(resolved early + on time) ÷ resolved × 100",
        "overdue_pct": "(resolved late + pending overdue at the period's end) ÷ (resolved + pending) × 100",
        "complained_pct": "dossiers handled whose unflagged rating by the period's end had overall ≤ 3 or a "
                          "behaviour answered no ÷ (resolved + pending) × 100",
        "tthc_satisfaction_pct": "100 − (overdue_pct + complained_pct), not below 0 (QĐ 766/QĐ-TTg)",
        "points": "6.0 × min(1, tthc_satisfaction_pct ÷ 90.0)",
        "tthc_results": "Biểu II.06a (TT 01/2020/TT-VPCP): received = online + in person or by post + carried "
                        "over; resolved by return day against the due day (late as the e-system flags it); "
                        "pending and overdue judged at the period's end",
        "complaints_on_time_pct": "cases answered by their due working day ÷ (answered + pending overdue) × 100",
    },
    "excluded": "ratings flagged as a repeat inside the cool-down, a filled honeypot or above a counter's "
                "allowance are stored and counted in satisfaction.excluded, never in a figure; cancelled "
                "dossiers are left out of every count",
    "small_cells": "a figure resting on fewer than 5 answers is shown as \"<5\" wherever the report is published; "
                   "officers are never published",
    "ratings_not_yet_counted": 0,
    "integrity": "sha256 = SHA-256 of the UTF-8 canonical JSON (keys sorted, no spaces, non-ASCII kept) of the "
                 "snapshot without its sha256, status and review fields",
}


@pytest.fixture
def world(make_app):
    def build(**settings):
        app = make_app(**settings)
        with app.app_context(), clock.running_from(AFTER):
            tree()
            runner = app.test_cli_runner()
            key = create_key(runner, "04", scope="reports")
            make_user(runner, "so-noi-vu", "province_officer", "04")
        return app, {"Authorization": f"Bearer {key}"}
    return build


def report(app, auth, code: str = "04") -> dict:
    with clock.running_from(AFTER):
        answer = app.test_client().get(f"/api/v1/units/{code}/report?period={QUARTER}", headers=auth)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def method_section(html: str) -> str:
    return re.search(r'<section class="panel" aria-labelledby="h-method">.*?</section>', html, re.S).group(0)


def english_texts(method: dict) -> list[str]:
    """The method's own words: every key and every text value of the JSON."""
    words = [str(value) for _path, value in leaves(method) if isinstance(value, str) and " " in value]
    return words + [segment for path, _value in leaves(method) for segment in path.split(".")]


@pytest.mark.parametrize("resolved_by", ["finish", "return"])
def test_every_key_of_the_live_method_has_a_sentence(world, resolved_by):
    app, auth = world(REPORT_RESOLVED_BY=resolved_by)
    method = report(app, auth)["method"]
    with app.test_request_context():
        assert method_text.unread(method) == []
        # A commune's live report says its scope in its own words too.
        assert method_text.unread(report(app, auth, "01273")["method"]) == []
        said = {s.key: s.text for p in method_text.paragraphs(method) for s in p.sentences}
    assert said["formulas.satisfaction_pct"] == \
        "Tỷ lệ hài lòng (%) = số câu trả lời ở mức 4 trở lên ÷ tổng số câu trả lời × 100."
    assert said["formulas.points"].startswith("Điểm = 6 × min(1, mức độ hài lòng về giải quyết TTHC ÷ 90)")
    assert "từ 2 trở xuống" in said["formulas.complained_pct"]
    assert said["assumptions.CASE_SLA_WORKING_DAYS"].endswith(": 5 (CASE_SLA_WORKING_DAYS).")
    assert "giả định" in said["assumptions"]
    by = {"finish": "ngày kết thúc xử lý", "return": "ngày trả kết quả cho người dân"}[resolved_by]
    assert by in said["formulas.resolved"] and by in said["assumptions.REPORT_RESOLVED_BY"]
    assert "Asia/Ho_Chi_Minh" in said["timezone"] and said["ratings_not_yet_counted"].endswith(": 0.")


def test_a_method_filed_with_the_first_format_is_read_by_its_own_rules(app):
    with app.test_request_context():
        assert method_text.unread(FIRST_FORMAT_METHOD) == []
        said = {s.key: s.text for p in method_text.paragraphs(FIRST_FORMAT_METHOD) for s in p.sentences}
        headings = [p.heading for p in method_text.paragraphs(FIRST_FORMAT_METHOD)]
    # Its on-time % was over every resolved dossier, its dislike threshold 3: as filed, not as today.
    assert said["formulas.on_time_pct"].endswith("÷ số hồ sơ đã giải quyết × 100.")
    assert "từ 3 trở xuống" in said["formulas.complained_pct"]
    assert "khóa theo thứ tự" in said["integrity"]
    assert "Giả định" not in headings  # it named no assumptions


def test_a_key_no_sentence_knows_is_shown_with_its_value(app):
    method = {**FIRST_FORMAT_METHOD, "compiled_from": ["01273", "01279"],
              "formulas": {**FIRST_FORMAT_METHOD["formulas"], "points": "a new rule"},
              "assumptions": {"REPORT_766_FULL_AT_PCT": {"value": 92.5, "meaning": "full points from"},
                              "NEW_SETTING": {"value": 7, "meaning": "something new"}}}
    with app.test_request_context():
        paragraphs = method_text.paragraphs(method)
        assert method_text.unread(method) == ["formulas.points", "compiled_from", "assumptions.NEW_SETTING"]
    other = paragraphs[-1]
    assert other.heading == "Nội dung khác (ghi nguyên văn)"
    assert [s.text for s in other.sentences] == [
        "formulas.points: a new rule", "compiled_from: 01273, 01279",
        "assumptions.NEW_SETTING: value: 7; meaning: something new"]
    assumed = next(p for p in paragraphs if p.heading == "Giả định")
    assert "đạt đủ điểm: 92,5 (REPORT_766_FULL_AT_PCT)." in assumed.sentences[1].text


def test_the_page_reads_the_method_in_its_language(world):
    app, auth = world()
    method = report(app, auth)["method"]
    page = app.test_client()
    with clock.running_from(AFTER):
        assert log_in(page, "so-noi-vu").status_code == 302
        vietnamese = method_section(page.get(f"/dashboard/units/04/reports/{QUARTER}").get_data(as_text=True))
        english = method_section(page.get(f"/dashboard/units/04/reports/{QUARTER}?lang=en").get_data(as_text=True))
    assert "Tỷ lệ hài lòng (%) = số câu trả lời ở mức 4 trở lên ÷ tổng số câu trả lời × 100." in vietnamese
    assert "<h3>Giả định</h3>" in vietnamese and 'lang="en"' not in vietnamese
    # None of the JSON's English: neither its texts nor its keys (bar the settings' own names).
    shown = re.sub(r"<[^>]+>", " ", vietnamese)
    for text in english_texts(method):
        if not text.isupper():
            assert not re.search(rf"(?<![\w/]){re.escape(text)}(?![\w/])", shown), text
    assert "Satisfaction (%) = answers at level 4 or above ÷ all answers × 100." in english
    assert "<h3>Assumptions</h3>" in english


def test_the_files_print_the_same_sentences_in_vietnamese(world):
    app, auth = world()
    method = report(app, auth)["method"]
    client = app.test_client()
    with clock.running_from(AFTER), app.test_request_context():
        expected = method_text.file_rows(method)
        book = client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}&lang=en", headers=auth).data
        text = client.get(f"/api/v1/units/04/report.csv?period={QUARTER}&lang=en", headers=auth).data
    assert any(row[1].startswith("Tỷ lệ hài lòng (%) = ") for row in expected)
    rows = list(openpyxl.load_workbook(io.BytesIO(book))["Phương pháp"].iter_rows(values_only=True))
    assert list(rows[HEAD][:3]) == ["Mục", "Nội dung", "Khóa JSON"]
    assert [list(row[:3]) for row in rows[HEAD + 2:]] == expected
    grid = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    start = grid.index(["Phương pháp", "Phương pháp tính"])
    assert grid[start + 3:start + 3 + len(expected)] == expected

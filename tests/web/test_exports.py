"""CSV exports from the dashboard: the complaint cases under the inbox's filters and the
officers' "6 biết" table for a period — Excel-readable, scoped like the pages, with
formulas in citizens' words defused and the call-back phone never exported."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from dashboard_helpers import log_in, make_user
from factories import counter, officer, tree
from ratings_helpers import rating_without_case
from sqlalchemy import select

from feedback_service.cases import workflow
from feedback_service.summaries.fold import fold_all
from feedback_service.extensions import db
from feedback_service.ratings.instrument import current_instrument
from feedback_service.models import Case
from feedback_service.ratings.submission import Answers, store_rating

PHONE = "0912345678"
FORMULA = '=HYPERLINK("http://ke-xau.example","bấm vào đây")'


@pytest.fixture
def world(app, runner):
    _, commune, other = tree()
    desk = counter(commune, "Q1", "Quầy 1 — Tư pháp")
    clerk = officer(desk, "CB-0042", "Nguyễn Văn An")
    make_user(runner, "xem", "viewer", "01273")
    return {"desk": desk, "clerk": clerk, "other_desk": counter(other, "Q1", "Quầy của 01279")}


def rate(desk, clerk, overall: int, conduct: dict, comment: str | None = None, phone: str | None = None):
    return store_rating(Answers(overall=overall, conduct=conduct, elements={}, comment=comment,
                                contact_phone=phone),
                        desk, clerk, channel="counter_qr", instrument=current_instrument())


def download(app, path: str) -> tuple[list[list[str]], object]:
    client = app.test_client()
    assert log_in(client, "xem").status_code == 302
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read Vietnamese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")))), response


@pytest.mark.postgres_too
def test_cases_export_follows_the_inbox_filters_and_never_carries_the_phone(calendar_day, app, world):
    desk, clerk = world["desk"], world["clerk"]
    late = rating_without_case(desk, calendar_day.date() - timedelta(days=30), overall=1, comment="Chờ quá lâu")
    workflow.backfill()
    fresh = rate(desk, clerk, 2, {"greet": False}, FORMULA, PHONE)
    rate(world["other_desk"], None, 1, {}, "Ở xã bên cạnh")

    rows, response = download(app, "/dashboard/units/01273/cases.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="phan-anh-01273-' in response.headers["Content-Disposition"]
    header, *cases = rows
    assert header[:4] == ["Số", "Ngày nhận", "Hạn trả lời", "Trạng thái"]
    assert len(cases) == 2  # not the other commune's
    by_id = {int(row[0]): dict(zip(header, row)) for row in cases}
    newest = by_id[db.session.scalar(select(Case.id).where(Case.rating_id == fresh.id))]
    assert newest["Ý kiến"] == "'" + FORMULA  # a spreadsheet shows it, never runs it
    assert newest["Cán bộ"] == "Nguyễn Văn An" and newest["Quầy"] == "Quầy 1 — Tư pháp"
    assert newest["Trạng thái"] == "Mới" and newest["Quá hạn"] == "Không"
    assert "Cán bộ không đạt “6 biết”" in newest["Lý do"] and "Có ý kiến" in newest["Lý do"]
    assert PHONE not in response.get_data(as_text=True)

    overdue, _ = download(app, "/dashboard/units/01273/cases.csv?overdue=1")
    assert [row[0] for row in overdue[1:]] == [str(db.session.scalar(select(Case.id).where(Case.rating_id == late.id)))]
    closed, _ = download(app, "/dashboard/units/01273/cases.csv?status=closed")
    assert closed[1:] == []


@pytest.mark.postgres_too
def test_officers_export_matches_the_page_and_hides_thin_percentages(calendar_day, app, world):
    desk, clerk = world["desk"], world["clerk"]
    quiet = officer(desk, "CB-0043", "Trần Thị Bình")
    for apologised in (True, True, True, False, True, True):
        rate(desk, clerk, 5, {"greet": True, "apologize": apologised})
    rate(desk, quiet, 4, {"greet": True})
    fold_all(1000)

    rows, response = download(app, "/dashboard/units/01273/officers.csv?period=year")
    today = calendar_day.date()  # "this year" runs to today
    assert f'filename="can-bo-01273-{today.year}-01-01-{today}.csv"' in response.headers["Content-Disposition"]
    header, *officers = rows
    table = {row[0]: dict(zip(header, row)) for row in officers}
    assert set(table) == {"CB-0042", "CB-0043"}
    an = table["CB-0042"]
    assert an["Số ý kiến"] == "6" and an["Tỷ lệ hài lòng (%)"] == "100.0"
    assert (an["Biết xin lỗi: có"], an["Biết xin lỗi: không"], an["Biết xin lỗi (%)"]) == ("5", "1", "83.33")
    binh = table["CB-0043"]
    # One answer: how many rated shows; the answer does not, neither its share nor its counts,
    # which would give the share back (as on the page).
    assert (binh["Số ý kiến"], binh["Tỷ lệ hài lòng (%)"], binh["Biết chào: có"], binh["Biết chào (%)"]) \
        == ("1", "<5", "<5", "<5")

    page = app.test_client()
    log_in(page, "xem")
    html = page.get("/dashboard/units/01273?period=year").get_data(as_text=True)
    assert "/dashboard/units/01273/officers.csv?period=year" in html and "83,33%" in html

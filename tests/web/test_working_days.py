"""Complaint due dates and report deadlines skip public holidays and count make-up
Saturdays, from the operator's holidays file; a broken file stops start-up with the line at fault."""
from datetime import date
from pathlib import Path

import pytest
from factories import counter, tree
from ratings_helpers import rating_without_case
from sqlalchemy import select

from feedback_service import working_calendar
from feedback_service.cases import workflow
from feedback_service.config import PROJECT_ROOT
from feedback_service.extensions import db
from feedback_service.models import Case
from feedback_service.reports import filing
from feedback_service.reports.periods import parse_period
from feedback_service.working_calendar import WEEKDAYS_ONLY, CalendarError, load, parse

SHIPPED = PROJECT_ROOT / "config" / "holidays.txt"


def test_the_shipped_file_reads_and_knows_tet_2026():
    calendar = load(str(SHIPPED), date(2026, 11, 22))
    assert not calendar.is_working_day(date(2026, 2, 17))  # Mùng 1 Tết Bính Ngọ, a Tuesday
    assert not calendar.is_working_day(date(2026, 4, 27))  # Giỗ Tổ, nghỉ bù
    assert calendar.is_working_day(date(2026, 2, 23))
    assert {2026, 2027} <= calendar.years()


def test_a_case_opened_before_tet_is_due_after_it(app):
    # Friday 13 Feb 2026 + 5 working days: 16–20 Feb are Tết, so Monday 23 … Friday 27 Feb.
    assert workflow.add_working_days(date(2026, 2, 13), 5, app.extensions["working_calendar"]) == date(2026, 2, 27)
    assert workflow.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 20)  # weekdays alone


@pytest.mark.postgres_too
def test_backfilled_case_due_date_uses_the_configured_calendar(app):
    _, commune, _ = tree()
    rating = rating_without_case(counter(commune), date(2026, 4, 24), overall=1)  # Friday before Giỗ Tổ and 30/4
    workflow.backfill()
    # 27/4 (bù), 30/4 and 1/5 are off: Tue 28, Wed 29, Mon 4, Tue 5, Wed 6 May.
    assert db.session.scalar(select(Case.due_on).where(Case.rating_id == rating.id)) == date(2026, 5, 6)


def test_a_make_up_saturday_is_a_working_day():
    calendar = parse("2026-10-10 work Thứ Bảy làm bù\n2026-10-12 off  nghỉ bù\n")
    assert calendar.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 13)


@pytest.mark.parametrize("text, message", [
    ("2026-02-30 off Tết\n", "line 1|:1: '2026-02-30' is not a date"),
    ("# note\n2026-02-16 holiday Tết\n", ":2: expected"),
    ("2026-02-16\n", ":1: expected"),
    ("2026-02-16 off\n2026-02-16 off again\n", ":2: 2026-02-16 is listed twice"),
    ("2026-02-16 work Monday\n", "only a weekend day"),
])
def test_a_malformed_file_names_the_line(text, message):
    with pytest.raises(CalendarError, match=message.split("|")[-1]):
        parse(text, "holidays.txt")


def test_a_broken_file_stops_the_app_and_none_means_weekdays(make_app, tmp_path: Path):
    broken = tmp_path / "holidays.txt"
    broken.write_text("2026-13-01 off\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="holidays.txt:1"):
        make_app(PUBLIC_HOLIDAYS_FILE=str(broken))
    with pytest.raises(CalendarError, match="cannot read"):
        make_app(PUBLIC_HOLIDAYS_FILE=str(tmp_path / "missing.txt"))
    assert make_app(PUBLIC_HOLIDAYS_FILE="").extensions["working_calendar"] is WEEKDAYS_ONLY


def test_a_year_without_holidays_is_warned_about(tmp_path: Path, caplog):
    listed = tmp_path / "holidays.txt"
    listed.write_text("2026-09-02 off Quốc khánh\n", encoding="utf-8")
    load(str(listed), date(2026, 11, 22))
    assert "no public holidays listed" not in caplog.text
    load(str(listed), date(2028, 1, 5))
    assert "no public holidays listed for 2028" in caplog.text


def test_case_due_dates_and_report_deadlines_count_the_one_calendar(app):
    # 2026-07-02 is a Thursday; the calendar the app read says it is a day off.
    app.extensions["working_calendar"] = parse("2026-07-02 off  test day off")
    with app.app_context():
        assert working_calendar.current() is app.extensions["working_calendar"]
        assert workflow.due_on_for(date(2026, 7, 1)) == working_calendar.current().add_working_days(
            date(2026, 7, 1), app.config["CASE_SLA_WORKING_DAYS"])
        assert workflow.due_on_for(date(2026, 6, 30)) != WEEKDAYS_ONLY.add_working_days(
            date(2026, 6, 30), app.config["CASE_SLA_WORKING_DAYS"])
        june = parse_period("2026-06")
        assert filing.deadline(june) == working_calendar.current().add_working_days(
            june.date_to, app.config["REPORT_DEADLINE_WORKING_DAYS"])
        assert filing.deadline(june) != WEEKDAYS_ONLY.add_working_days(june.date_to,
                                                                          app.config["REPORT_DEADLINE_WORKING_DAYS"])

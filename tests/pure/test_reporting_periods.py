"""Reporting periods: calendar and NĐ 09/2019 official, worked out by hand from the decree's rule
(a month runs 15th of the previous month → 14th; a quarter 15th of the month before it → 14th of its
last month; the first half 15/12 → 14/6; the year 15/12 → 14/12)."""
from datetime import date, datetime, timedelta

import pytest

from feedback_service.reports.periods import (
    PeriodInvalid, ReportingPeriod, last_closed, parse_period, period_containing,
)


def span(label):
    p = parse_period(label)
    return p.date_from, p.date_to


# --- every accepted form --------------------------------------------------------------------

@pytest.mark.parametrize("label, first, last, title", [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "Tháng 11/2026"),
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31), "Tháng 1/2026"),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "Tháng 12/2026"),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "Quý I/2026"),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "Quý III/2026"),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "Quý IV/2026"),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026"),
    ("2026-H2", date(2026, 7, 1), date(2026, 12, 31), "6 tháng cuối năm 2026"),
    ("2026-9M", date(2026, 1, 1), date(2026, 9, 30), "9 tháng đầu năm 2026"),
    ("2026", date(2026, 1, 1), date(2026, 12, 31), "Năm 2026"),
])
def test_calendar_forms(label, first, last, title):
    p = parse_period(label)
    assert (p.label, p.official, p.date_from, p.date_to, p.title) == (label, False, first, last, title)
    assert p.as_dict() == {"label": label, "from": first.isoformat(), "to": last.isoformat(), "official": False}


@pytest.mark.parametrize("label, first, last, title", [
    ("2026-11/official", date(2026, 10, 15), date(2026, 11, 14),
     "Tháng 11/2026 (kỳ báo cáo 15/10/2026 – 14/11/2026)"),
    ("2026-Q3/official", date(2026, 6, 15), date(2026, 9, 14),
     "Quý III/2026 (kỳ báo cáo 15/06/2026 – 14/09/2026)"),
    ("2026-H1/official", date(2025, 12, 15), date(2026, 6, 14),
     "6 tháng đầu năm 2026 (kỳ báo cáo 15/12/2025 – 14/06/2026)"),
    ("2026-9M/official", date(2025, 12, 15), date(2026, 9, 14),
     "9 tháng đầu năm 2026 (kỳ báo cáo 15/12/2025 – 14/09/2026)"),
    ("2026/official", date(2025, 12, 15), date(2026, 12, 14),
     "Năm 2026 (kỳ báo cáo 15/12/2025 – 14/12/2026)"),
])
def test_official_forms(label, first, last, title):
    p = parse_period(label)
    assert (p.label, p.official, p.date_from, p.date_to, p.title) == (label, True, first, last, title)
    assert p.as_dict() == {"label": label, "from": first.isoformat(), "to": last.isoformat(), "official": True}


def test_period_is_frozen_and_equal_by_value():
    p = parse_period("2026-Q3/official")
    with pytest.raises(AttributeError):
        p.label = "2026-Q4"
    assert p == parse_period("2026-Q3/official")
    assert isinstance(p, ReportingPeriod)


# --- official edges across the year boundary ------------------------------------------------

def test_official_january_starts_in_the_previous_december():
    assert span("2027-01/official") == (date(2026, 12, 15), date(2027, 1, 14))


def test_official_year_runs_from_15_december_to_14_december():
    assert span("2027/official") == (date(2026, 12, 15), date(2027, 12, 14))


def test_official_first_quarter_starts_in_the_previous_december():
    assert span("2026-Q1/official") == (date(2025, 12, 15), date(2026, 3, 14))
    # the four official quarters tile the official year, day after day
    quarters = [parse_period(f"2026-Q{q}/official") for q in (1, 2, 3, 4)]
    assert quarters[0].date_from == parse_period("2026/official").date_from
    assert quarters[-1].date_to == parse_period("2026/official").date_to
    for before, after in zip(quarters, quarters[1:]):
        assert (after.date_from - before.date_to).days == 1


def test_official_months_tile_the_official_year():
    months = [parse_period(f"2026-{m:02d}/official") for m in range(1, 13)]
    assert months[0].date_from == date(2025, 12, 15) and months[-1].date_to == date(2026, 12, 14)
    for before, after in zip(months, months[1:]):
        assert (after.date_from - before.date_to).days == 1


# --- 29 February --------------------------------------------------------------------------

def test_leap_february_2028():
    assert span("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert span("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    # the official March holds the leap day: 15 Feb .. 14 Mar
    assert span("2028-03/official") == (date(2028, 2, 15), date(2028, 3, 14))
    assert period_containing(date(2028, 2, 29), "month", official=True).label == "2028-03/official"
    assert period_containing(date(2028, 2, 29), "month", official=False).label == "2028-02"


# --- Tết 2026 (17 February) ---------------------------------------------------------------

def test_tet_2026_is_not_in_the_official_february():
    assert span("2026-02/official") == (date(2026, 1, 15), date(2026, 2, 14))
    tet = date(2026, 2, 17)
    assert not (parse_period("2026-02/official").date_from <= tet <= parse_period("2026-02/official").date_to)
    assert period_containing(tet, "month", official=True).label == "2026-03/official"
    assert period_containing(tet, "month", official=False).label == "2026-02"


# --- period_containing ----------------------------------------------------------------------

@pytest.mark.parametrize("day, kind, official, label", [
    # the 1st of a month
    (date(2026, 7, 1), "month", False, "2026-07"),
    (date(2026, 7, 1), "month", True, "2026-07/official"),
    (date(2026, 7, 1), "quarter", False, "2026-Q3"),
    (date(2026, 7, 1), "quarter", True, "2026-Q3/official"),
    (date(2026, 7, 1), "half", False, "2026-H2"),
    (date(2026, 1, 1), "half", True, "2026-H1/official"),
    (date(2026, 1, 1), "year", True, "2026/official"),
    # the 14th and the 15th
    (date(2026, 3, 14), "month", True, "2026-03/official"),
    (date(2026, 3, 15), "month", True, "2026-04/official"),
    (date(2026, 3, 14), "quarter", True, "2026-Q1/official"),
    (date(2026, 3, 15), "quarter", True, "2026-Q2/official"),
    (date(2026, 6, 14), "half", True, "2026-H1/official"),
    (date(2026, 12, 14), "year", True, "2026/official"),
    (date(2026, 12, 15), "year", True, "2027/official"),
    (date(2026, 12, 15), "month", True, "2027-01/official"),
    (date(2026, 12, 15), "quarter", True, "2027-Q1/official"),
    (date(2026, 12, 15), "half", True, "2027-H1/official"),
    (date(2026, 12, 15), "year", False, "2026"),
    # 31 December
    (date(2026, 12, 31), "month", False, "2026-12"),
    (date(2026, 12, 31), "quarter", False, "2026-Q4"),
    (date(2026, 12, 31), "half", False, "2026-H2"),
    (date(2026, 12, 31), "year", False, "2026"),
    (date(2026, 12, 31), "month", True, "2027-01/official"),
    (date(2026, 12, 31), "year", True, "2027/official"),
])
def test_period_containing(day, kind, official, label):
    p = period_containing(day, kind, official)
    assert p.label == label
    assert p.date_from <= day <= p.date_to
    assert p == parse_period(label)


def test_no_official_second_half_contains_a_day():
    # NĐ 09/2019 defines no official second-half period: 15/6 .. 14/12 is in none
    for day in (date(2026, 6, 15), date(2026, 9, 1), date(2026, 12, 14)):
        with pytest.raises(PeriodInvalid, match="H2"):
            period_containing(day, "half", official=True)


# --- nine months (NĐ 09/2019 "9 tháng") ----------------------------------------------------

@pytest.mark.parametrize("day, official, label", [
    (date(2026, 1, 1), False, "2026-9M"),
    (date(2026, 9, 30), False, "2026-9M"),
    (date(2025, 12, 15), True, "2026-9M/official"),   # the official nine months begin in December
    (date(2026, 9, 14), True, "2026-9M/official"),
    (date(2028, 2, 29), True, "2028-9M/official"),
])
def test_nine_months_containing(day, official, label):
    p = period_containing(day, "nine_months", official)
    assert p.label == label and p.date_from <= day <= p.date_to and p == parse_period(label)


@pytest.mark.parametrize("day, official", [
    (date(2026, 10, 1), False), (date(2026, 12, 31), False),
    (date(2026, 9, 15), True), (date(2026, 12, 14), True),
])
def test_no_nine_months_hold_the_rest_of_the_year(day, official):
    with pytest.raises(PeriodInvalid, match="no nine-month period holds"):
        period_containing(day, "nine_months", official)


@pytest.mark.parametrize("day, official, label", [
    (date(2026, 9, 30), False, "2025-9M"),
    (date(2026, 10, 1), False, "2026-9M"),           # closes on the 30th of September
    (date(2027, 1, 1), False, "2026-9M"),
    (date(2026, 9, 14), True, "2025-9M/official"),
    (date(2026, 9, 15), True, "2026-9M/official"),   # closes on the 14th of September
    (date(2026, 12, 15), True, "2026-9M/official"),  # the next official year has begun, its 9M has not closed
    (date(2027, 9, 14), True, "2026-9M/official"),
])
def test_nine_months_last_closed(day, official, label):
    p = last_closed(day, "nine_months", official)
    assert p.label == label and p.date_to < day


def test_the_official_nine_months_are_the_first_three_official_quarters():
    nine = parse_period("2026-9M/official")
    assert nine.date_from == parse_period("2026-Q1/official").date_from
    assert nine.date_to == parse_period("2026-Q3/official").date_to
    assert parse_period("2026-9M").date_to == parse_period("2026-Q3").date_to


# --- last_closed ----------------------------------------------------------------------------

@pytest.mark.parametrize("day, kind, official, label", [
    # the 1st of a month: the calendar month before has just closed
    (date(2026, 7, 1), "month", False, "2026-06"),
    (date(2026, 7, 1), "quarter", False, "2026-Q2"),
    (date(2026, 7, 1), "half", False, "2026-H1"),
    (date(2026, 7, 1), "year", False, "2025"),
    (date(2027, 1, 1), "year", False, "2026"),
    (date(2027, 1, 1), "month", False, "2026-12"),
    (date(2026, 7, 1), "month", True, "2026-06/official"),
    # the 14th: the official month is still open
    (date(2026, 11, 14), "month", True, "2026-10/official"),
    (date(2026, 9, 14), "quarter", True, "2026-Q2/official"),
    # the 15th: the official month / quarter ending the 14th has closed
    (date(2026, 11, 15), "month", True, "2026-11/official"),
    (date(2026, 9, 15), "quarter", True, "2026-Q3/official"),
    (date(2026, 6, 15), "half", True, "2026-H1/official"),
    (date(2026, 6, 14), "half", True, "2025-H1/official"),
    (date(2026, 12, 31), "half", True, "2026-H1/official"),
    (date(2027, 1, 5), "half", True, "2026-H1/official"),
    # 14 / 15 December: the official year closes on the 14th
    (date(2026, 12, 14), "year", True, "2025/official"),
    (date(2026, 12, 15), "year", True, "2026/official"),
    (date(2026, 12, 15), "month", True, "2026-12/official"),
    (date(2026, 12, 15), "quarter", True, "2026-Q4/official"),
    # 31 December
    (date(2026, 12, 31), "month", False, "2026-11"),
    (date(2026, 12, 31), "quarter", False, "2026-Q3"),
    (date(2026, 12, 31), "year", False, "2025"),
    (date(2026, 12, 31), "year", True, "2026/official"),
    (date(2026, 12, 31), "month", True, "2026-12/official"),
])
def test_last_closed(day, kind, official, label):
    p = last_closed(day, kind, official)
    assert p.label == label
    assert p.date_to < day
    # and it is the latest such: the period after it has not closed
    assert period_containing(p.date_to, kind, official) == p


def test_last_closed_is_the_latest_closed_every_day_of_a_year():
    day = date(2026, 1, 1)
    while day.year == 2026:
        for kind in ("month", "quarter", "year"):
            for official in (False, True):
                closed = last_closed(day, kind, official)
                following = period_containing(closed.date_to + timedelta(days=1), kind, official)
                assert closed.date_to < day <= following.date_to, (day, kind, official)
        day += timedelta(days=1)


# --- years 2000–2099 only -------------------------------------------------------------------

def test_years_2000_to_2099():
    assert span("2000-01") == (date(2000, 1, 1), date(2000, 1, 31))
    assert span("2099-12") == (date(2099, 12, 1), date(2099, 12, 31))
    assert span("2099/official") == (date(2098, 12, 15), date(2099, 12, 14))
    for label in ("1999", "1999-12", "2100", "2100-01/official", "0000", "9999-Q4"):
        with pytest.raises(PeriodInvalid):
            parse_period(label)
    with pytest.raises(PeriodInvalid):
        period_containing(date(2099, 12, 15), "year", official=True)  # would be 2100/official
    with pytest.raises(PeriodInvalid):
        last_closed(date(2000, 1, 1), "month", official=False)  # would be 1999-12
    # the open period being 2100's does not hide the closed one of 2099
    assert last_closed(date(2099, 12, 20), "year", official=True).label == "2099/official"
    assert last_closed(date(2099, 12, 20), "month", official=True).label == "2099-12/official"


# --- every rejected form ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", " ", "2026-1", "2026-13", "2026-00", "2026-Q0", "2026-Q5", "2026-q3", "2026-h1", "2026-H3", "2026-H0",
    "2026-11/Official", "2026-11/OFFICIAL", "2026-11/", "2026-11/offical", "2026-11 /official",
    "2026-H2/official",  # NĐ 09/2019 defines no official second half
    " 2026-11", "2026-11 ", "2026-11\n", "26-11", "02026", "2026-011", "2026/11", "2026-W03",
    "２０２６-11", "٢٠٢٦", "2026-1１", "2026-Q３",  # non-ASCII digits
    "2026-11-01", "Q3-2026", "2026Q3", "2026-Q", "2026-H", "official", "/official",
    "2026-9m", "2026-9M/Official", "2026-09M", "2026-M9", "2026-6M", "2026-9M ",  # nine months: one spelling
])
def test_rejected_forms(text):
    with pytest.raises(PeriodInvalid) as caught:
        parse_period(text)
    # the message names the accepted forms, for the API's 422 envelope
    assert "2026-11" in str(caught.value) and "2026-Q3/official" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", [None, 2026, b"2026", ["2026"]])
def test_not_text_is_rejected(value):
    with pytest.raises(PeriodInvalid):
        parse_period(value)


def test_unknown_kind_and_a_moment_are_rejected():
    with pytest.raises(PeriodInvalid):
        period_containing(date(2026, 5, 1), "week", official=False)
    with pytest.raises(PeriodInvalid):
        last_closed(date(2026, 5, 1), "fortnight", official=True)
    # a moment is not a day: which zone's day would it be?
    with pytest.raises(TypeError):
        period_containing(datetime(2026, 5, 1, 12), "month", official=False)

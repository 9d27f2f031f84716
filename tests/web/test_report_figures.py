"""Each figure right, with one definition: complaints counted once, one timeliness for the
summary API, the report and the dossier page, finished rather than collected, cancellations
with a date, the unit's own desk beside its children, the assumptions named, one rule for
complaint cases. Worked out by hand on small scenes, the clock frozen."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from dashboard_helpers import PASSWORD
from dossier_helpers import dossier, local, rate
from factories import counter, create_key, tree
from report_filing import file_report

from feedback_service import clock
from feedback_service.cases import workflow
from feedback_service.citizen.dossier_pages import timeliness as page_timeliness
from feedback_service.dossiers.tokens import dossier_token
from feedback_service.extensions import db
from feedback_service.models import Case, Dossier, Unit
from feedback_service.people.users import create_user
from feedback_service.reports import filing
from feedback_service.reports.document import build_report
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

pytestmark = pytest.mark.postgres_too


def report(code: str, label: str) -> dict:
    return filing.live_document(Unit.by_code(code), parse_period(label))


def table(code: str, label: str) -> dict:
    return report(code, label)["tthc_results"]


# --- a complaint counts in exactly one period ---------------------------------------------

def test_a_complaint_counts_in_the_period_it_was_received(app):
    _, commune, _ = tree()
    desk = counter(commune)
    # Returned on 9 July, rated 1 on 2 August; August's own dossier is not rated.
    july = dossier(desk, "R1", local(2026, 7, 1), due=local(2026, 7, 10, 17), returned=local(2026, 7, 9))
    dossier(desk, "S1", local(2026, 8, 3), due=local(2026, 8, 10, 17), returned=local(2026, 8, 7))
    rate(desk, 1, local(2026, 8, 2), about=july)
    # Across the year: returned on 20 December, rated 2 on 3 January.
    december = dossier(desk, "T1", local(2026, 12, 1), due=local(2026, 12, 21, 17), returned=local(2026, 12, 20))
    dossier(desk, "U1", local(2027, 1, 4), due=local(2027, 1, 8, 17), returned=local(2027, 1, 6))
    rate(desk, 2, local(2027, 1, 3, 23, 50), about=december)   # 23:50 local: still the 3rd
    fold_all(100)
    with clock.running_from(local(2027, 2, 2)):
        figures = {label: report("01273", label)["indicators_766"]
                   for label in ("2026-07", "2026-08", "2026-12", "2027-01", "2026-12/official", "2027-01/official")}
    assert {label: (f["handled"], f["complained"]) for label, f in figures.items()} == {
        "2026-07": (1, 0), "2026-08": (1, 1),     # in August's, where it was received, against August's dossiers
        "2026-12": (1, 0), "2027-01": (1, 1),
        "2026-12/official": (1, 0),                # 15 November – 14 December: T1 on the desk, not yet rated
        "2027-01/official": (2, 1),                # 15 December – 14 January: returned and rated in it
    }
    assert figures["2026-08"]["complained_pct"] == 100.0 and figures["2026-07"]["complained_pct"] == 0.0


# --- one timeliness definition -------------------------------------------------------------

def test_one_dossier_set_is_classified_alike_by_the_summary_api_the_report_and_the_dossier_page(app, client):
    _, commune, _ = tree()
    desk = counter(commune)
    rows = {
        # Due at 17:00 on 10 July, returned at 20:00 that day: the same local day, on time.
        "same_day": dossier(desk, "A1", local(2026, 7, 1), due=local(2026, 7, 10, 17), returned=local(2026, 7, 10, 20)),
        "late": dossier(desk, "B1", local(2026, 7, 1), due=local(2026, 7, 10, 17), returned=local(2026, 7, 12)),
        "early": dossier(desk, "C1", local(2026, 7, 1), due=local(2026, 7, 15, 17), returned=local(2026, 7, 12)),
        "no_due_date": dossier(desk, "D1", local(2026, 7, 1), returned=local(2026, 7, 12)),
        "flag_on_time": dossier(desk, "E1", local(2026, 7, 1), due=local(2026, 7, 10, 17),
                                returned=local(2026, 7, 12), late=False),
        "flag_late": dossier(desk, "F1", local(2026, 7, 1), due=local(2026, 7, 15, 17), returned=local(2026, 7, 12),
                             late=True),
        # Due at 06:30 local on 2 July (UTC: still 1 July), returned at 15:00 on 2 July: on time.
        "early_morning": dossier(desk, "G1", local(2026, 7, 1), due=local(2026, 7, 2, 6, 30),
                                 returned=local(2026, 7, 2, 15)),
    }
    expected = {"same_day": "on_time", "late": "late", "early": "on_time", "no_due_date": None,
                "flag_on_time": "on_time", "flag_late": "late", "early_morning": "on_time"}
    # 1 August: July has ended, and every rating window (30 days from the return) is still open.
    with clock.running_from(local(2026, 8, 1)):
        summary = client.get("/api/v1/units/01273/summary?from=2026-07-01&to=2026-07-31").get_json()
        resolved = table("01273", "2026-07")["resolved"]
        indicators = report("01273", "2026-07")["indicators_766"]
        on_page = {}
        for name, row in rows.items():
            html = client.get(f"/d/{dossier_token(row)}").get_data(as_text=True)
            on_page[name] = "on_time" if "Đúng hạn" in html else "late" if "Trễ hạn" in html else None
            assert page_timeliness(row, clock.local_today()) == on_page[name]
    assert on_page == expected
    counted = {kind: sum(1 for v in expected.values() if v == kind) for kind in ("on_time", "late", None)}
    assert (summary["dossiers_on_time"], summary["dossiers_late"], summary["dossiers_no_due_date"]) == (
        counted["on_time"], counted["late"], counted[None]) == (4, 2, 1)
    assert (resolved["early"] + resolved["on_time"], resolved["late"], resolved["no_due_date"]) == (4, 2, 1)
    assert resolved == {"total": 7, "early": 1, "on_time": 3, "late": 2, "no_due_date": 1}
    assert summary["on_time_pct"] == indicators["on_time_pct"] == 66.67


# --- finished, not collected -----------------------------------------------------------------

def _finished_in_july_collected_in_august():
    _, commune, _ = tree()
    desk = counter(commune)
    dossier(desk, "H1", local(2026, 7, 20), due=local(2026, 7, 31, 17), resolved=local(2026, 7, 30),
            returned=local(2026, 8, 3))


def test_resolved_by_the_finish_date_by_default(app):
    _finished_in_july_collected_in_august()
    with clock.running_from(local(2026, 9, 2)):
        july, august = report("01273", "2026-07"), report("01273", "2026-08")
    assert july["tthc_results"]["resolved"]["early"] == 1 and july["tthc_results"]["pending"]["total"] == 0
    assert august["tthc_results"]["received"]["total"] == 0     # done before August began
    assert july["method"]["formulas"]["resolved"].startswith("resolved by the e-system's finish date")
    assert july["method"]["assumptions"]["REPORT_RESOLVED_BY"]["value"] == "finish"


def test_resolved_by_the_return_when_the_setting_says_so(make_app):
    app = make_app(REPORT_RESOLVED_BY="return")
    with app.app_context():
        _finished_in_july_collected_in_august()
        with clock.running_from(local(2026, 9, 2)):
            july, august = report("01273", "2026-07"), report("01273", "2026-08")
    # Not returned by 31 July, its due day, so overdue at July's end; returned late in August.
    assert july["tthc_results"]["pending"] == {"total": 1, "within_time": 0, "overdue": 1, "no_due_date": 0}
    assert august["tthc_results"]["resolved"]["late"] == 1 and august["tthc_results"]["received"]["carried_over"] == 1
    assert july["method"]["formulas"]["resolved"].startswith("resolved by the day the result was returned")


# --- cancelling has a date ------------------------------------------------------------------

def test_a_cancellation_changes_periods_from_its_day_on_never_a_closed_one(app, client, runner):
    _, commune, _ = tree()
    desk = counter(commune)
    key = create_key(runner, "01273")
    dossier(desk, "K1", local(2026, 7, 20), due=local(2026, 9, 30, 17))       # cancelled on 10 August
    dossier(desk, "K2", local(2026, 7, 21), due=local(2026, 9, 30, 17))       # cancelled on 15 October
    dossier(desk, "K3", local(2026, 7, 22), due=local(2026, 7, 25, 17), cancelled=True)   # before dates were kept
    dossier(desk, "K4", local(2026, 8, 3), due=local(2026, 8, 5, 17), returned=local(2026, 8, 5))
    with clock.running_from(local(2026, 8, 10, 14)):
        cancelled = client.patch("/api/v1/dossiers/K1", json={"cancelled": True},
                                 headers={"Authorization": f"Bearer {key}"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["cancelled_at"].startswith("2026-08-10T07:00:")   # now, by default (14:00 local)
    dated = client.patch("/api/v1/dossiers/K2", json={"cancelled": True, "cancelled_at": "2026-10-15T09:00:00+07:00"},
                         headers={"Authorization": f"Bearer {key}"})
    assert dated.get_json()["cancelled_at"] == local(2026, 10, 15).isoformat()

    with clock.running_from(local(2026, 11, 2)):
        months = {label: table("01273", label) for label in ("2026-07", "2026-08", "2026-09", "2026-10")}
    assert months["2026-07"]["pending"]["total"] == 2          # K1, K2 (K3 is in no period)
    assert (months["2026-08"]["received"]["carried_over"], months["2026-08"]["cancelled"]) == (2, 1)
    assert months["2026-09"]["pending"]["total"] == 1          # K2, cancelled only in October
    assert (months["2026-10"]["received"]["carried_over"], months["2026-10"]["cancelled"]) == (1, 1)
    for before, after in (("2026-07", "2026-08"), ("2026-08", "2026-09"), ("2026-09", "2026-10")):
        assert months[before]["pending"]["total"] == months[after]["received"]["carried_over"], (before, after)
    for label, counts in months.items():
        assert counts["received"]["total"] == (counts["resolved"]["total"] + counts["pending"]["total"]
                                               + counts["cancelled"]), label
    # The summary API: K1 was received in July and cancelled after it, so July still counts it.
    july = client.get("/api/v1/units/01273/summary?from=2026-07-01&to=2026-07-31").get_json()
    august = client.get("/api/v1/units/01273/summary?from=2026-07-01&to=2026-08-31").get_json()
    assert (july["dossiers_received"], august["dossiers_received"]) == (2, 2)   # K1, K2 / K2, K4


def test_the_cancellation_date_is_checked(app, client, runner):
    _, commune, _ = tree()
    desk = counter(commune)
    key = {"Authorization": f"Bearer {create_key(runner, '01273')}"}
    dossier(desk, "K1", local(2026, 7, 20))

    def patch(body):
        response = client.patch("/api/v1/dossiers/K1", json=body, headers=key)
        return response.status_code, [d["code"] for d in response.get_json().get("error", {}).get("details", [])]

    assert patch({"cancelled_at": "2026-08-01T09:00:00+07:00"}) == (422, ["not_cancelled"])
    assert patch({"cancelled": False, "cancelled_at": "2026-08-01T09:00:00+07:00"}) == (422, ["not_cancelled"])
    assert patch({"cancelled": True, "cancelled_at": "2026-07-19T09:00:00+07:00"}) == (422, ["before_received"])
    assert patch({"cancelled": True, "cancelled_at": "2026-08-01"}) == (422, ["naive_time"])
    assert patch({"cancelled": True, "cancelled_at": None}) == (422, ["required"])
    assert patch({"cancelled": True, "cancelled_at": "2026-08-01T09:00:00+07:00"}) == (200, [])
    assert patch({"cancelled_at": "2026-08-02T09:00:00+07:00"}) == (200, [])   # corrected
    db.session.expire_all()
    assert Dossier.query.one().cancelled_day == date(2026, 8, 2)
    assert patch({"cancelled": False}) == (200, [])
    db.session.expire_all()
    row = Dossier.query.one()
    assert (row.cancelled, row.cancelled_at, row.cancelled_day) == (False, None, None)


# --- the unit's own desk -----------------------------------------------------------------------

def test_the_units_own_dossiers_are_a_row_beside_its_children(app):
    province, commune, other = tree()
    centre, desk, other_desk = counter(province, "TT"), counter(commune), counter(other)
    # The province's own service centre registers dossiers at the province itself.
    dossier(centre, "P1", local(2026, 7, 2), due=local(2026, 7, 9, 17), returned=local(2026, 7, 8))
    dossier(centre, "P2", local(2026, 7, 3), due=local(2026, 7, 9, 17), returned=local(2026, 7, 13))
    dossier(desk, "C1", local(2026, 7, 2), due=local(2026, 7, 9, 17))
    dossier(other_desk, "O1", local(2026, 7, 2), due=local(2026, 8, 9, 17), channel="online")
    # Rated at the centre (the province's own desk) and at a commune's desk.
    for desk_, overall in ((centre, 5), (centre, 4), (centre, 1), (desk, 2)):
        rate(desk_, overall, local(2026, 7, 6, 9))
    fold_all(100)
    with clock.running_from(local(2026, 8, 3)):
        # The province's report is compiled from its communes' accepted reports and its own
        # desk, read live: the rows add up to it either way.
        for code in ("01273", "01279"):
            file_report(code, parse_period("2026-07"))
        results = table("04", "2026-07")
        live = build_report(Unit.by_code("04"), parse_period("2026-07"))["tthc_results"]
    own = results["own"]
    assert (own["code"], own["received"]["total"], own["resolved"]) == (
        "04", 2, {"total": 2, "early": 1, "on_time": 0, "late": 1, "no_due_date": 0})
    rows = [own, *results["children"]]
    for section in ("received", "resolved", "pending"):
        for key, n in results[section].items():
            assert sum(row[section][key] for row in rows) == n, (section, key)
    assert results["received"]["total"] == 4
    # Compiled or read live, the province's table is the same.
    assert {k: results[k] for k in ("received", "resolved", "pending", "own")} == \
        {k: live[k] for k in ("received", "resolved", "pending", "own")}
    # Its satisfaction too: the communes' accepted ratings and the centre's own, read live.
    compiled = report("04", "2026-07")["satisfaction"]
    assert (compiled["responses"], compiled["overall"]) == (4, {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1})


# --- assumptions named --------------------------------------------------------------------------

def test_every_assumed_constant_is_named_in_the_method(make_app):
    app = make_app(REPORT_766_TTHC_POINTS=8.0, CASE_SLA_WORKING_DAYS=10)
    with app.app_context():
        tree()
        with clock.running_from(local(2026, 8, 3)):
            method = report("01273", "2026-07")["method"]
    assert {name: item["value"] for name, item in method["assumptions"].items()} == {
        "REPORT_766_TTHC_POINTS": 8.0, "REPORT_766_FULL_AT_PCT": 90.0, "REPORT_NEGATIVE_OVERALL_MAX": 2,
        "CASE_SLA_WORKING_DAYS": 10, "REPORT_RESOLVED_BY": "finish", "REPORT_DEADLINE_WORKING_DAYS": 3,
        "REPORT_DEADLINE_TIER_WORKING_DAYS": 2}
    assert all(item["meaning"] for item in method["assumptions"].values())


# --- complaint cases: one rule for the inbox and the report --------------------------------------

def test_the_inbox_and_the_report_judge_complaint_cases_alike(app):
    _, commune, _ = tree()
    desk = counter(commune)
    cases = {}
    for name, day in (("due_earlier", 1), ("due_today", 8), ("reopened", 2), ("answered", 3)):
        rating = rate(desk, 1, local(2026, 7, day))
        cases[name] = workflow.new_case(rating)
    db.session.commit()
    today = date(2026, 7, 15)
    # CASE_SLA_WORKING_DAYS = 5: 1 July → due 8 July; 2 July → 9 July; 8 July → 15 July (today).
    chair = create_user("chu-tich", PASSWORD, "unit_manager", commune)[0]
    with clock.running_from(datetime(2026, 7, 6, 3, tzinfo=timezone.utc)):
        workflow.answer(cases["reopened"], chair, "Đã trả lời")
        workflow.answer(cases["answered"], chair, "Đã trả lời")
        workflow.reopen(cases["reopened"], chair)   # waiting again: its first answer no longer stands
        db.session.commit()
    with clock.running_from(local(2026, 7, 15, 10)):
        complaints = report("01273", "2026-07")["indicators_766"]["complaints"]
        in_inbox = db.session.query(Case).filter(workflow.overdue_clause(today)).count()
        flagged = sum(workflow.is_overdue(case, today) for case in db.session.query(Case))
    assert in_inbox == flagged == complaints["pending_overdue"] == 2      # due on the 8th, and the reopened one
    assert (complaints["answered_on_time"], complaints["pending_within_time"]) == (1, 1)

"""The period report, computed by hand on a small scene in 2026-Q3 (1 July – 30 September).

Every dossier below is placed to test one rule of Biểu II.06a and QĐ 766 (reports/tthc.py);
the expected counts are worked out in the comments, not read back from the code.
Times are given in local (Hà Nội) time and stored in UTC, so the local-day rules are
exercised across midnight.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from dashboard_helpers import make_user
from dossier_helpers import dossier, local, rate
from factories import counter, create_key, officer, tree
from report_filing import file_report
from sqlalchemy import func, select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Dossier, PendingFold, Rating, ReportVersion, Unit, User
from feedback_service.reports import filing, integrity
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.fold import fold_all

pytestmark = pytest.mark.postgres_too

QUARTER = parse_period("2026-Q3")
AFTER_QUARTER = datetime(2026, 10, 2, 3, tzinfo=timezone.utc)   # 10:00 on Friday 2 October, local
AFTER_DEADLINE = datetime(2026, 10, 9, 3, tzinfo=timezone.utc)  # deadline: 3 working days after 30 Sep = 5 Oct


@pytest.fixture
def scene(app):
    province, commune, other = tree()
    desk, other_desk = counter(commune), counter(other)
    hoa = officer(desk, "CB-HOA", "Nông Thị Hoa")
    d = {}
    # Carried over: received in June, still on the desk on 1 July, returned before its due day → early.
    d["carried"] = dossier(desk, "C1", local(2026, 6, 20), due=local(2026, 7, 5, 17), returned=local(2026, 7, 3))
    # Online, returned on its due day → on time.
    d["online"] = dossier(desk, "O1", local(2026, 7, 10), due=local(2026, 7, 15, 17), returned=local(2026, 7, 15, 16),
                          channel="online", procedure=("2.002", "Chứng thực bản sao"))
    # No e-system flag, returned two days after its due day → late.
    d["late"] = dossier(desk, "L1", local(2026, 8, 1), due=local(2026, 8, 5, 17), returned=local(2026, 8, 7))
    # Returned at 00:30 local on the 21st (still the 20th in UTC), due the 20th → late by the local day.
    d["midnight"] = dossier(desk, "L2", local(2026, 8, 10), due=local(2026, 8, 20, 17),
                            returned=local(2026, 8, 21, 0, 30))
    # The e-system says late although returned before the due day: its flag wins.
    d["flagged_late"] = dossier(desk, "L3", local(2026, 7, 1), due=local(2026, 7, 10, 17),
                                returned=local(2026, 7, 8), late=True)
    # The e-system says not late although returned after the due day (a legal extension) → on time.
    d["extended"] = dossier(desk, "E1", local(2026, 7, 20), due=local(2026, 7, 22, 17),
                            returned=local(2026, 7, 24), late=False)
    # By post, due after the quarter, not returned → pending within time.
    d["post"] = dossier(desk, "P1", local(2026, 9, 20), due=local(2026, 10, 5, 17), channel="post")
    # Not returned, due in September → pending overdue at the quarter's end.
    d["overdue"] = dossier(desk, "P2", local(2026, 9, 1), due=local(2026, 9, 10, 17))
    # Due on the quarter's last day and not returned by its end → overdue.
    d["last_day"] = dossier(desk, "P3", local(2026, 9, 25), due=local(2026, 9, 30, 17))
    # Left out: cancelled, returned before the quarter, received after it.
    dossier(desk, "X1", local(2026, 7, 2), due=local(2026, 7, 9), cancelled=True)
    dossier(desk, "X2", local(2026, 6, 1), due=local(2026, 6, 12), returned=local(2026, 6, 10))
    dossier(desk, "X3", local(2026, 10, 2), due=local(2026, 10, 9))
    # The other commune: one dossier, on time.
    dossier(other_desk, "B1", local(2026, 8, 3), due=local(2026, 8, 6, 17), returned=local(2026, 8, 6))

    # Ratings: two dossiers drew a negative rating (overall 1; a behaviour answered no),
    # a flagged negative one is not counted, a positive one is not a complaint.
    rate(desk, 1, local(2026, 7, 16), about=d["online"], who=hoa)
    rate(desk, 4, local(2026, 7, 25), about=d["extended"], conduct={"greet": False}, who=hoa)
    rate(desk, 1, local(2026, 8, 8), about=d["late"], flag="cooldown")
    rate(desk, 5, local(2026, 7, 4), about=d["carried"], who=hoa)
    for level, day in zip((5, 4, 4, 3, 5), (3, 4, 5, 6, 7)):
        rate(desk, level, local(2026, 8, day), channel="kiosk")
    rate(other_desk, 5, local(2026, 8, 6), about=Dossier.query.filter_by(code="B1").one())
    rate(desk, 2, local(2026, 10, 1))      # after the quarter: not in it
    fold_all(100)
    return province, commune, other, desk, d


def test_tthc_results_follow_bieu_ii06a(scene):
    with clock.running_from(AFTER_QUARTER):
        report = filing.live_document(Unit.by_code("01273"), QUARTER)
    table = report["tthc_results"]
    # In the quarter: C1 (carried over), O1 (online), L1 L2 L3 E1 P2 P3 (in person), P1 (post).
    assert table["received"] == {"total": 9, "online": 1, "in_person": 7, "carried_over": 1}
    assert table["resolved"] == {"total": 6, "early": 1, "on_time": 2, "late": 3, "no_due_date": 0}
    assert table["pending"] == {"total": 3, "within_time": 1, "overdue": 2, "no_due_date": 0}
    # X1 was cancelled before cancellations had a date: in no period at all.
    assert table["cancelled"] == 0
    by_procedure = {row["procedure_code"]: row for row in table["procedures"]}
    assert by_procedure["2.002"]["received"] == {"total": 1, "online": 1, "in_person": 0, "carried_over": 0}
    assert by_procedure["1.001"]["resolved"]["late"] == 3


def test_qd766_indicators_by_hand(scene):
    with clock.running_from(AFTER_QUARTER):
        indicators = filing.live_document(Unit.by_code("01273"), QUARTER)["indicators_766"]
    # handled 9; overdue = 3 resolved late + 2 pending overdue = 5; complained: O1 (overall 1), E1 (greet: no).
    assert (indicators["handled"], indicators["overdue"], indicators["complained"]) == (9, 5, 2)
    assert indicators["on_time_pct"] == 50.0          # (1 early + 2 on time) / 6 resolved
    assert indicators["overdue_pct"] == 55.56
    assert indicators["complained_pct"] == 22.22
    assert indicators["tthc_satisfaction_pct"] == 22.22  # 100 − (55.56 + 22.22)
    assert indicators["points"] == 1.48                # 6 × 22.22 / 90
    assert indicators["points_max"] == 6.0


def test_a_running_period_judges_pending_work_today(scene):
    # On 12 September the quarter still runs: P2 (due 10 Sep) is overdue, P3 (due 30 Sep) is not.
    with clock.running_from(local(2026, 9, 12)):
        report = filing.live_document(Unit.by_code("01273"), QUARTER)
    assert report["status"] == "draft"
    assert report["tthc_results"]["pending"]["overdue"] == 1


def test_province_report_compiled_from_every_commune_agrees_with_the_summary_api(scene, client, runner):
    key = create_key(runner, "04", scope="reports")
    with clock.running_from(AFTER_QUARTER):
        for code in ("01273", "01279"):
            file_report(code, QUARTER)  # accepted: nothing changed since, so compiled = live
        report = client.get("/api/v1/units/04/report?period=2026-Q3",
                            headers={"Authorization": f"Bearer {key}"}).get_json()
        summary = client.get("/api/v1/units/04/summary?from=2026-07-01&to=2026-09-30").get_json()
    satisfaction = report["satisfaction"]
    assert satisfaction["responses"] == summary["responses"] == 9
    assert satisfaction["overall"] == summary["overall"] == {"1": 1, "2": 0, "3": 1, "4": 3, "5": 4}
    for name in ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score"):
        assert satisfaction[name] == summary[name], name
    assert satisfaction["by_channel"] == {"counter_qr": 0, "dossier_qr": 4, "kiosk": 5, "api": 0}
    assert satisfaction["excluded"] == {"total": 1, "reasons": {"cooldown": 1, "honeypot": 0, "over_allowance": 0,
                                                                "over_own_allowance": 0}}
    assert satisfaction["elements"]["access"]["counts"] == {"1": 1, "2": 0, "3": 1, "4": 3, "5": 4}
    assert report["tthc_results"]["received"]["total"] == 10
    assert [c["code"] for c in report["tthc_results"]["children"]] == ["01273", "01279"]
    children = {c["code"]: c for c in report["children"]}
    assert children["01273"]["rank"] == 1 and children["01279"]["rank"] is None  # 1 rating: not ranked
    assert report["officers"][0]["code"] == "CB-HOA" and report["officers"][0]["responses"] == 3
    for field in ("unit", "period", "status", "version", "satisfaction", "indicators_766", "tthc_results",
                  "children", "method"):
        assert field in report, field
    assert report["period"] == {"label": "2026-Q3", "from": "2026-07-01", "to": "2026-09-30", "official": False,
                                "kind": "quarter", "title": QUARTER.title, "timezone": "Asia/Ho_Chi_Minh"}
    assert (report["status"], report["version"]) == ("draft", 1)


def test_official_quarter_runs_from_the_15th(scene, client, runner):
    key = create_key(runner, "01273")
    with clock.running_from(AFTER_QUARTER):
        report = client.get("/api/v1/units/01273/report?period=2026-Q3/official",
                            headers={"Authorization": f"Bearer {key}"}).get_json()
    assert (report["period"]["from"], report["period"]["to"]) == ("2026-06-15", "2026-09-14")
    # C1 was received on 20 June, inside the official quarter: not carried over there.
    assert report["tthc_results"]["received"]["carried_over"] == 0


def _manager(runner, username: str, role: str, unit: str) -> User:
    make_user(runner, username, role, unit)
    return db.session.scalar(select(User).where(User.username == username))


def test_submission_freezes_a_snapshot_that_verifies(scene, client, runner, tmp_path):
    chair = _manager(runner, "chu-tich", "unit_manager", "01273")
    key = create_key(runner, "01273", scope="reports")
    commune = Unit.by_code("01273")
    with clock.running_from(AFTER_QUARTER):
        version = filing.submit(commune, QUARTER, chair)
        served = client.get("/api/v1/units/01273/report?period=2026-Q3",
                            headers={"Authorization": f"Bearer {key}"})
    snapshot = served.get_json()
    assert snapshot["status"] == "submitted" and snapshot["version"] == 1
    assert snapshot["submitted_by"]["username"] == "chu-tich"
    assert snapshot["sha256"] == version.sha256 == integrity.digest(snapshot)
    assert served.headers["Cache-Control"] == "private, no-store"

    path = tmp_path / "report.json"
    path.write_bytes(served.data)
    intact = runner.invoke(args=["reports", "verify", str(path)])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output

    snapshot["tthc_results"]["resolved"]["late"] = 2
    path.write_text(json.dumps(snapshot, ensure_ascii=False))
    altered = runner.invoke(args=["reports", "verify", str(path)])
    assert altered.exit_code == 1
    assert "sha256 mismatch" in altered.output
    assert "tthc_results.resolved.late: submitted 3, file says 2" in altered.output

    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe not json")
    assert runner.invoke(args=["reports", "verify", str(garbage)]).exit_code == 2


def test_corrections_after_submission_leave_the_snapshot_and_show_as_differences(scene, runner):
    chair = _manager(runner, "chu-tich", "unit_manager", "01273")
    commune = Unit.by_code("01273")
    with clock.running_from(AFTER_QUARTER):
        filing.submit(commune, QUARTER, chair)
        stored = db.session.scalar(select(ReportVersion.document))
        before = filing.served_document(commune, QUARTER)
        # The e-system corrects P2: it was in fact returned on 9 September, on time.
        p2 = Dossier.query.filter_by(code="P2").one()
        p2.returned_at, p2.returned_day = local(2026, 9, 9), datetime(2026, 9, 9).date()
        db.session.commit()
        after = filing.served_document(commune, QUARTER)
        live = filing.live_document(commune, QUARTER)
    assert db.session.scalar(select(ReportVersion.document)) == stored
    assert integrity.canonical(after) == integrity.canonical(before)
    changed = {path: (was, now) for path, was, now in
               integrity.differences(after["tthc_results"], live["tthc_results"])
               if not path.startswith(("children", "procedures"))}
    assert changed["resolved.total"] == (6, 7)
    assert changed["pending.overdue"] == (2, 1)


def test_submission_rules(scene, runner):
    chair = _manager(runner, "chu-tich", "unit_manager", "01273")
    viewer = _manager(runner, "xem", "viewer", "01273")
    stranger = _manager(runner, "khac", "unit_manager", "01279")
    reviewer = _manager(runner, "so-noi-vu", "province_officer", "04")
    commune = Unit.by_code("01273")
    with clock.running_from(local(2026, 9, 30, 20)):
        with pytest.raises(filing.FilingRefused, match="30/09/2026"):
            filing.submit(commune, QUARTER, chair)   # the quarter has not ended
    with clock.running_from(AFTER_QUARTER):
        for who in (viewer, stranger, reviewer):
            with pytest.raises(filing.FilingRefused):
                filing.submit(commune, QUARTER, who)
        first = filing.submit(commune, QUARTER, chair)
        with pytest.raises(filing.FilingRefused, match="chờ"):
            filing.submit(commune, QUARTER, chair)
        with pytest.raises(filing.FilingRefused):
            filing.review(first, chair, accept=True)              # not one's own report
        with pytest.raises(filing.FilingRefused, match="lý do"):
            filing.review(first, reviewer, accept=False)          # a return needs a reason
        filing.review(first, reviewer, accept=False, comment="Thiếu số liệu hồ sơ trực tuyến.")
        second = filing.submit(commune, QUARTER, chair)
        with pytest.raises(filing.FilingRefused):
            filing.review(first, reviewer, accept=True)           # only the newest version
        filing.review(second, reviewer, accept=True)
        with pytest.raises(filing.FilingRefused):
            filing.submit(commune, QUARTER, chair)                # accepted is final
        served_first = filing.served_document(commune, QUARTER, version=1)
    assert (first.status, second.status, second.version) == ("returned", "accepted", 2)
    assert served_first["review"]["comment"] == "Thiếu số liệu hồ sơ trực tuyến."
    assert integrity.check(served_first) is None   # the review is outside the hash


def test_not_reported_after_the_deadline(scene):
    # Changed with the per-tier deadlines: only official periods must be filed (a calendar
    # quarter never reads "not reported"), and a province is due after its communes.
    commune, province = Unit.by_code("01273"), Unit.by_code("04")
    official = parse_period("2026-Q3/official")           # ends Monday 14 September
    with clock.running_from(local(2026, 9, 16)):
        assert filing.standing(commune, official).status == "draft"
        assert filing.deadline(official, commune).isoformat() == "2026-09-17"   # + 3 working days
        assert filing.deadline(official, province).isoformat() == "2026-09-21"  # + 2 more (a weekend between)
    with clock.running_from(local(2026, 9, 18)):
        standing = filing.standing(commune, official)
        assert (standing.status, standing.late) == ("not_reported", True)
        assert filing.live_document(commune, official)["status"] == "not_reported"
        assert filing.standing(province, official).status == "draft"            # not due yet
    with clock.running_from(AFTER_DEADLINE):
        assert filing.standing(province, official).status == "not_reported"
        assert filing.deadline(QUARTER).isoformat() == "2026-10-05"  # Wed 30 Sep + 3 working days
        calendar = filing.standing(commune, QUARTER)
        assert (calendar.status, calendar.late) == ("draft", False)
        assert filing.live_document(commune, QUARTER)["status"] == "draft"


def test_report_api_is_scoped_and_validated(scene, client, runner):
    own, province, other = create_key(runner, "01273"), create_key(runner, "04"), create_key(runner, "01279")

    def get(url, key=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        with clock.running_from(AFTER_QUARTER):
            return client.get(url, headers=headers)

    assert get("/api/v1/units/01273/report?period=2026-Q3").status_code == 401
    assert get("/api/v1/units/01273/report?period=2026-Q3", "not-a-key").status_code == 401
    assert get("/api/v1/units/01273/report?period=2026-Q3", other).status_code == 403
    assert get("/api/v1/units/01273/report?period=2026-Q3", province).status_code == 200
    assert get("/api/v1/units/01273/report?period=2026-Q3", own).status_code == 200
    assert get("/api/v1/units/99999/report?period=2026-Q3", own).status_code == 404
    for bad in ("", "2026-q3", "2026-Q5", "2026-H2/official", "2100", "2026-Q3%00", "２０２６"):
        response = get(f"/api/v1/units/01273/report?period={bad}", own)
        assert response.status_code in (400, 422), bad
        error = response.get_json()["error"]
        if response.status_code == 422:
            assert error["details"][0]["field"] == "period", bad
    assert get("/api/v1/units/01273/report?period=2026-Q3&version=2", own).status_code == 404
    assert get("/api/v1/units/01273/report?period=2026-Q3&version=x", own).status_code == 422


def test_report_and_snapshot_match_the_published_schema(scene, client, runner):
    from jsonschema import Draft202012Validator

    from feedback_service.openapi.spec import spec_for

    spec = spec_for()
    schema = {**spec["components"]["schemas"]["ReportDocument"], "components": spec["components"]}
    key = create_key(runner, "04", scope="reports")
    reviewer = _manager(runner, "so-noi-vu", "province_officer", "04")
    with clock.running_from(AFTER_QUARTER):
        draft = client.get("/api/v1/units/04/report?period=2026-Q3", headers={"Authorization": f"Bearer {key}"})
        filing.submit(Unit.by_code("04"), QUARTER, reviewer)
        snapshot = client.get("/api/v1/units/04/report?period=2026-Q3", headers={"Authorization": f"Bearer {key}"})
    for response in (draft, snapshot):
        assert not [e.message for e in Draft202012Validator(schema).iter_errors(response.get_json())]
    assert snapshot.get_json()["status"] == "submitted" and draft.get_json()["status"] == "draft"


def test_the_published_copy_hides_officers_and_small_cells(scene, client, runner):
    from jsonschema import Draft202012Validator

    from feedback_service.openapi.spec import spec_for

    reports_key = {"Authorization": f"Bearer {create_key(runner, '04', scope='reports')}"}
    plain_key = {"Authorization": f"Bearer {create_key(runner, '04', name='Một cửa')}"}
    with clock.running_from(AFTER_QUARTER):
        for code in ("01273", "01279"):
            file_report(code, QUARTER)
        asked = client.get("/api/v1/units/04/report?period=2026-Q3&audience=public", headers=reports_key)
        plain = client.get("/api/v1/units/04/report?period=2026-Q3", headers=plain_key)
        up = client.get("/api/v1/units/04/report?period=2026-Q3&audience=internal", headers=plain_key)
        refused = client.get("/api/v1/units/04/report?period=2026-Q3&audience=everyone", headers=reports_key)
    public = asked.get_json()
    assert plain.get_json() == public          # a plain key reads the published copy, unasked
    assert up.status_code == 403               # and cannot ask up
    assert "officers" not in public and public["published"] is True and "sha256" not in public
    satisfaction = public["satisfaction"]
    assert satisfaction["responses"] == 9 and satisfaction["satisfaction_pct"] == 77.78
    # The distribution rests on 9 answers: shown whole (a single hidden level would come back as
    # 9 minus the others).
    assert satisfaction["overall"] == {"1": 1, "2": 0, "3": 1, "4": 3, "5": 4}
    assert satisfaction["by_channel"]["kiosk"] == 5 and satisfaction["by_channel"]["dossier_qr"] == 4  # counts
    # 4 verified ratings; compiled, their share is not recomputed (snapshots carry no counts for it).
    assert satisfaction["verified"]["satisfaction_pct"] == "<5"
    children = {c["code"]: c for c in public["children"]}
    assert children["01279"]["satisfaction_pct"] == "<5" and children["01279"]["responses"] == 1
    assert "small_cells" not in children["01279"] and "satisfaction_pct" in children["01279"]["withheld"]
    assert public["tthc_results"]["received"]["total"] == 10        # dossier counts are not answers
    spec = spec_for()
    schema = {**spec["components"]["schemas"]["ReportDocument"], "components": spec["components"]}
    assert not [e.message for e in Draft202012Validator(schema).iter_errors(public)]
    assert refused.status_code == 422


def test_two_submissions_at_once_keep_one_version(scene, runner, monkeypatch):
    chair = _manager(runner, "chu-tich", "unit_manager", "01273")
    commune = Unit.by_code("01273")
    # The second request read "no version yet" before the first committed (as two web workers would).
    monkeypatch.setattr(filing, "latest", lambda unit, period: None)
    with clock.running_from(AFTER_QUARTER):
        filing.submit(commune, QUARTER, chair)
        with pytest.raises(filing.FilingRefused, match="cùng lúc"):
            filing.submit(commune, QUARTER, chair)
    assert db.session.scalar(select(func.count()).select_from(ReportVersion)) == 1


def test_two_reviews_at_once_one_wins_and_the_other_is_told(scene, app, runner, monkeypatch):
    chair = _manager(runner, "chu-tich", "unit_manager", "01273")
    _manager(runner, "so-noi-vu", "province_officer", "04")
    _manager(runner, "quan-tri", "admin", None)
    with clock.running_from(AFTER_QUARTER):
        submitted = filing.submit(Unit.by_code("01273"), QUARTER, chair)
        both_read = threading.Barrier(2, timeout=20)
        transaction = filing.transaction

        @contextmanager
        def after_both_read():
            both_read.wait()  # each reviewer has read the version as submitted before either writes
            with transaction():
                yield

        monkeypatch.setattr(filing, "transaction", after_both_read)

        def review(username: str, accept: bool) -> str:
            with app.app_context():  # a request of its own: its own session and connection
                version = db.session.get(ReportVersion, submitted.id)
                user = db.session.scalar(select(User).where(User.username == username))
                try:
                    filing.review(version, user, accept, "" if accept else "Thiếu số liệu hồ sơ trực tuyến.")
                except filing.FilingRefused as refused:
                    return str(refused)
                return "accepted" if accept else "returned"

        with ThreadPoolExecutor(2) as pool:
            accepting, returning = pool.submit(review, "so-noi-vu", True), pool.submit(review, "quan-tri", False)
            outcomes = [accepting.result(timeout=60), returning.result(timeout=60)]
    told = "Phiên bản này không còn chờ xem xét."
    assert outcomes.count(told) == 1, outcomes
    winner = next(outcome for outcome in outcomes if outcome != told)
    db.session.expire_all()
    assert db.session.get(ReportVersion, submitted.id).status == winner
    reviews = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(("report.accept",
                                                                                         "report.return")))).all()
    assert reviews == [{"accepted": "report.accept", "returned": "report.return"}[winner]]


def test_ratings_folded_before_channels_were_counted_show_as_unknown(scene, client, runner):
    from feedback_service.models import SummaryAnswer

    # Summaries folded by the code before migration 0011 have no channel rows.
    SummaryAnswer.query.filter(SummaryAnswer.question == "channel").delete()
    db.session.commit()
    with clock.running_from(AFTER_QUARTER):
        channels = filing.live_document(Unit.by_code("01273"), QUARTER)["satisfaction"]["by_channel"]
    assert channels == {"counter_qr": 0, "dossier_qr": 0, "kiosk": 0, "api": 0, "unknown": 8}
    runner.invoke(args=["summaries", "rebuild"])
    with clock.running_from(AFTER_QUARTER):
        channels = filing.live_document(Unit.by_code("01273"), QUARTER)["satisfaction"]["by_channel"]
    assert channels == {"counter_qr": 0, "dossier_qr": 3, "kiosk": 5, "api": 0}

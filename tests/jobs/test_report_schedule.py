"""When a reporting period closes the scheduler prepares every unit's draft and mails its
managers once; before the deadline it reminds those who have not submitted. Real SMTP
server on 127.0.0.1, the clock set to the days that matter."""
from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dashboard_helpers import PASSWORD
from factories import tree, unit
from smtp_inbox import smtp_server

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import ReportDraft
from feedback_service.people.users import create_user
from feedback_service.reports import filing, schedule
from feedback_service.reports.periods import parse_period

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# 2026-Q3 ends on Wednesday 30 September; a commune's report is due 3 working days later
# (Monday 5 October), reminded on the working day before (Friday 2 October); the province's
# 2 working days after its communes' (Wednesday 7 October), reminded on Tuesday 6 October.
Q3_CLOSED = datetime(2026, 10, 1, 9, 0, tzinfo=HANOI)
Q3_REMINDER_DAY = datetime(2026, 10, 2, 9, 0, tzinfo=HANOI)
Q3_DEADLINE_PASSED = datetime(2026, 10, 6, 9, 0, tzinfo=HANOI)      # the communes'; the province's reminder day
Q3_PROVINCE_DEADLINE_PASSED = datetime(2026, 10, 8, 9, 0, tzinfo=HANOI)
MANAGERS = ["chair@thucphan.test", "other@nungtricao.test", "so@caobang.test", "vanphong@caobang.test"]


def people(province, commune, other):
    """Who is told: the managers of each unit itself; never a viewer, an admin or a closed account."""
    users = {
        "chair": create_user("chair", PASSWORD, "unit_manager", commune, email="chair@thucphan.test")[0],
        "other": create_user("other", PASSWORD, "unit_manager", other, email="other@nungtricao.test")[0],
        "so": create_user("so", PASSWORD, "province_officer", province, email="so@caobang.test")[0],
        "vanphong": create_user("vanphong", PASSWORD, "unit_manager", province, email="vanphong@caobang.test")[0],
    }
    create_user("viewer", PASSWORD, "viewer", commune, email="viewer@thucphan.test")
    create_user("admin", PASSWORD, "admin", None, email="admin@caobang.test")
    create_user("nomail", PASSWORD, "unit_manager", commune)
    gone = create_user("gone", PASSWORD, "unit_manager", commune, email="gone@thucphan.test")[0]
    gone.active = False
    db.session.commit()
    return users


@pytest.fixture
def scene(make_app):
    with smtp_server() as (port, inbox):
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="sipas@caobang.test",
                       REPORT_SCHEDULED_PERIODS="quarter")
        with app.app_context():
            province, commune, other = tree()
            merged = unit("01276", "Xã Hưng Đạo (cũ)", province)
            merged.successor_id = commune.id
            closed = unit("01290", "Đơn vị đã giải thể", province)
            closed.active = False
            db.session.commit()
            yield app, inbox, people(province, commune, other)


def drafts() -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted((d.unit.code, d.period) for d in db.session.query(ReportDraft))


def test_a_closed_quarter_prepares_each_draft_once_and_mails_each_manager_once(scene):
    app, inbox, _ = scene
    with clock.running_from(Q3_CLOSED):
        first = schedule.prepare_closed_periods()
        inbox.wait_for(3)
        again = schedule.prepare_closed_periods()
    assert [o.period for o in first] == ["2026-Q3"]
    # Every unit that stands on its own; not the one merged into 01273, not the closed one.
    assert first[0].prepared == ["01273", "01279", "04"]
    assert drafts() == [("01273", "2026-Q3"), ("01279", "2026-Q3"), ("04", "2026-Q3")]
    assert first[0].notified == ["01273", "01279", "04"] and first[0].reminded == []
    assert inbox.recipients() == MANAGERS
    # The unit's own managers only: the province hears of its own draft, not each commune's.
    by_unit = {m["Subject"].rsplit("— ", 1)[1]: m["X-Envelope-To"] for m in inbox.messages}
    assert by_unit == {"Phường Thục Phán": "chair@thucphan.test", "Phường Nùng Trí Cao": "other@nungtricao.test",
                       "Tỉnh Cao Bằng": "so@caobang.test, vanphong@caobang.test"}
    body = next(m for m in inbox.messages if "Thục Phán" in m["Subject"]).get_payload(decode=True).decode()
    assert "Hạn nộp: 05/10/2026" in body and "01/07/2026" in body and "30/09/2026" in body
    assert "http://sipas.test/dashboard/units/01273/reports/2026-Q3\n" in body
    # Running again prepares nothing and mails nobody.
    assert (again[0].prepared, again[0].notified, again[0].reminded) == ([], [], [])
    assert len(inbox.messages) == 3


def test_reminders_go_once_to_units_whose_report_is_draft_or_returned(scene):
    app, inbox, users = scene
    province, commune, other = (users[n].unit for n in ("so", "chair", "other"))
    third = unit("01282", "Phường Tân Giang", province)
    third_manager = create_user("third", PASSWORD, "unit_manager", third, email="third@tp.test")[0]
    q3 = parse_period("2026-Q3")
    with clock.running_from(Q3_CLOSED):
        schedule.prepare_closed_periods()
        inbox.wait_for(4)
        filing.submit(other, q3, users["other"])  # submitted, then returned by the province
        filing.submit(third, q3, third_manager)  # submitted and waiting
    assert len(inbox.messages) == 4
    with clock.running_from(Q3_REMINDER_DAY):
        filing.review(filing.latest(other, q3), users["so"], accept=False, comment="Thiếu số liệu quý")
        reminded = schedule.prepare_closed_periods()
        inbox.wait_for(6)
        again = schedule.prepare_closed_periods()
    # Changed with the per-tier deadlines: the communes are reminded now, the province later.
    assert reminded[0].reminded == ["01273", "01279"] and reminded[0].notified == []
    assert again[0].reminded == [] and len(inbox.messages) == 6
    reminders = inbox.messages[4:]
    assert sorted(to for m in reminders for to in m["X-Envelope-To"].split(", ")) == MANAGERS[:2]
    assert all(m["Subject"].startswith("Nhắc nộp báo cáo Quý III/2026 — hạn 05/10/2026") for m in reminders)
    # Past the communes' deadline the province, due two working days after them, is reminded.
    with clock.running_from(Q3_DEADLINE_PASSED):
        province_day = schedule.prepare_closed_periods()
        inbox.wait_for(7)
    assert province_day[0].reminded == ["04"] and province_day[0].mailed is True
    assert inbox.messages[6]["Subject"].startswith("Nhắc nộp báo cáo Quý III/2026 — hạn 07/10/2026")
    assert sorted(inbox.messages[6]["X-Envelope-To"].split(", ")) == MANAGERS[2:]
    # After every deadline nobody is told anything more.
    with clock.running_from(Q3_PROVINCE_DEADLINE_PASSED):
        late = schedule.prepare_closed_periods()
    assert late[0].mailed is False and len(inbox.messages) == 7


def test_a_draft_first_noticed_on_the_reminder_day_is_mailed_once_not_twice(scene):
    app, inbox, _ = scene
    with clock.running_from(Q3_REMINDER_DAY):
        outcome = schedule.prepare_closed_periods()[0]
        inbox.wait_for(3)
    assert outcome.notified == ["01273", "01279", "04"] and outcome.reminded == []
    assert inbox.recipients() == MANAGERS
    # The communes' reminder day: their "ready" mail was their reminder; the province's comes later.
    assert {d.unit.code: d.reminded_at is not None for d in db.session.query(ReportDraft)} == {
        "01273": True, "01279": True, "04": False}


@pytest.mark.postgres_too
def test_two_schedulers_at_once_prepare_and_mail_once(make_app, backend):
    with smtp_server(delay=0.3) as (port, inbox):
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, REPORT_SCHEDULED_PERIODS="quarter")
        with app.app_context():
            province, commune, other = tree()
            people(province, commune, other)
        outcomes, errors = [], []

        def one_scheduler():
            try:
                with app.app_context():
                    outcomes.extend(schedule.prepare_closed_periods())
            except Exception as exc:  # pragma: no cover - shown in the assertion below
                errors.append(exc)

        with clock.running_from(Q3_CLOSED):
            threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        inbox.wait_for(3)
        assert errors == []
        assert sorted(code for o in outcomes for code in o.prepared) == ["01273", "01279", "04"]
        assert sorted(code for o in outcomes for code in o.notified) == ["01273", "01279", "04"]
        assert inbox.recipients() == MANAGERS
        with app.app_context():
            assert len(drafts()) == 3


def test_without_smtp_drafts_are_prepared_and_the_log_says_nobody_was_told(make_app, caplog):
    app = make_app(REPORT_SCHEDULED_PERIODS="quarter")
    with app.app_context(), clock.running_from(Q3_CLOSED), caplog.at_level("INFO"):
        province, commune, other = tree()
        people(province, commune, other)
        outcome = schedule.prepare_closed_periods()[0]
        assert outcome.prepared == ["01273", "01279", "04"] and outcome.notified == []
        assert all(d.notified_at is None for d in db.session.query(ReportDraft))
    assert "no e-mail: SMTP_HOST is not set" in caplog.text


def test_a_failed_send_releases_the_claim_for_the_next_run(make_app):
    from redis_server import free_port

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), REPORT_SCHEDULED_PERIODS="quarter")
    with app.app_context(), clock.running_from(Q3_CLOSED):
        province, commune, other = tree()
        people(province, commune, other)
        with pytest.raises(OSError):
            schedule.prepare_closed_periods()
        db.session.expire_all()
        assert len(drafts()) == 3
        assert all(d.notified_at is None and d.reminded_at is None for d in db.session.query(ReportDraft))


# The days the calendar bites, with the default NĐ 09/2019 official periods (and calendar
# months where the official ones mail nothing): what closed, and who is told.
@pytest.mark.parametrize("moment, periods, expected", [
    # Just after midnight on 1 December (UTC still says 30 November): November has closed
    # and is due Thursday 3 December; the official periods closed long ago, past their deadlines.
    (datetime(2026, 12, 1, 0, 30, tzinfo=HANOI), "month",
     {"2026-11": ("2026-12-03", True)}),
    (datetime(2026, 12, 1, 0, 30, tzinfo=HANOI), None,
     {"2026-11/official": ("2026-11-18", False), "2026-Q3/official": ("2026-09-17", False),
      "2026-H1/official": ("2026-06-17", False), "2026-9M/official": ("2026-09-17", False),
      "2025/official": ("2025-12-17", False)}),
    # New Year's Eve: the official month, quarter and year all closed on 14 December; past due.
    (datetime(2026, 12, 31, 22, 0, tzinfo=HANOI), None,
     {"2026-12/official": ("2026-12-17", False), "2026-Q4/official": ("2026-12-17", False),
      "2026-H1/official": ("2026-06-17", False), "2026-9M/official": ("2026-09-17", False),
      "2026/official": ("2026-12-17", False)}),
    # Mùng 1 Tết: the official February (15/1–14/2) closed on a Saturday before the Tết
    # holiday (16–20/2), so it is due Wednesday 25 February, and mailed now.
    (datetime(2026, 2, 17, 9, 0, tzinfo=HANOI), None,
     {"2026-02/official": ("2026-02-25", True), "2025-Q4/official": ("2025-12-17", False),
      "2025-H1/official": ("2025-06-18", False), "2025-9M/official": ("2025-09-17", False),
      "2025/official": ("2025-12-17", False)}),
])
def test_what_closes_on_the_days_the_calendar_bites(make_app, moment, periods, expected):
    with smtp_server() as (port, inbox):
        settings = {"REPORT_SCHEDULED_PERIODS": periods} if periods else {}
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, **settings)
        with app.app_context(), clock.running_from(moment):
            province, commune, other = tree()
            people(province, commune, other)
            outcomes = schedule.prepare_closed_periods()
            inbox.wait_for(3 * sum(mailed for _, mailed in expected.values()))
            assert {o.period: (o.deadline, o.mailed) for o in outcomes} == expected
            for outcome in outcomes:
                assert outcome.prepared == ["01273", "01279", "04"]
                assert outcome.notified == (["01273", "01279", "04"] if outcome.mailed else [])
            assert len(inbox.messages) == 3 * sum(mailed for _, mailed in expected.values())
            assert schedule.prepare_closed_periods()[0].prepared == []


def test_the_cli_prepares_a_named_period_and_refuses_an_open_one(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    with app.app_context(), clock.running_from(Q3_CLOSED):
        tree()
        result = runner.invoke(args=["reports", "prepare", "--period", "2026-Q3/official"])
        assert result.exit_code == 0, result.output
        assert "2026-Q3/official (due 2026-09-17): 3 drafts prepared (01273, 01279, 04)" in result.output
        assert "no e-mail: SMTP_HOST is not set" in result.output
        again = runner.invoke(args=["reports", "prepare", "--period", "2026-Q3/official"])
        assert "0 drafts prepared" in again.output
        still_open = runner.invoke(args=["reports", "prepare", "--period", "2026-Q4"])
        assert still_open.exit_code != 0 and "ends on 2026-12-31" in still_open.output
        bad = runner.invoke(args=["reports", "prepare", "--period", "2026-Q5"])
        assert bad.exit_code != 0 and "Error" in bad.output


def test_a_bad_schedule_setting_is_named():
    with pytest.raises(schedule.ScheduleSettingInvalid, match="'week'"):
        schedule.scheduled_kinds("month/official, week")
    assert schedule.scheduled_kinds(" month/official,quarter , month/official") == [("month", True), ("quarter", False)]
    assert schedule.scheduled_kinds("nine_months/official, nine_months") == [("nine_months", True),
                                                                              ("nine_months", False)]


def test_a_period_missed_while_the_scheduler_was_down_is_prepared_when_it_is_back(make_app):
    app = make_app(REPORT_SCHEDULED_PERIODS="month", REPORT_CATCH_UP_DAYS=62)
    with app.app_context():
        tree()
        # Monday 2 November: October has closed, and September (33 days ago) never had its drafts.
        with clock.running_from(datetime(2026, 11, 2, 9, 0, tzinfo=HANOI)):
            first = schedule.prepare_closed_periods()
        assert [(o.period, len(o.prepared)) for o in first] == [("2026-09", 3), ("2026-10", 3)]
        # Down from then until 5 January: November closed unseen; December is the latest closed.
        with clock.running_from(datetime(2027, 1, 5, 9, 0, tzinfo=HANOI)):
            back = schedule.prepare_closed_periods()
            again = schedule.prepare_closed_periods()
        # October (66 days ago) is beyond the look-back; November is caught up, oldest first.
        assert [(o.period, len(o.prepared)) for o in back] == [("2026-11", 3), ("2026-12", 3)]
        assert [(o.period, o.prepared) for o in again] == [("2026-12", [])]
        assert sorted({period for _, period in drafts()}) == ["2026-09", "2026-10", "2026-11", "2026-12"]

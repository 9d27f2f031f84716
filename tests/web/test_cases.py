"""Complaint cases: which ratings open one, the backfill, the workflow with its audit
trail, due dates, the inbox's filters, scoping, the call-back phone and CSRF."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, officer, tree
from ratings_helpers import rating_without_case as old_rating
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError

from feedback_service.cases import workflow
from feedback_service.dashboard.cases import excerpt
from feedback_service.summaries.fold import fold_all
from feedback_service.extensions import db
from feedback_service.ratings.instrument import current_instrument
from feedback_service.models import AuditEntry, Case, CaseEvent, Rating, User
from feedback_service.ratings.submission import Answers, store_rating
from feedback_service.ratings.tokens import counter_token

PHONE = "0912345678"


def submit(client, body: dict) -> int:
    response = client.post("/api/v1/ratings", json=body)
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(select(Rating.id).order_by(Rating.id.desc()))


def negative(token: str, **extra) -> dict:
    return {"token": token, "overall": 2, "conduct": {"greet": False}, "comment": "Chờ lâu quá.",
            "contact": {"phone": PHONE, "consent": True}, **extra}


def case_of(rating_id: int) -> Case | None:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.rating_id == rating_id))


def backfill_cli(app) -> str:
    result = app.test_cli_runner().invoke(args=["cases", "backfill"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def world(app, runner):
    """Commune 01273 with a desk and an officer; commune 01279 with a desk; their users."""
    _, commune, other = tree()
    desk = counter(commune)
    officer(desk, "CB-0042", "Nguyễn Văn An")
    make_user(runner, "chu-tich", "unit_manager", "01273")
    make_user(runner, "can-bo-xu-ly", "unit_manager", "01273")
    make_user(runner, "xem", "viewer", "01273")
    make_user(runner, "chu-tich-khac", "unit_manager", "01279")
    return {"desk": desk, "other_desk": counter(other)}


def logged_in(app, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def post(client, path: str, **data):
    token = csrf_token(client, client.get("/dashboard/").headers["Location"])
    return client.post(path, data={"csrf_token": token, **data})


# --- which ratings open a case ------------------------------------------------------

def test_only_negative_unflagged_ratings_open_a_case(app, client, world):
    token = counter_token(world["desk"])
    happy = submit(client, {"token": token, "overall": 5, "conduct": {"greet": True}})
    low = submit(client, {"token": token, "overall": 2})
    rude = submit(client, {"token": token, "overall": 4, "conduct": {"greet": False, "smile": True}})
    said = submit(client, {"token": token, "overall": 5, "comment": "Cán bộ rất nhiệt tình."})
    assert case_of(happy) is None
    assert case_of(low).reasons == ["low_overall"]
    assert case_of(rude).reasons == ["conduct_no"]
    assert case_of(said).reasons == ["comment"]
    case = case_of(low)
    assert (case.status, case.unit_id, case.counter_id) == ("new", world["desk"].unit_id, world["desk"].id)
    assert [e.action for e in case.events] == ["open"]

    flagged = store_rating(Answers(overall=1, conduct={}, elements={}, comment="spam"), world["desk"], None,
                           channel="counter_qr", instrument=current_instrument(), flag_reason="honeypot")
    assert case_of(flagged.id) is None


def flagged_rating(desk, flag_reason: str, phone: str | None = PHONE) -> Rating:
    return store_rating(Answers(overall=1, conduct={"greet": False}, elements={}, comment="Chờ lâu quá.",
                                contact_phone=phone), desk, None, channel="counter_qr",
                        instrument=current_instrument(), flag_reason=flag_reason)


@pytest.mark.parametrize("flag_reason", ["cooldown", "over_allowance", "over_own_allowance"])
def test_a_flagged_negative_rating_that_left_a_number_opens_a_case_that_shows_the_flag(app, world, flag_reason):
    rating = flagged_rating(world["desk"], flag_reason)
    case = case_of(rating.id)
    assert case is not None and case.reasons == ["low_overall", "conduct_no", "comment"]
    assert case.events[0].detail["flag_reason"] == flag_reason
    chair = logged_in(app, "chu-tich")
    page = chair.get(f"/dashboard/cases/{case.id}").get_data(as_text=True)
    assert "Bị loại khỏi số liệu" in page and PHONE in page
    # Still out of the figures.
    fold_all(100)
    summary = app.test_client().get(f"/api/v1/counters/{world['desk'].id}/summary").get_json()
    assert (summary["responses"], summary["flagged"]) == (0, 1)

    # Without a number it opens none, and a bot (a filled honeypot) never does.
    assert case_of(flagged_rating(world["desk"], flag_reason, phone=None).id) is None
    assert case_of(flagged_rating(world["desk"], "honeypot").id) is None
    # An unflagged rating's case says nothing of a flag.
    unflagged = case_of(store_rating(Answers(overall=1, conduct={}, elements={}), world["desk"], None,
                                     channel="counter_qr", instrument=current_instrument()).id)
    assert "flag_reason" not in unflagged.events[0].detail
    assert "Bị loại khỏi số liệu" not in chair.get(f"/dashboard/cases/{unflagged.id}").get_data(as_text=True)


def test_case_commits_in_the_ratings_transaction(app, world):
    """One database COMMIT carries the rating and its case (the savepoint is only released)."""
    commits = []

    def count(conn) -> None:
        commits.append(1)

    event.listen(db.engine, "commit", count)
    try:
        rating = store_rating(Answers(overall=1, conduct={}, elements={}), world["desk"], None,
                              channel="counter_qr", instrument=current_instrument())
    finally:
        event.remove(db.engine, "commit", count)
    assert len(commits) == 1
    assert case_of(rating.id) is not None


def test_a_failing_case_never_loses_the_rating_and_backfill_opens_it(app, world, monkeypatch):
    def broken(day):
        raise SQLAlchemyError("case table unavailable")

    monkeypatch.setattr(workflow, "due_on_for", broken)
    rating = store_rating(Answers(overall=1, conduct={}, elements={}), world["desk"], None,
                          channel="counter_qr", instrument=current_instrument())
    assert db.session.get(Rating, rating.id) is not None and case_of(rating.id) is None
    monkeypatch.undo()
    assert backfill_cli(app).strip() == "1 cases opened"
    assert case_of(rating.id) is not None


def test_backfill_opens_missing_cases_once(app, world):
    desk = world["desk"]
    wanted = [old_rating(desk, date(2026, 11, 2), overall=1),
              old_rating(desk, date(2026, 11, 3), comment="Thiếu ghế ngồi"),
              old_rating(desk, date(2026, 11, 4), conduct={"listen": False})]
    old_rating(desk, date(2026, 11, 5))  # satisfied, silent
    old_rating(desk, date(2026, 11, 6), overall=1, flag_reason="cooldown")
    assert backfill_cli(app).strip() == "3 cases opened"
    assert backfill_cli(app).strip() == "0 cases opened"
    assert sorted(db.session.scalars(select(Case.rating_id))) == [r.id for r in wanted]
    # Counted from the submission: 2 Nov 2026 is a Monday, five working days → Monday 9 Nov.
    assert case_of(wanted[0].id).due_on == date(2026, 11, 9)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "case.open")) == 3


def test_backfill_opens_the_case_of_a_flagged_rating_that_left_a_number(app, world):
    desk = world["desk"]
    wanted = old_rating(desk, date(2026, 11, 2), overall=1, flag_reason="over_allowance", contact_phone=PHONE)
    old_rating(desk, date(2026, 11, 3), overall=1, flag_reason="honeypot", contact_phone=PHONE)
    assert backfill_cli(app).strip() == "1 cases opened"
    assert list(db.session.scalars(select(Case.rating_id))) == [wanted.id]


def test_a_rating_has_at_most_one_case(app, world):
    rating = old_rating(world["desk"], date(2026, 11, 2), overall=1)
    workflow.new_case(rating)
    db.session.commit()
    with pytest.raises(SQLAlchemyError):
        workflow.new_case(rating)
        db.session.commit()
    db.session.rollback()


# --- due dates ------------------------------------------------------------------------

@pytest.mark.parametrize("start, days, due", [
    (date(2026, 11, 20), 5, date(2026, 11, 27)),  # Friday → next Friday, over one weekend
    (date(2026, 11, 21), 5, date(2026, 11, 27)),  # Saturday counts from Monday
    (date(2026, 11, 19), 2, date(2026, 11, 23)),  # Thursday + 2 → Monday
    (date(2026, 11, 23), 0, date(2026, 11, 23)),
])
def test_working_days_skip_weekends(start, days, due):
    assert workflow.add_working_days(start, days) == due


def test_sla_is_configurable(make_app):
    app = make_app(CASE_SLA_WORKING_DAYS=2)
    with app.app_context():
        _, commune, _ = tree()
        rating = old_rating(counter(commune), date(2026, 11, 20), overall=1)  # a Friday
        workflow.backfill()
        assert case_of(rating.id).due_on == date(2026, 11, 24)


# --- the workflow ------------------------------------------------------------------------

def test_full_workflow_with_history_and_audit(app, client, world):
    rating_id = submit(client, negative(counter_token(world["desk"]), officer_code="CB-0042"))
    case_id = case_of(rating_id).id
    chair = logged_in(app, "chu-tich")
    page = chair.get(f"/dashboard/cases/{case_id}").get_data(as_text=True)
    assert "Chờ lâu quá." in page and "Nguyễn Văn An" in page and "Quầy Q1" in page
    handler = db.session.scalar(select(User).where(User.username == "can-bo-xu-ly"))

    assert post(chair, f"/dashboard/cases/{case_id}/assign", assignee_id=handler.id).status_code == 302
    assert case_of(rating_id).status == "assigned" and case_of(rating_id).assignee_id == handler.id
    post(chair, f"/dashboard/cases/{case_id}/answer", answer="Đã nhắc nhở cán bộ, xin lỗi ông/bà.")
    case = case_of(rating_id)
    assert case.status == "answered" and case.answer.startswith("Đã nhắc nhở") and case.answered_at
    post(chair, f"/dashboard/cases/{case_id}/close")
    assert case_of(rating_id).status == "closed" and case_of(rating_id).closed_at is not None
    post(chair, f"/dashboard/cases/{case_id}/reopen")
    case = case_of(rating_id)
    assert case.status == "assigned" and case.closed_at is None

    steps = [(e.action, e.from_status, e.to_status) for e in case.events]
    assert steps == [("open", None, "new"), ("assign", "new", "assigned"), ("answer", "assigned", "answered"),
                     ("close", "answered", "closed"), ("reopen", "closed", "assigned")]
    chair_user = db.session.scalar(select(User).where(User.username == "chu-tich"))
    assert {e.user_id for e in case.events[1:]} == {chair_user.id}
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.target == f"case:{case_id}")
                               .order_by(AuditEntry.id)).all()
    assert [(a.actor, a.action) for a in audit] == [(chair_user.actor, f"case.{step}")
                                                    for step in ("assign", "answer", "close", "reopen")]
    history = chair.get(f"/dashboard/cases/{case_id}").get_data(as_text=True)
    assert "Mở lại" in history and "Đã đóng" in history


@pytest.mark.parametrize("setup, path, data", [
    ([], "close", {}),                                  # closing a new case without an answer
    (["answer", "close"], "answer", {"answer": "Lần hai"}),  # answering a closed case
    ([], "reopen", {}),                                 # reopening a case never answered
    ([], "answer", {"answer": "   "}),                  # an empty answer
])
def test_illegal_transitions_change_nothing(app, client, world, setup, path, data):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    chair = logged_in(app, "chu-tich")
    for step in setup:
        post(chair, f"/dashboard/cases/{case_id}/{step}", answer="Đã xử lý.")
    db.session.expire_all()
    before = (db.session.get(Case, case_id).status,
              db.session.scalar(select(func.count()).select_from(CaseEvent)),
              db.session.scalar(select(func.count()).select_from(AuditEntry)))
    response = post(chair, f"/dashboard/cases/{case_id}/{path}", **data)
    assert response.status_code == 302
    after_page = chair.get(response.headers["Location"]).get_data(as_text=True)
    assert "Không thể thực hiện thao tác này" in after_page
    db.session.expire_all()
    assert (db.session.get(Case, case_id).status,
            db.session.scalar(select(func.count()).select_from(CaseEvent)),
            db.session.scalar(select(func.count()).select_from(AuditEntry))) == before


def test_cannot_assign_to_someone_outside_the_commune(app, client, world):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    outsider = db.session.scalar(select(User).where(User.username == "chu-tich-khac"))
    viewer = db.session.scalar(select(User).where(User.username == "xem"))
    chair = logged_in(app, "chu-tich")
    for user in (outsider, viewer):
        post(chair, f"/dashboard/cases/{case_id}/assign", assignee_id=user.id)
        assert db.session.get(Case, case_id).status == "new"
        db.session.expire_all()


# --- the inbox ----------------------------------------------------------------------------

def test_inbox_newest_first_with_overdue_highlighted_and_filtered(calendar_day, app, client, world):
    desk = world["desk"]
    late = old_rating(desk, calendar_day.date() - timedelta(days=30), overall=1)
    workflow.backfill()
    fresh = submit(client, negative(counter_token(desk)))
    elsewhere = submit(client, negative(counter_token(world["other_desk"])))
    late_id, fresh_id, elsewhere_id = case_of(late.id).id, case_of(fresh).id, case_of(elsewhere).id
    chair = logged_in(app, "chu-tich")

    inbox = chair.get("/dashboard/units/01273/cases").get_data(as_text=True)
    assert inbox.index(f"#{fresh_id}<") < inbox.index(f"#{late_id}<")
    assert inbox.count('class="overdue"') == 1 and "2 phản ánh" in inbox
    assert PHONE not in inbox  # never on a list

    only_late = chair.get("/dashboard/units/01273/cases?overdue=1").get_data(as_text=True)
    assert f"#{late_id}<" in only_late and f"#{fresh_id}<" not in only_late
    closed_only = chair.get("/dashboard/units/01273/cases?status=closed").get_data(as_text=True)
    assert "Không có phản ánh nào." in closed_only
    assert f"#{elsewhere_id}<" not in inbox  # another commune's case


def test_inbox_is_paginated(app, world):
    desk = world["desk"]
    for day in range(30):
        old_rating(desk, date(2026, 10, 1) + timedelta(days=day), overall=1)
    workflow.backfill()
    chair = logged_in(app, "chu-tich")
    first = chair.get("/dashboard/units/01273/cases").get_data(as_text=True)
    second = chair.get("/dashboard/units/01273/cases?page=2").get_data(as_text=True)
    assert first.count('href="/dashboard/cases/') == 25 and second.count('href="/dashboard/cases/') == 5
    assert "Trang 1/2" in first and "Trang 2/2" in second


# A page number as typed or forged: too big for the database, not ASCII, not a number.
HUGE = "1" + "0" * 30


@pytest.mark.parametrize("page, shown", [
    (HUGE, "Trang 2/2"), ("9223372036854775808", "Trang 2/2"), ("3", "Trang 2/2"),  # past the end: the last
    ("²", "Trang 1/2"), ("-3", "Trang 1/2"), ("abc", "Trang 1/2"), ("", "Trang 1/2"),
])
def test_odd_page_numbers_in_the_inbox_show_a_page_not_500(app, world, page, shown):
    desk = world["desk"]
    for day in range(26):
        old_rating(desk, date(2026, 10, 1) + timedelta(days=day), overall=1)
    workflow.backfill()
    response = logged_in(app, "chu-tich").get(f"/dashboard/units/01273/cases?page={page}")
    assert response.status_code == 200
    assert shown in response.get_data(as_text=True)


@pytest.mark.parametrize("assignee_id", [HUGE, "9223372036854775808", "²", "-1", "0", "x"])
def test_odd_assignee_ids_are_refused_without_a_500(app, client, world, assignee_id):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    chair = logged_in(app, "chu-tich")
    response = post(chair, f"/dashboard/cases/{case_id}/assign", assignee_id=assignee_id)
    assert response.status_code == 302
    assert "Không thể thực hiện thao tác này" in chair.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case_id).status == "new"


# --- scoping, roles, phone, CSRF -----------------------------------------------------------

# A comment whose first 80 characters hold markup: the excerpt must escape it.
LONG_COMMENT = ("Cán bộ <b>không</b> hướng dẫn, tôi phải đi lại ba lần mới nộp được hồ sơ đất đai; "
                "mong phường bố trí thêm người vào buổi sáng thứ Hai.")


def inbox_row(html: str, case_id: int) -> str:
    return re.search(rf'<tr data-case="{case_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)


def cell(row: str, css_class: str) -> str:
    return unescape(re.search(rf'class="{css_class}">(.*?)</td>', row, re.S).group(1))


def test_inbox_rows_name_the_officer_and_quote_the_comment_never_the_phone(app, client, world):
    token = counter_token(world["desk"])
    about_officer = case_of(submit(client, negative(token, officer_code="CB-0042", comment=LONG_COMMENT))).id
    short = case_of(submit(client, negative(token))).id
    empty_desk = counter(world["desk"].unit, "Q2")  # nobody seated: the rating names no officer
    silent = case_of(submit(client, {"token": counter_token(empty_desk), "overall": 1})).id
    html = logged_in(app, "chu-tich").get("/dashboard/units/01273/cases").get_data(as_text=True)

    row = inbox_row(html, about_officer)
    assert cell(row, "officer") == "Nguyễn Văn An"
    quoted = cell(row, "excerpt")
    assert quoted.endswith("…") and len(quoted) <= 81 and LONG_COMMENT.startswith(quoted[:-1])
    assert "&lt;b&gt;không&lt;/b&gt;" in row and "<b>" not in row  # escaped, never markup
    assert "buổi sáng thứ Hai" not in row  # the whole comment is on the case page only
    assert cell(inbox_row(html, short), "excerpt") == "Chờ lâu quá."
    assert (cell(inbox_row(html, silent), "officer"), cell(inbox_row(html, silent), "excerpt")) == ("—", "—")
    # The chair may call back from the case page, but the list shows no phone to anyone.
    assert PHONE not in html


@pytest.mark.parametrize("text, expected", [
    ("  Chờ\n lâu   quá. ", "Chờ lâu quá."),
    ("x" * 80, "x" * 80),
    ("x" * 81, "x" * 80 + "…"),
    ("Một câu " * 20, ("Một câu " * 10).strip() + "…"),
    (None, ""),
])
def test_an_excerpt_is_one_line_cut_at_a_word(text, expected):
    assert excerpt(text) == expected


def statements_run(action) -> int:
    """How many SQL statements `action` sends to the database."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_the_inbox_costs_the_same_queries_for_2_rows_or_12(app, client, world):
    token = counter_token(world["desk"])
    chair = logged_in(app, "chu-tich")
    handler = db.session.scalar(select(User.id).where(User.username == "can-bo-xu-ly"))

    def add_cases(n: int) -> None:
        for i in range(n):
            case_id = case_of(submit(client, negative(token, officer_code="CB-0042", comment=f"Ý kiến {i}"))).id
            post(chair, f"/dashboard/cases/{case_id}/assign", assignee_id=handler)

    def read_inbox() -> None:
        response = chair.get("/dashboard/units/01273/cases")
        assert response.status_code == 200

    add_cases(2)
    few = statements_run(read_inbox)
    add_cases(10)
    many = statements_run(read_inbox)
    html = chair.get("/dashboard/units/01273/cases").get_data(as_text=True)
    assert html.count('<td data-label="Cán bộ" class="officer">Nguyễn Văn An</td>') == 12
    assert many == few, (few, many)


def test_another_communes_case_and_inbox_are_404(app, client, world):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    stranger = logged_in(app, "chu-tich-khac")
    assert stranger.get("/dashboard/units/01273/cases").status_code == 404
    assert stranger.get(f"/dashboard/cases/{case_id}").status_code == 404
    assert post(stranger, f"/dashboard/cases/{case_id}/close").status_code == 404
    assert stranger.get("/dashboard/cases/999999").status_code == 404


def test_viewer_reads_without_phone_or_forms_and_cannot_change(app, client, world):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    viewer = logged_in(app, "xem")
    page = viewer.get(f"/dashboard/cases/{case_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Chờ lâu quá." in html
    assert PHONE not in html and "/assign" not in html and "/answer" not in html
    for path, data in (("assign", {"assignee_id": 1}), ("answer", {"answer": "x"}), ("close", {}),
                       ("reopen", {})):
        assert post(viewer, f"/dashboard/cases/{case_id}/{path}", **data).status_code == 403
    assert db.session.get(Case, case_id).status == "new"


def test_phone_only_for_acting_roles_and_only_when_given(app, client, world):
    token = counter_token(world["desk"])
    with_phone = case_of(submit(client, negative(token))).id
    without = case_of(submit(client, {"token": token, "overall": 1})).id
    chair = logged_in(app, "chu-tich")
    assert PHONE in chair.get(f"/dashboard/cases/{with_phone}").get_data(as_text=True)
    page = chair.get(f"/dashboard/cases/{without}").get_data(as_text=True)
    assert "Số điện thoại gọi lại" not in page


@pytest.mark.parametrize("path", ["assign", "answer", "close", "reopen"])
def test_every_post_needs_a_csrf_token(app, client, world, path):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    chair = logged_in(app, "chu-tich")
    response = chair.post(f"/dashboard/cases/{case_id}/{path}", data={"answer": "x", "assignee_id": 1})
    assert response.status_code == 400
    assert db.session.get(Case, case_id).status == "new"


def test_province_inbox_holds_every_commune_below(app, client, runner, world):
    ours = case_of(submit(client, negative(counter_token(world["desk"])))).id
    theirs = case_of(submit(client, negative(counter_token(world["other_desk"])))).id
    make_user(runner, "so-noi-vu", "province_officer", "04")
    inbox = logged_in(app, "so-noi-vu").get("/dashboard/units/04/cases").get_data(as_text=True)
    assert f"#{ours}<" in inbox and f"#{theirs}<" in inbox


def test_case_pages_in_english(app, client, world):
    case_id = case_of(submit(client, negative(counter_token(world["desk"])))).id
    chair = logged_in(app, "chu-tich")
    page = chair.get(f"/dashboard/cases/{case_id}?lang=en").get_data(as_text=True)
    assert "Answer due" in page and "Greeted you" in page and "New" in page
    assert "Overdue cases only" in chair.get("/dashboard/units/01273/cases").get_data(as_text=True)

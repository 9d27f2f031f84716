"""Dashboard accounts: login, lockout, CSRF, sessions ended by a reset or a logout, scoping by URL."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from dashboard_helpers import PASSWORD, csrf_token, log_in, make_user
from factories import tree
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, User
from feedback_service.people.users import is_locked


@pytest.fixture
def chair(app, runner):
    tree()
    make_user(runner, "chu-tich-thuc-phan", "unit_manager", "01273")
    return "chu-tich-thuc-phan"


def test_password_is_hashed_and_creation_audited(chair):
    user = db.session.query(User).one()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert db.session.query(AuditEntry).filter_by(action="user.create").count() == 1


@pytest.mark.parametrize("args, message", [
    (["--role", "unit_manager"], "cần một đơn vị"),
    (["--role", "viewer", "--unit", "99"], "no unit"),
    (["--role", "boss", "--unit", "04"], "Invalid value"),
])
def test_cli_refuses_bad_accounts(app, runner, args, message):
    tree()
    result = runner.invoke(args=["users", "create", "--username", "x", "--password", PASSWORD, *args])
    assert result.exit_code != 0 and message in result.output


def test_short_password_and_duplicate_username_refused(app, runner, chair):
    short = runner.invoke(args=["users", "create", "--username", "y", "--password", "123", "--role", "admin"])
    assert short.exit_code != 0 and "ít nhất 8 ký tự" in short.output
    again = runner.invoke(args=["users", "create", "--username", chair, "--password", PASSWORD, "--role", "admin"])
    assert again.exit_code != 0 and "đã có người dùng" in again.output


def test_dashboard_requires_login(client, chair):
    response = client.get("/dashboard/units/01273")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_lands_on_own_unit_and_logout_ends_it(client, chair):
    response = log_in(client, chair)
    assert response.status_code == 302
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/dashboard/units/01273")
    assert client.get("/dashboard/units/01273").status_code == 200
    token = csrf_token(client, "/dashboard/units/01273")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard/units/01273").status_code == 302


def test_wrong_password_is_401_with_the_same_message_as_an_unknown_user(client, chair):
    wrong = log_in(client, chair, "sai-mat-khau")
    unknown = log_in(client, "khong-co-ai", "sai-mat-khau")
    assert wrong.status_code == unknown.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.get_data(as_text=True)
    assert "Sai tên đăng nhập hoặc mật khẩu" in unknown.get_data(as_text=True)


def test_repeated_failures_lock_the_account(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_SECONDS=900)
    with app.app_context():
        tree()
        make_user(app.test_cli_runner(), "chair", "unit_manager", "01273")
        client = app.test_client()
        for _ in range(3):
            log_in(client, "chair", "sai-mat-khau")
        locked = log_in(client, "chair")  # the right password, but too late
        assert locked.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in locked.get_data(as_text=True)
        assert db.session.query(AuditEntry).filter_by(action="user.locked").count() == 1


def login_error(response) -> str:
    """The message the login page answers with (the rest of the page echoes the username)."""
    html = response.get_data(as_text=True)
    return html[html.index('id="login-error">'):html.index("</p>", html.index('id="login-error">'))]


def test_locked_unknown_and_wrong_accounts_get_the_same_answer(make_app):
    """The answer must not tell which usernames exist: a locked account looks like any failure."""
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCK_SECONDS=900)
    with app.app_context():
        tree()
        make_user(app.test_cli_runner(), "chair", "unit_manager", "01273")
        make_user(app.test_cli_runner(), "other", "unit_manager", "01273")
        for _ in range(2):
            log_in(app.test_client(), "chair", "sai-mat-khau")
        answers = [log_in(app.test_client(), "chair"),                    # locked, right password
                   log_in(app.test_client(), "chair", "sai-mat-khau"),    # locked, wrong password
                   log_in(app.test_client(), "khong-co-ai", "sai-mat-khau"),  # unknown
                   log_in(app.test_client(), "other", "sai-mat-khau")]    # exists, wrong password
        assert {r.status_code for r in answers} == {401}
        assert len({login_error(r) for r in answers}) == 1, [login_error(r) for r in answers]


BURST = 8


@pytest.mark.postgres_too
def test_a_burst_of_concurrent_wrong_passwords_locks_the_account(make_app, backend):
    """Each failure counts, however many arrive at once: a burst cannot outrun the lock."""
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_SECONDS=900)
    with app.app_context():
        tree()
        make_user(app.test_cli_runner(), "chair", "unit_manager", "01273")
    clients = [app.test_client() for _ in range(BURST)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(BURST)

    def wrong_password(i: int) -> int:
        start.wait()
        return clients[i].post("/login", data={"username": "chair", "password": f"sai-mat-khau-{i}",
                                               "csrf_token": tokens[i]}).status_code

    with ThreadPoolExecutor(BURST) as pool:
        statuses = list(pool.map(wrong_password, range(BURST)))
    assert statuses == [401] * BURST
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "chair"))
        assert is_locked(user), f"failed_logins={user.failed_logins}, locked_until={user.locked_until}"
        assert db.session.query(AuditEntry).filter_by(action="user.locked").count() == 1
    assert log_in(app.test_client(), "chair").status_code == 401  # the right password waits out the lock


def test_login_without_csrf_token_is_refused(client, chair):
    response = client.post("/login", data={"username": chair, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard/units/01273").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "javascript:alert(1)",
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0D%0A/evil.example",  # browsers drop these
    "%20//evil.example", "%01//evil.example", "%09/%09/evil.example",  # leading spaces and C0 controls
    "/%5Cevil.example", "%5C%5Cevil.example", "/%5C/evil.example",     # backslashes are slashes to a browser
    "/dashboard/%00/x", "/%7F",                                          # controls inside a path
])
def test_next_parameter_cannot_leave_the_site(client, chair, target):
    response = client.post(f"/login?next={target}", data={
        "username": chair, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize("target, location", [
    ("/dashboard/units/01273?period=year", "/dashboard/units/01273?period=year"),
    ("%20/dashboard/units/01273%0a", "/dashboard/units/01273"),  # what a browser would open
    ("/dash%09board/cases/1", "/dashboard/cases/1"),
    ("/%0d", "/"), ("/%00", "/"),  # used to answer 500 (a newline in the Location header)
])
def test_next_parameter_keeps_a_path_on_this_site(client, chair, target, location):
    response = client.post(f"/login?next={target}", data={
        "username": chair, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == location


def test_reset_password_ends_existing_sessions(client, runner, chair):
    log_in(client, chair)
    assert client.get("/dashboard/units/01273").status_code == 200
    result = runner.invoke(args=["users", "reset-password", "--username", chair, "--password", "mat-khau-moi-123"])
    assert result.exit_code == 0
    assert client.get("/dashboard/units/01273").status_code == 302
    assert log_in(client, chair, "mat-khau-moi-123").status_code == 302


def test_a_session_cookie_copied_before_logout_no_longer_works(app, client, chair):
    log_in(client, chair)
    copied = client.get_cookie("session").value
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard/units/01273")}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/dashboard/units/01273")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert log_in(app.test_client(), chair).status_code == 302  # logging in again works


def test_another_communes_page_is_404_by_any_url(client, chair):
    log_in(client, chair)
    for path in ("/dashboard/units/01279", "/dashboard/units/04", "/dashboard/units/99999"):
        assert client.get(path).status_code == 404


def test_province_officer_sees_all_communes_and_admin_everything(app, runner):
    tree()
    make_user(runner, "so-noi-vu", "province_officer", "04")
    make_user(runner, "admin", "admin")
    for username in ("so-noi-vu", "admin"):
        client = app.test_client()
        log_in(client, username)
        assert all(client.get(f"/dashboard/units/{code}").status_code == 200 for code in ("04", "01273", "01279"))


def test_huge_ids_in_dashboard_urls_are_404_not_500(client, chair):
    log_in(client, chair)
    assert client.get("/dashboard/counters/99999999999999999999").status_code == 404
    token = csrf_token(client, "/dashboard/units/01273")
    response = client.post("/dashboard/counters/9223372036854775808/rename", data={"csrf_token": token, "name": "x"})
    assert response.status_code == 404

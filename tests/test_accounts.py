"""Dashboard accounts: login, lockout, CSRF, sessions ended by a reset, scoping by URL."""
import pytest
from dashboard_helpers import PASSWORD, csrf_token, log_in, make_user
from factories import tree

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, User


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
        assert locked.status_code == 401 and "tạm khoá" in locked.get_data(as_text=True)
        assert db.session.query(AuditEntry).filter_by(action="user.locked").count() == 1


def test_login_without_csrf_token_is_refused(client, chair):
    response = client.post("/login", data={"username": chair, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard/units/01273").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, chair):
    for target in ("https://evil.example/", "//evil.example/x"):
        response = client.post(f"/login?next={target}", data={
            "username": chair, "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.headers["Location"].endswith("/dashboard/")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard/units/01273")})


def test_reset_password_ends_existing_sessions(client, runner, chair):
    log_in(client, chair)
    assert client.get("/dashboard/units/01273").status_code == 200
    result = runner.invoke(args=["users", "reset-password", "--username", chair, "--password", "mat-khau-moi-123"])
    assert result.exit_code == 0
    assert client.get("/dashboard/units/01273").status_code == 302
    assert log_in(client, chair, "mat-khau-moi-123").status_code == 302


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

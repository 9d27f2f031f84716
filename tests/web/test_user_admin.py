"""Account administration by the system admin (`/dashboard/users`) and every user's own
password change (`/account/password`): temporary passwords shown once and changed at
first login, resets that end sessions, locks lifted, accounts closed, roles moved —
each audited, and a refused change that touches nothing."""
from __future__ import annotations

import re

import pytest
from dashboard_helpers import PASSWORD, csrf_token, log_in, make_user
from factories import tree
from sqlalchemy import select

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, User


@pytest.fixture
def world(app, runner):
    tree()
    make_user(runner, "quan-tri", "admin")
    make_user(runner, "chu-tich", "unit_manager", "01273")
    return app


def logged_in(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    assert log_in(client, username, password).status_code == 302
    return client


def post(client, path: str, **data):
    token = csrf_token(client, "/dashboard/users")
    return client.post(path, data={"csrf_token": token, **data})


def account(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def audits(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def temporary_from(response) -> str:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'<code id="temporary-password">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>',
                      response.get_data(as_text=True))
    assert match, "the temporary password is shown on the page"
    return match.group(1)


def change_password(client, current: str, new: str, confirm: str | None = None):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={"csrf_token": token, "current_password": current,
                                                  "new_password": new, "confirm_password": confirm or new})


@pytest.mark.postgres_too
def test_admin_creates_an_account_whose_temporary_password_must_be_replaced(world):
    admin = logged_in(world, "quan-tri")
    response = post(admin, "/dashboard/users", username="pho-chu-tich", display_name="Bế Thị Lan",
                    email="lan@thucphan.test", role="unit_manager", unit="01273")
    temporary = temporary_from(response)
    created = account("pho-chu-tich")
    assert created.must_change_password and created.unit.code == "01273" and created.email == "lan@thucphan.test"
    assert temporary not in created.password_hash
    assert audits("user.create")[-1].detail == {"username": "pho-chu-tich", "role": "unit_manager", "unit": "01273"}
    # The listing afterwards never shows the password again.
    assert temporary not in admin.get("/dashboard/users").get_data(as_text=True)

    holder = world.test_client()
    landing = log_in(holder, "pho-chu-tich", temporary)
    assert landing.status_code == 302 and "/account/password" in landing.headers["Location"]
    # Every dashboard page sends the holder back until the password is theirs.
    blocked = holder.get("/dashboard/units/01273")
    assert blocked.status_code == 302 and "/account/password" in blocked.headers["Location"]
    assert "mật khẩu tạm" in holder.get("/account/password").get_data(as_text=True)

    assert change_password(holder, temporary, "mat-khau-rieng-cua-lan").status_code == 302
    assert not account("pho-chu-tich").must_change_password
    assert holder.get("/dashboard/units/01273").status_code == 200  # the same browser stays logged in
    assert log_in(world.test_client(), "pho-chu-tich", temporary).status_code == 401
    assert len(audits("user.change_password")) == 1


@pytest.mark.parametrize("fields, message", [
    ({"username": "chu-tich", "role": "viewer", "unit": "01273"}, "đã có người dùng"),
    ({"username": "moi", "role": "viewer", "unit": ""}, "cần một đơn vị"),
    ({"username": "moi", "role": "viewer", "unit": "99999"}, "Không có đơn vị mã 99999"),
    ({"username": "moi", "role": "boss", "unit": "01273"}, "Vai trò phải là một trong"),
    ({"username": "co khoang trang", "role": "viewer", "unit": "01273"}, "khoảng trắng"),
    ({"username": "moi", "role": "viewer", "unit": "01273", "email": "khong-phai-thu"}, "thư điện tử không hợp lệ"),
])
def test_a_refused_account_keeps_what_the_admin_typed(world, fields, message):
    admin = logged_in(world, "quan-tri")
    before = db.session.query(User).count()
    response = post(admin, "/dashboard/users", display_name="Người Mới", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'value="Người Mới"' in html and f'value="{fields["username"]}"' in html
    assert db.session.query(User).count() == before


@pytest.fixture
def strict_world(make_app):
    """The world with a lock after two wrong passwords."""
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCK_SECONDS=900)
    with app.app_context():
        tree()
        make_user(app.test_cli_runner(), "quan-tri", "admin")
        make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
        yield app


def lock_out(app, username: str) -> None:
    for _ in range(2):
        log_in(app.test_client(), username, "sai-mat-khau")
    assert log_in(app.test_client(), username).status_code == 401


def test_reset_ends_the_users_sessions_and_lifts_a_lock(strict_world):
    app = strict_world
    chair = logged_in(app, "chu-tich")
    lock_out(app, "chu-tich")
    admin = logged_in(app, "quan-tri")
    assert "tạm khoá do đăng nhập sai" in admin.get("/dashboard/users").get_data(as_text=True)

    temporary = temporary_from(post(admin, f"/dashboard/users/{account('chu-tich').id}/password"))
    assert chair.get("/dashboard/units/01273").status_code == 302  # the old session is over
    assert log_in(app.test_client(), "chu-tich", PASSWORD).status_code == 401
    fresh = app.test_client()
    assert "/account/password" in log_in(fresh, "chu-tich", temporary).headers["Location"]
    assert audits("user.reset_password")[-1].detail == {"temporary": True}


def test_unlock_lets_the_right_password_in_again(strict_world):
    app = strict_world
    lock_out(app, "chu-tich")
    admin = logged_in(app, "quan-tri")
    assert post(admin, f"/dashboard/users/{account('chu-tich').id}/unlock").status_code == 302
    assert log_in(app.test_client(), "chu-tich").status_code == 302
    assert len(audits("user.unlock")) == 1


def test_a_closed_account_cannot_log_in_and_its_sessions_end(world):
    chair, admin = logged_in(world, "chu-tich"), logged_in(world, "quan-tri")
    chair_id = account("chu-tich").id
    assert post(admin, f"/dashboard/users/{chair_id}/active", active="0").status_code == 302
    assert chair.get("/dashboard/units/01273").status_code == 302
    assert log_in(world.test_client(), "chu-tich").status_code == 401
    assert post(admin, f"/dashboard/users/{chair_id}/active", active="1").status_code == 302
    assert log_in(world.test_client(), "chu-tich").status_code == 302
    assert [e.action for e in audits("user.deactivate") + audits("user.activate")] == ["user.deactivate",
                                                                                      "user.activate"]


def test_the_admin_cannot_close_or_demote_their_own_account(world):
    admin = logged_in(world, "quan-tri")
    me = account("quan-tri")
    closing = post(admin, f"/dashboard/users/{me.id}/active", active="0")
    assert "tự khoá" in admin.get(closing.headers["Location"]).get_data(as_text=True)
    demoting = post(admin, f"/dashboard/users/{me.id}/role", role="viewer", unit="01273")
    assert "tự đổi vai trò" in admin.get(demoting.headers["Location"]).get_data(as_text=True)
    me = account("quan-tri")
    assert me.active and me.role == "admin"


@pytest.mark.postgres_too
def test_moving_a_chair_to_another_commune_changes_what_they_see(world):
    chair, admin = logged_in(world, "chu-tich"), logged_in(world, "quan-tri")
    chair_id = account("chu-tich").id
    unknown = post(admin, f"/dashboard/users/{chair_id}/role", role="unit_manager", unit="99999")
    assert "Không có đơn vị mã 99999" in admin.get(unknown.headers["Location"]).get_data(as_text=True)
    assert account("chu-tich").unit.code == "01273"

    assert post(admin, f"/dashboard/users/{chair_id}/role", role="viewer", unit="01279").status_code == 302
    moved = account("chu-tich")
    assert (moved.role, moved.unit.code) == ("viewer", "01279")
    assert chair.get("/dashboard/units/01273").status_code == 302  # the old scope's session is over
    again = logged_in(world, "chu-tich")
    assert again.get("/dashboard/units/01273").status_code == 404
    assert again.get("/dashboard/units/01279").status_code == 200
    assert audits("user.change_role")[-1].detail["before"] == {"role": "unit_manager", "unit": "01273"}


def test_search_finds_accounts_by_commune(world, runner):
    make_user(runner, "chu-tich-khac", "unit_manager", "01279")
    admin = logged_in(world, "quan-tri")
    html = admin.get("/dashboard/users?q=01279").get_data(as_text=True)
    assert 'data-user="chu-tich-khac"' in html and 'data-user="chu-tich"' not in html
    html = admin.get("/dashboard/users?q=Thục Phán").get_data(as_text=True)
    assert 'data-user="chu-tich"' in html and 'data-user="chu-tich-khac"' not in html


@pytest.mark.parametrize("current, new, confirm, message", [
    ("sai-mat-khau", "mat-khau-moi-dai", None, "Mật khẩu hiện tại không đúng"),
    (PASSWORD, "mat-khau-moi-dai", "mat-khau-khac-dai", "không khớp"),
    (PASSWORD, PASSWORD, None, "phải khác"),
    (PASSWORD, "ngan", None, "ít nhất 8 ký tự"),
    (PASSWORD, "chu-tich", None, "trùng tên đăng nhập"),
])
def test_own_password_change_refusals_change_nothing(world, current, new, confirm, message):
    chair = logged_in(world, "chu-tich")
    before = account("chu-tich").password_hash
    response = change_password(chair, current, new, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert account("chu-tich").password_hash == before


def test_own_password_change_ends_the_other_browsers_sessions(world):
    phone, laptop = logged_in(world, "chu-tich"), logged_in(world, "chu-tich")
    assert change_password(laptop, PASSWORD, "mat-khau-moi-dai-hon").status_code == 302
    assert laptop.get("/dashboard/units/01273").status_code == 200
    assert phone.get("/dashboard/units/01273").status_code == 302


def test_cli_without_password_issues_a_temporary_one(world, runner):
    result = runner.invoke(args=["users", "create", "--username", "tinh", "--role", "province_officer",
                                 "--unit", "04"])
    assert result.exit_code == 0, result.output
    temporary = re.search(r"temporary password .*: (\S+)", result.output).group(1)
    assert account("tinh").must_change_password
    assert "/account/password" in log_in(world.test_client(), "tinh", temporary).headers["Location"]
    reset = runner.invoke(args=["users", "reset-password", "--username", "chu-tich"])
    assert reset.exit_code == 0 and account("chu-tich").must_change_password


def test_the_admins_pages_show_the_accounts_link_and_others_do_not(world):
    assert "/dashboard/users" in logged_in(world, "quan-tri").get("/dashboard/units/04").get_data(as_text=True)
    assert "/dashboard/users" not in logged_in(world, "chu-tich").get("/dashboard/units/01273").get_data(as_text=True)


@pytest.mark.parametrize("page", ["1" + "0" * 30, "9223372036854775808", "²", "-2", "abc"])
def test_odd_page_numbers_on_the_accounts_page_are_not_500(world, page):
    response = logged_in(world, "quan-tri").get(f"/dashboard/users?page={page}")
    assert response.status_code == 200


"""Odd input typed or forged into staff pages is a clear answer, never a 500, and stores
nothing: NUL characters (which PostgreSQL refuses in any text) and dates at the end of
the calendar. Run on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, officer, tree
from sqlalchemy import func, select

from feedback_service.extensions import db
from feedback_service.models import AuditEntry, Counter, Officer, User

pytestmark = pytest.mark.postgres_too


@pytest.fixture
def admin(app, backend):
    _, commune, _ = tree()
    officer(counter(commune), "CB-0042", "Nguyễn Văn An")
    make_user(app.test_cli_runner(), "quan-tri", "admin")
    client = app.test_client()
    assert log_in(client, "quan-tri").status_code == 302
    return client


def stored() -> tuple:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Counter, Officer, User, AuditEntry))


def refused_clearly(response) -> bool:
    html = response.get_data(as_text=True)
    return response.status_code == 400 and "Yêu cầu không hợp lệ" in html and "Traceback" not in html


@pytest.mark.parametrize("path", [
    "/dashboard/units/%00", "/dashboard/units/01273%00", "/dashboard/officers/CB%00",
    "/dashboard/users?q=%00", "/dashboard/units/01273/cases?status=%00", "/dashboard/units/01273?period=%00",
])
def test_nul_in_a_staff_url_is_a_clear_400(admin, path):
    assert refused_clearly(admin.get(path)), path


@pytest.mark.parametrize("path, data", [
    ("/dashboard/units/01273/manage/counters", {"code": "Q9", "name": "Quầy\x00 9"}),
    ("/dashboard/units/01273/manage/officers", {"code": "CB\x00", "name": "Lê Văn Bình"}),
    ("/dashboard/officers/CB-0042/rename", {"name": "An\x00"}),
    ("/dashboard/users", {"username": "moi", "role": "viewer", "unit": "01273", "display_name": "\x00"}),
    ("/dashboard/users", {"username": "moi", "role": "viewer", "unit": "\x00"}),
])
def test_nul_in_a_staff_form_is_a_clear_400_and_stores_nothing(admin, path, data):
    before = stored()
    token = csrf_token(admin, "/dashboard/users")
    assert refused_clearly(admin.post(path, data={"csrf_token": token, **data})), path
    assert stored() == before


def test_an_anonymous_nul_url_is_refused_before_the_login_redirect(app, backend):
    assert refused_clearly(app.test_client().get("/dashboard/units/%00"))


def test_nul_in_a_username_is_a_failed_login(app, backend):
    tree()
    make_user(app.test_cli_runner(), "chu-tich", "unit_manager", "01273")
    response = log_in(app.test_client(), "chu-tich\x00")
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/dashboard/units/01273?period=custom&from=9999-12-25&to=9999-12-31",
    "/dashboard/officers/CB-0042?period=custom&from=9999-12-25&to=9999-12-31",
    "/dashboard/units/01273?period=custom&from=0001-01-01&to=0001-01-05",
])
def test_dates_at_the_end_of_the_calendar_fall_back_to_this_month(admin, path):
    response = admin.get(path)
    assert response.status_code == 200
    assert "Ngày không hợp lệ" in response.get_data(as_text=True)

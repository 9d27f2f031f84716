"""Scoping, proved route by route: every dashboard URL, filled in with an object of
ANOTHER commune, answers 404 (or 403/405) and changes nothing.

The walker reads `app.url_map`, so a route added later is covered without editing
this file — or, if its URL names something the walker does not know, the test fails
and says which mapping to add. A manager of 01273 probes 01279's unit, counter,
officer and case; a control run with 01273's own objects proves each 404 comes from
scoping and not from a malformed URL.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, officer, tree
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Map, Rule

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.ratings.instrument import current_instrument
from feedback_service.models import AuditEntry, Case, CaseEvent, Counter, Officer, User
from feedback_service.ratings.submission import Answers, store_rating

# What a URL variable names, keyed by the collection segment before it and the
# variable's name: `code` means a unit under /units/ but an officer under /officers/.
OBJECT_KINDS: dict[tuple[str, str], str] = {
    ("units", "code"): "unit",
    ("counters", "counter_id"): "counter",
    ("officers", "code"): "officer",
    ("cases", "case_id"): "case",
    ("users", "user_id"): "user",
    # Not an object but a value any commune shares: the unit in the same URL is what is scoped.
    ("reports", "period"): "period",
    ("report-exports", "export_id"): "report_export",
    ("poster-sheets", "sheet_id"): "poster_sheet",
}
# Routes that name no object, each with the reason it cannot leak another commune.
NO_OBJECT_ROUTES = {
    "dashboard.home": "redirects to the user's own unit",
    "accounts.login": "the public way in; a logged-in user is sent home",
    "accounts.logout": "ends the session only",
    "accounts.change_password": "changes the logged-in user's own password only",
    "dashboard.user_admin_list": "admin only: 403 for every other role (test_account_administration_is_admin_only)",
    "dashboard.user_admin_create": "admin only: 403 for every other role (test_account_administration_is_admin_only)",
}
# Account administration: no commune's manager may use it at all, not even on their own commune's accounts.
ADMIN_ONLY_PREFIX = "dashboard.user_admin"
# Reviewing a report is the level above's (a province officer or the admin), never the chair's own:
# the control posts them as the admin.
REVIEW_ENDPOINTS = ("dashboard.unit_report_accept", "dashboard.unit_report_return")
SCOPED_BLUEPRINTS = ("dashboard",)
REFUSED = (403, 404, 405)
# A valid value for every field any dashboard form reads (case workflow, counter and
# officer management), so a route that forgot its scope check WOULD change something.
FORM_FIELDS = {"answer": "Đã xử lý, xin cảm ơn.", "name": "Tên mới do kẻ khác đặt", "code": "QX9",
               "active": "0", "confirm": "1", "role": "admin", "unit": "", "username": "ke-la",
               "period": "2026-Q3", "format": "csv", "layout": "1up"}
OTHER_COMMUNE_NAMES = ("Nùng Trí Cao", "Hoàng Thị Khác", "Quầy của 01279")


@dataclass(frozen=True)
class Objects:
    """One of each kind in one commune, as the URL would name them."""

    unit: str
    counter: int
    officer: str
    case: int
    user: int
    report_export: str
    poster_sheet: str
    period: str = "2026-11"  # a report period label: valid, the same for every commune

    def value(self, kind: str) -> object:
        return getattr(self, kind)


def _negative_case(desk: Counter, clerk: Officer) -> int:
    rating = store_rating(Answers(overall=1, conduct={"greet": False}, elements={}, comment="Chờ quá lâu."),
                          desk, clerk, channel="counter_qr", instrument=current_instrument())
    return db.session.scalar(select(Case.id).where(Case.rating_id == rating.id))


def _built_export(unit_code: str) -> str:
    """A finished export of the unit's 2026-Q3 report, its file on disk."""
    from feedback_service.models import ReportExport, Unit
    from feedback_service.reports.files import export_runs

    row = ReportExport(id=("a" if unit_code == "01273" else "b") * 32, unit_id=Unit.by_code(unit_code).id,
                       period="2026-Q3", format="csv", internal=True, status="queued", progress=0,
                       created_at=clock.now(), updated_at=clock.now())
    db.session.add(row)
    db.session.commit()
    assert export_runs.build(row.id) == "done"
    return row.id


def _built_poster_sheet(unit_code: str) -> str:
    """A finished PDF of the unit's counter posters, its file on disk."""
    from feedback_service.models import PosterSheet, Unit
    from feedback_service.ratings import poster_runs

    row = PosterSheet(id=("c" if unit_code == "01273" else "d") * 32, unit_id=Unit.by_code(unit_code).id,
                      layout="1up", status="queued", progress=0, created_at=clock.now(), updated_at=clock.now())
    db.session.add(row)
    db.session.commit()
    assert poster_runs.build(row.id) == "done"
    return row.id


@pytest.fixture
def world(app, runner, tmp_path) -> dict:
    app.config["REPORT_EXPORT_DIR"] = str(tmp_path / "exports")
    _, own_commune, other_commune = tree()
    own_desk = counter(own_commune, "Q1", "Quầy của 01273")
    own_clerk = officer(own_desk, "CB-0042", "Nguyễn Văn An")
    other_desk = counter(other_commune, "Q1", "Quầy của 01279")
    other_clerk = officer(other_desk, "CB-9001", "Hoàng Thị Khác")
    make_user(runner, "chu-tich", "unit_manager", "01273")
    make_user(runner, "nhan-vien", "viewer", "01273")
    make_user(runner, "chu-tich-khac", "unit_manager", "01279")
    make_user(runner, "quan-tri", "admin")
    other_manager = _user_id("chu-tich-khac")
    own = Objects("01273", own_desk.id, own_clerk.code, _negative_case(own_desk, own_clerk), _user_id("nhan-vien"),
                  _built_export("01273"), _built_poster_sheet("01273"))
    other = Objects("01279", other_desk.id, other_clerk.code, _negative_case(other_desk, other_clerk), other_manager,
                    _built_export("01279"), _built_poster_sheet("01279"))
    return {"own": own, "other": other, "other_manager": other_manager}


def _user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def scoped_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.split(".")[0] in SCOPED_BLUEPRINTS or r.endpoint in NO_OBJECT_ROUTES]
    assert rules, "the walker found no dashboard routes at all"
    return sorted(rules, key=lambda r: r.rule)


def object_kinds(rule: Rule) -> dict[str, str]:
    """{variable: kind} for the rule, or a failure naming the mapping to add."""
    segments = rule.rule.strip("/").split("/")
    kinds = {}
    for variable in rule.arguments:
        position = next(i for i, s in enumerate(segments) if s.startswith("<") and s.rstrip(">").endswith(variable))
        collection = segments[position - 1] if position else ""
        kind = OBJECT_KINDS.get((collection, variable))
        if kind is None:
            pytest.fail(f"{rule.endpoint} ({rule.rule}): the scoping walker does not know what "
                        f"<{variable}> after /{collection}/ names; add ('{collection}', '{variable}') to "
                        f"OBJECT_KINDS in tests/test_dashboard_scoping.py, and check the route scopes it.")
        kinds[variable] = kind
    if not kinds and rule.endpoint not in NO_OBJECT_ROUTES:
        pytest.fail(f"{rule.endpoint} ({rule.rule}) names no object; add it to NO_OBJECT_ROUTES with "
                    f"the reason it cannot show another commune's data.")
    return kinds


def build_url(app: Flask, rule: Rule, objects: Objects) -> str:
    values = {variable: objects.value(kind) for variable, kind in object_kinds(rule).items()}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def database_state() -> tuple:
    """Row counts plus the mutable fields of cases, counters and officers: a refused
    request changes none (a rename, deactivation or QR rotation keeps the counts)."""
    db.session.expire_all()
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (Case, CaseEvent, Counter, Officer, AuditEntry, User))
    rows = (select(Case.id, Case.status, Case.answer, Case.assignee_id, Case.answered_at, Case.closed_at),
            select(Counter.id, Counter.unit_id, Counter.code, Counter.name, Counter.qr_version, Counter.active),
            select(Officer.id, Officer.code, Officer.name, Officer.unit_id, Officer.counter_id, Officer.active),
            select(User.id, User.password_hash, User.role, User.unit_id, User.active, User.session_version,
                   User.locked_until, User.must_change_password))
    return counts, tuple(tuple(db.session.execute(query.order_by(query.selected_columns[0]))) for query in rows)


def logged_in(app: Flask, username: str):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def test_every_route_is_classified(app):
    for rule in scoped_rules(app):
        object_kinds(rule)


def test_the_walker_refuses_a_variable_it_cannot_classify():
    """A future `/dashboard/dossiers/<id:dossier_id>` must fail loudly, not pass unprobed."""
    rule = Rule("/dashboard/dossiers/<int:dossier_id>", endpoint="dashboard.dossier_page")
    Map([rule])
    with pytest.raises(pytest.fail.Exception, match=r"\('dossiers', 'dossier_id'\) to OBJECT_KINDS"):
        object_kinds(rule)


def test_no_dashboard_route_reaches_another_communes_objects(app, world):
    client = logged_in(app, "chu-tich")
    token = csrf_token(client, "/dashboard/units/01273")
    form = {**FORM_FIELDS, "csrf_token": token, "assignee_id": str(world["other_manager"]),
            "counter_id": str(world["other"].counter)}
    before = database_state()
    probed = []
    for rule in scoped_rules(app):
        if not object_kinds(rule):
            continue
        url = build_url(app, rule, world["other"])
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data=form if method == "POST" else None)
            probed.append((method, url))
            assert response.status_code in REFUSED, f"{method} {url} → {response.status_code}"
            body = response.get_data(as_text=True)
            for name in OTHER_COMMUNE_NAMES:
                assert name not in body, f"{method} {url} reveals {name!r}"
        assert database_state() == before, f"{rule.rule} changed the database"
    # The walker really walked: at least the overview, inbox, counter, officer and case routes.
    assert len(probed) >= 2 * 8, probed


def test_the_same_routes_answer_for_the_users_own_objects(app, world):
    """The control: with 01273's objects, GET routes answer 200 and forms redirect —
    so every 404 above is scoping, not a URL the walker built wrongly."""
    manager, admin = logged_in(app, "chu-tich"), logged_in(app, "quan-tri")
    tokens = {manager: csrf_token(manager, "/dashboard/units/01273"), admin: csrf_token(admin, "/dashboard/users")}
    own_manager = _user_id("chu-tich")
    for rule in scoped_rules(app):
        if not object_kinds(rule):
            continue
        # Account administration is the admin's; the admin's forms answer 302, or 200
        # where the answer is a page showing a temporary password once.
        client, posted = (admin, (200, 302)) if rule.endpoint.startswith(ADMIN_ONLY_PREFIX) else (manager, (302,))
        if rule.endpoint in REVIEW_ENDPOINTS:
            client, posted = admin, (302,)
        url = build_url(app, rule, world["own"])
        if "GET" in rule.methods:
            assert client.get(url).status_code == 200, url
        if "POST" in rule.methods:
            response = client.post(url, data={**FORM_FIELDS, "csrf_token": tokens[client], "assignee_id": own_manager,
                                              "counter_id": world["own"].counter})
            assert response.status_code in posted, f"POST {url} → {response.status_code}"


def test_routes_without_an_object_stay_home(app, world):
    client = logged_in(app, "chu-tich")
    assert client.get("/dashboard/").headers["Location"].endswith("/dashboard/units/01273")
    assert client.get("/login").headers["Location"].endswith("/dashboard/")
    # Logging in again with a ?next= into another commune lands on its 404, not its data.
    fresh = app.test_client()
    response = fresh.post("/login?next=/dashboard/units/01279",
                          data={"username": "chu-tich", "password": "mat-khau-du-dai",
                                "csrf_token": csrf_token(fresh)}, follow_redirects=True)
    assert response.status_code == 404
    assert "Nùng Trí Cao" not in response.get_data(as_text=True)
    before = database_state()
    token = csrf_token(client, "/dashboard/units/01273")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard/units/01273").status_code == 302
    # The logout ended the session on the server too (the user's session_version moved on); nothing else changed.
    counts, (cases, counters, officers, users) = before
    chair = _user_id("chu-tich")
    users = tuple((*row[:5], row[5] + 1, *row[6:]) if row[0] == chair else tuple(row) for row in users)
    after_counts, (*after_rows, after_users) = database_state()
    assert (after_counts, after_rows, tuple(map(tuple, after_users))) == (counts, [cases, counters, officers], users)


def test_account_administration_is_admin_only(app, world):
    """A commune chair may not touch accounts — not another commune's, not their own commune's."""
    before = database_state()
    for username in ("chu-tich", "nhan-vien"):
        client = logged_in(app, username)
        token = csrf_token(client, "/dashboard/units/01273")
        for rule in scoped_rules(app):
            if not rule.endpoint.startswith(ADMIN_ONLY_PREFIX):
                continue
            for objects in (world["own"], world["other"]):
                url = build_url(app, rule, objects)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    response = client.open(url, method=method, data={**FORM_FIELDS, "csrf_token": token})
                    assert response.status_code == 403, f"{username}: {method} {url} → {response.status_code}"
                    assert "chu-tich-khac" not in response.get_data(as_text=True)
    assert database_state() == before


def test_a_form_without_csrf_token_is_refused(app, world):
    client = logged_in(app, "chu-tich")
    before = database_state()
    for rule in scoped_rules(app):
        if "POST" in rule.methods and object_kinds(rule):
            url = build_url(app, rule, world["own"])
            assert client.post(url, data=FORM_FIELDS).status_code == 400, url
    assert database_state() == before


def test_logged_out_every_dashboard_get_redirects_to_login(app, world):
    client = app.test_client()
    for rule in scoped_rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith("accounts."):
            continue
        for objects in (world["own"], world["other"]):
            url = build_url(app, rule, objects)
            response = client.get(url)
            assert response.status_code == 302, f"{url} → {response.status_code}"
            location = response.headers["Location"]
            assert location.split("?")[0].endswith("/login"), f"{url} → {location}"

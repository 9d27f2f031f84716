"""Asking for a report export again, at once, or too often: the same export is answered again
while it is queued, running, or built and still current; two identical requests at once make
one job; a caller has at most REPORT_EXPORTS_PER_REQUESTER exports queued or running (the API's
429, the dashboard's Vietnamese message); the live report is built once per fold generation,
whoever asks for it."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from export_scene import AFTER_QUARTER, QUARTER, report_scene
from factories import create_key, tree
from races import at_once, hold_both_at_the_new_id
from redis import Redis
from sqlalchemy import func, select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import ReportExport, Unit, User
from feedback_service.reports import filing
from feedback_service.reports.files import export_runs
from feedback_service.reports.audience import INTERNAL
from feedback_service.reports.periods import parse_period
from feedback_service.summaries.read import bump_generation


def _world(make_app, tmp_path, scene, inline_max: int):
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), REPORT_EXPORT_INLINE_MAX=inline_max)
    with app.app_context(), clock.running_from(AFTER_QUARTER):
        scene()
        runner = app.test_cli_runner()
        yield SimpleNamespace(app=app, runner=runner, province=create_key(runner, "04", scope="reports"),
                              commune=create_key(runner, "01273", scope="reports"))


@pytest.fixture
def world(make_app, tmp_path):
    # Every XLSX of the scene rests on more than 10 ratings: the API queues it.
    yield from _world(make_app, tmp_path, report_scene, inline_max=10)


@pytest.fixture
def bare_world(make_app, tmp_path):
    """The unit tree alone, every XLSX queued: what the races need, on SQLite and PostgreSQL."""
    yield from _world(make_app, tmp_path, tree, inline_max=-1)


def ask_api(world, key: str, code: str = "04"):
    return world.app.test_client().get(f"/api/v1/units/{code}/report.xlsx?period={QUARTER}",
                                       headers={"Authorization": f"Bearer {key}"})


def logged_in(world, username: str, role: str = "unit_manager", unit: str = "01273"):
    make_user(world.runner, username, role, unit)
    client = world.app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def ask_dashboard(client, fmt: str, code: str = "01273", **options):
    return client.post(f"/dashboard/units/{code}/report-exports", **options,
                       data={"period": QUARTER, "format": fmt, "csrf_token": csrf_token(client, f"/dashboard/units/{code}")})


def exports_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportExport))


@pytest.fixture
def both_looked_first(monkeypatch):
    hold_both_at_the_new_id(monkeypatch, export_runs)


def test_the_dashboard_answers_the_same_export_again_while_it_is_current(world):
    chair = logged_in(world, "chu-tich")
    first = ask_dashboard(chair, "csv").headers["Location"]
    assert first.startswith("/dashboard/report-exports/")
    assert ask_dashboard(chair, "csv").headers["Location"] == first  # queued
    assert ask_dashboard(chair, "json").headers["Location"] != first  # another format: another file
    officer = logged_in(world, "so-noi-vu", "province_officer", "04")
    assert ask_dashboard(officer, "csv").headers["Location"] == first  # the same file, whoever asks

    assert export_runs.build(first.rsplit("/", 1)[1]) == "done"
    assert ask_dashboard(chair, "csv").headers["Location"] == first  # built, and still current
    bump_generation()  # a fold: the live draft's figures may have changed
    refolded = ask_dashboard(chair, "csv").headers["Location"]
    assert refolded != first
    assert exports_count() == 3
    with clock.running_from(AFTER_QUARTER + timedelta(days=2)):  # the built file's link has expired
        assert ask_dashboard(chair, "json").headers["Location"] not in (first, refolded)


def test_the_api_answers_the_same_location_again_while_it_is_current(world):
    first = ask_api(world, world.province)
    assert first.status_code == 202
    location = first.headers["Location"]
    again = ask_api(world, world.province)
    assert (again.status_code, again.headers["Location"]) == (202, location)
    assert export_runs.build(first.get_json()["id"]) == "done"
    built = ask_api(world, world.province)
    assert built.headers["Location"] == location and built.get_json()["status"] == "done"
    assert built.get_json()["download_url"] == f"{location}/download"
    # Submitted: the latest report is now the frozen version, another file.
    make_user(world.runner, "so-noi-vu", "province_officer", "04")
    filing.submit(Unit.by_code("04"), parse_period(QUARTER), User.query.filter_by(username="so-noi-vu").one())
    assert ask_api(world, world.province).headers["Location"] != location


@pytest.mark.postgres_too
def test_two_identical_requests_at_once_make_one_job(bare_world, both_looked_first):
    world = bare_world
    # Two callers (the province's key and the commune's), so that only the export itself is shared.
    answers = at_once(lambda: ask_api(world, world.province, "01273"), lambda: ask_api(world, world.commune, "01273"))
    assert [answer.status_code for answer in answers] == [202, 202]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert exports_count() == 1


def test_a_caller_has_at_most_a_few_exports_queued_or_running(world):
    world.app.config["REPORT_EXPORTS_PER_REQUESTER"] = 1
    first = ask_api(world, world.province, "04")
    assert first.status_code == 202
    refused = ask_api(world, world.province, "01273")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.get_json()["error"]["code"] == "too_many_exports"
    # Asking again for the one already queued is answered with it, and counts nothing.
    assert ask_api(world, world.province, "04").headers["Location"] == first.headers["Location"]
    assert ask_api(world, world.commune, "01273").status_code == 202  # another caller has places of its own
    assert export_runs.build(first.get_json()["id"]) == "done"
    assert ask_api(world, world.province, "01279").status_code == 202  # one done: a place again
    assert exports_count() == 3


def test_the_dashboard_says_so_past_the_limit(world):
    world.app.config["REPORT_EXPORTS_PER_REQUESTER"] = 2
    chair = logged_in(world, "chu-tich")
    first = ask_dashboard(chair, "csv").headers["Location"]
    ask_dashboard(chair, "json")
    refused = ask_dashboard(chair, "xlsx", follow_redirects=True)
    assert refused.status_code == 200
    assert "Ông/Bà đang có 2 tệp báo cáo chờ xuất hoặc đang xuất" in refused.get_data(as_text=True)
    assert ask_dashboard(chair, "csv").headers["Location"] == first
    assert exports_count() == 2


@pytest.mark.postgres_too
def test_two_requests_at_once_cannot_both_take_the_last_place(bare_world, both_looked_first):
    world = bare_world
    world.app.config["REPORT_EXPORTS_PER_REQUESTER"] = 1
    answers = at_once(lambda: ask_api(world, world.province, "01273"), lambda: ask_api(world, world.province, "01279"))
    assert sorted(answer.status_code for answer in answers) == [202, 429]
    assert exports_count() == 1


def test_an_export_whose_job_was_lost_is_neither_reused_nor_counted(world, redis_server):
    world.app.config["REPORT_EXPORTS_PER_REQUESTER"] = 1
    assert ask_api(world, world.province, "04").status_code == 202
    assert ask_api(world, world.province, "01273").status_code == 429
    Redis.from_url(redis_server.url).flushdb()  # a Redis restarted without its data: the job is lost
    with clock.running_from(AFTER_QUARTER + timedelta(minutes=2)):
        elsewhere = ask_api(world, world.province, "01273")
        assert elsewhere.status_code == 202, "the lost export does not hold the only place"
    Redis.from_url(redis_server.url).flushdb()
    with clock.running_from(AFTER_QUARTER + timedelta(minutes=4)):
        again = ask_api(world, world.province, "01273")
    assert again.status_code == 202 and again.headers["Location"] != elsewhere.headers["Location"]


def test_the_live_report_is_built_once_per_fold_generation_whoever_asks(world, monkeypatch):
    # A commune's report: live (a province's is compiled from snapshots, never cached).
    built = []
    build_report = filing.build_report
    monkeypatch.setattr(filing, "build_report", lambda unit, period: built.append(unit.code) or build_report(unit, period))
    client, key = world.app.test_client(), {"Authorization": f"Bearer {world.province}"}
    report = client.get(f"/api/v1/units/01273/report?period={QUARTER}", headers=key)
    assert report.status_code == 200
    assert client.get(f"/api/v1/units/01273/report.csv?period={QUARTER}", headers=key).status_code == 200
    row = export_runs.request_export(Unit.by_code("01273"), parse_period(QUARTER), None, "json", audience=INTERNAL)
    assert export_runs.build(row.id) == "done"
    assert built == ["01273"]
    bump_generation()
    again = client.get(f"/api/v1/units/01273/report?period={QUARTER}", headers=key).get_json()
    assert built == ["01273", "01273"]
    assert again["satisfaction"] == report.get_json()["satisfaction"]

"""Asking for a poster PDF again, at once, or too often: the same PDF is answered again while
it is queued, running, or built and still current (nothing it shows has changed); two
identical requests at once make one job; a caller has at most POSTER_SHEETS_PER_REQUESTER
PDFs queued or running (the API's 429, the dashboard's Vietnamese message), counted apart
from its report exports."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from dashboard_helpers import csrf_token, log_in, make_user
from factories import counter, create_key, tree
from races import at_once, hold_both_at_the_new_id
from redis import Redis
from sqlalchemy import func, select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Counter, PosterSheet, ReportExport, Unit
from feedback_service.people.api_clients import client_for_key
from feedback_service.ratings import poster_runs

MOMENT = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(make_app, tmp_path):
    """The unit tree with three counters, every poster PDF queued (none drawn in the request)."""
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), POSTER_INLINE_MAX=-1)
    with app.app_context(), clock.running_from(MOMENT):
        _province, commune_a, commune_b = tree()
        counter(commune_a, "Q1")
        counter(commune_a, "Q2")
        counter(commune_b, "Q1")
        runner = app.test_cli_runner()
        yield SimpleNamespace(app=app, runner=runner, province=create_key(runner, "04"),
                              commune=create_key(runner, "01273"))


def ask_api(world, key: str, code: str = "04", layout: str = "1up"):
    return world.app.test_client().get(f"/api/v1/units/{code}/posters.pdf?layout={layout}",
                                       headers={"Authorization": f"Bearer {key}"})


def sheets_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PosterSheet))


def logged_in_chair(world):
    make_user(world.runner, "chu-tich", "unit_manager", "01273")
    client = world.app.test_client()
    assert log_in(client, "chu-tich").status_code == 302
    return client


def ask_dashboard(client, layout: str = "1up", code: str = "01273", **options):
    return client.post(f"/dashboard/units/{code}/posters", **options,
                       data={"layout": layout, "csrf_token": csrf_token(client, f"/dashboard/units/{code}/manage")})


@pytest.fixture
def both_looked_first(monkeypatch):
    hold_both_at_the_new_id(monkeypatch, poster_runs)


def test_the_api_answers_the_same_location_while_the_pdf_is_current(world):
    first = ask_api(world, world.province)
    assert first.status_code == 202
    location = first.headers["Location"]
    again = ask_api(world, world.province)
    assert (again.status_code, again.headers["Location"]) == (202, location)  # queued
    assert ask_api(world, world.province, layout="4up").headers["Location"] != location  # another layout
    assert poster_runs.build(first.get_json()["id"]) == "done"
    built = ask_api(world, world.province)
    assert built.headers["Location"] == location and built.get_json()["status"] == "done"
    assert built.get_json()["download_url"] == f"{location}/download"
    assert sheets_count() == 2


@pytest.mark.parametrize("change", ["renamed", "new_qr", "retired", "added", "unit_renamed"])
def test_a_built_pdf_is_drawn_anew_once_anything_it_shows_changed(world, change):
    first = ask_api(world, world.province)
    assert poster_runs.build(first.get_json()["id"]) == "done"
    assert ask_api(world, world.province).headers["Location"] == first.headers["Location"]  # nothing changed yet
    desk = db.session.scalar(select(Counter).order_by(Counter.id).limit(1))
    if change == "renamed":
        desk.name = "Quầy 1 — Tư pháp, hộ tịch"
    elif change == "new_qr":
        desk.qr_version += 1  # the printed QR no longer opens the form
    elif change == "retired":
        desk.active = False
    elif change == "unit_renamed":
        Unit.by_code("01279").name = "Phường Nùng Trí Cao (mới)"
    db.session.commit()
    if change == "added":
        counter(Unit.by_code("01279"), "Q2")
    redrawn = ask_api(world, world.province)
    assert redrawn.status_code == 202 and redrawn.headers["Location"] != first.headers["Location"]
    assert redrawn.get_json()["status"] == "queued"


def test_a_built_pdf_whose_link_expired_is_drawn_anew(world):
    first = ask_api(world, world.province)
    assert poster_runs.build(first.get_json()["id"]) == "done"
    with clock.running_from(MOMENT + timedelta(hours=23)):
        assert ask_api(world, world.province).headers["Location"] == first.headers["Location"]
    with clock.running_from(MOMENT + timedelta(days=2)):
        assert ask_api(world, world.province).headers["Location"] != first.headers["Location"]


def test_the_dashboard_answers_the_same_pdf_again_while_it_is_current(world):
    chair = logged_in_chair(world)
    first = ask_dashboard(chair).headers["Location"]
    assert first.startswith("/dashboard/poster-sheets/")
    assert ask_dashboard(chair).headers["Location"] == first
    assert poster_runs.build(first.rsplit("/", 1)[1]) == "done"
    assert ask_dashboard(chair).headers["Location"] == first
    assert ask_api(world, world.commune, "01273").headers["Location"].rsplit("/", 1)[1] == first.rsplit("/", 1)[1]
    assert sheets_count() == 1


@pytest.mark.postgres_too
def test_two_identical_requests_at_once_make_one_job(world, both_looked_first):
    # Two callers (the province's key and the commune's), so that only the PDF itself is shared.
    answers = at_once(lambda: ask_api(world, world.province, "01273"), lambda: ask_api(world, world.commune, "01273"))
    assert [answer.status_code for answer in answers] == [202, 202]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert sheets_count() == 1


def test_a_caller_has_at_most_a_few_pdfs_queued_or_running(world):
    world.app.config["POSTER_SHEETS_PER_REQUESTER"] = 1
    first = ask_api(world, world.province, "04")
    assert first.status_code == 202
    refused = ask_api(world, world.province, "01273")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.get_json()["error"]["code"] == "too_many_poster_sheets"
    # Asking again for the one already queued is answered with it, and counts nothing.
    assert ask_api(world, world.province, "04").headers["Location"] == first.headers["Location"]
    assert ask_api(world, world.commune, "01273").status_code == 202  # another caller has places of its own
    assert poster_runs.build(first.get_json()["id"]) == "done"
    assert ask_api(world, world.province, "01279").status_code == 202  # one done: a place again
    assert sheets_count() == 3


def test_report_exports_queued_do_not_take_a_callers_poster_places(world):
    world.app.config["POSTER_SHEETS_PER_REQUESTER"] = 1
    world.app.config["REPORT_EXPORTS_PER_REQUESTER"] = 1
    client_id = client_for_key(world.province).id
    db.session.add(ReportExport(id="e" * 32, unit_id=Unit.by_code("04").id, period="2026-Q3", format="xlsx",
                                status="running", progress=0, requested_by_client_id=client_id,
                                created_at=clock.now(), updated_at=clock.now(), request_key="held"))
    db.session.commit()
    assert ask_api(world, world.province, "01273").status_code == 202  # the export is counted apart
    assert ask_api(world, world.province, "01279").status_code == 429  # the poster PDF is not


def test_the_dashboard_says_so_past_the_limit(world):
    world.app.config["POSTER_SHEETS_PER_REQUESTER"] = 1
    chair = logged_in_chair(world)
    first = ask_dashboard(chair, "1up").headers["Location"]
    refused = ask_dashboard(chair, "4up", follow_redirects=True)
    assert refused.status_code == 200
    assert "Ông/Bà đang có 1 tệp mã QR chờ tạo hoặc đang tạo" in refused.get_data(as_text=True)
    assert ask_dashboard(chair, "1up").headers["Location"] == first
    assert sheets_count() == 1


@pytest.mark.postgres_too
def test_two_requests_at_once_cannot_both_take_the_last_place(world, both_looked_first):
    world.app.config["POSTER_SHEETS_PER_REQUESTER"] = 1
    answers = at_once(lambda: ask_api(world, world.province, "01273"), lambda: ask_api(world, world.province, "01279"))
    assert sorted(answer.status_code for answer in answers) == [202, 429]
    assert sheets_count() == 1


def test_a_pdf_whose_job_was_lost_is_neither_reused_nor_counted(world, redis_server):
    world.app.config["POSTER_SHEETS_PER_REQUESTER"] = 1
    assert ask_api(world, world.province, "04").status_code == 202
    assert ask_api(world, world.province, "01273").status_code == 429
    Redis.from_url(redis_server.url).flushdb()  # a Redis restarted without its data: the job is lost
    with clock.running_from(MOMENT + timedelta(minutes=2)):
        elsewhere = ask_api(world, world.province, "01273")
        assert elsewhere.status_code == 202, "the lost PDF does not hold the only place"
    Redis.from_url(redis_server.url).flushdb()
    with clock.running_from(MOMENT + timedelta(minutes=4)):
        again = ask_api(world, world.province, "01273")
    assert again.status_code == 202 and again.headers["Location"] != elsewhere.headers["Location"]

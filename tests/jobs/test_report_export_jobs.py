"""Report exports built by a real RQ worker (burst mode, real Redis): 202, poll, download;
a job that fails and a job that was lost are reported failed, never "running" forever;
the periodic sweep deletes expired files."""
from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from factories import create_key
from ratings_helpers import run_worker
from redis import Redis
from export_scene import AFTER_QUARTER, QUARTER, report_scene
from rq import Queue

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.jobs import LONG, PERIODIC_JOBS, SWEEP_REPORT_EXPORTS, enqueue
from feedback_service.models import Rating, ReportExport
from feedback_service.reports.files import export_runs


@pytest.fixture
def world(make_app, tmp_path):
    app = make_app(REPORT_EXPORT_DIR=str(tmp_path / "exports"), REPORT_EXPORT_INLINE_MAX=10)
    with app.app_context(), clock.running_from(AFTER_QUARTER):
        report_scene()
        key = create_key(app.test_cli_runner(), "04", scope="reports")
        yield app, app.test_client(), {"Authorization": f"Bearer {key}"}


def test_a_large_export_is_built_by_the_worker_polled_and_downloaded(world, redis_server):
    app, client, auth = world
    asked = client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth)
    assert asked.status_code == 202
    poll_url = asked.headers["Location"]

    assert run_worker(redis_server.url) == 1

    state = client.get(poll_url, headers=auth).get_json()
    ratings = db.session.query(Rating).count()
    assert state["status"] == "done", state
    assert state["progress"] == {"rows_written": ratings, "rows_total": ratings}
    assert state["download_url"] == f"{poll_url}/download"
    expires = clock.as_utc(db.session.get(ReportExport, state["id"]).expires_at)
    assert expires - clock.now() > timedelta(hours=23)
    download = client.get(state["download_url"], headers=auth)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=bao-cao-04-2026-Q3.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert book["Ý kiến"].max_row == 9 + ratings
    report = client.get(f"/api/v1/units/04/report?period={QUARTER}", headers=auth).get_json()
    summary = {row[1]: row[2] for row in book["Tổng hợp"].iter_rows(min_row=11, values_only=True)}
    assert summary["satisfaction_pct"] == report["satisfaction"]["satisfaction_pct"]


def test_a_failing_job_is_reported_failed(world, redis_server, monkeypatch):
    app, client, auth = world
    asked = client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth).get_json()
    row = db.session.get(ReportExport, asked["id"])
    row.period = "2026-Q9"  # a row the job cannot read (a hand-edited database)
    db.session.commit()
    connection = Redis.from_url(redis_server.url)
    from rq import SimpleWorker

    # The first attempt fails and records it; its one retry waits in the scheduled registry.
    SimpleWorker([Queue(LONG, connection=connection)], connection=connection).work(burst=True)
    db.session.expire_all()
    state = client.get(asked["poll_url"], headers=auth).get_json()
    assert state["status"] == "failed"
    assert "PeriodInvalid" in state["error"]
    assert state["download_url"] is None
    assert not list(export_runs.export_dir().glob("*.part"))


def test_a_lost_job_is_reported_failed_not_running_forever(world, redis_server):
    app, client, auth = world
    asked = client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth).get_json()
    Redis.from_url(redis_server.url).flushdb()  # a Redis restarted without its data
    assert client.get(asked["poll_url"], headers=auth).get_json()["status"] == "queued"  # not yet: it may start
    with clock.running_from(AFTER_QUARTER + timedelta(minutes=2)):
        state = client.get(asked["poll_url"], headers=auth).get_json()
    assert state["status"] == "failed"
    assert "lost" in state["error"]


def test_the_periodic_sweep_deletes_expired_files(world, redis_server):
    app, client, auth = world
    assert SWEEP_REPORT_EXPORTS in {job.func for job in PERIODIC_JOBS}
    client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers=auth)
    run_worker(redis_server.url)
    files = list(export_runs.export_dir().iterdir())
    assert len(files) == 1
    enqueue(SWEEP_REPORT_EXPORTS, retries=0)
    run_worker(redis_server.url)
    assert files[0].exists(), "not expired yet"
    with clock.running_from(AFTER_QUARTER + timedelta(days=2)):
        enqueue(SWEEP_REPORT_EXPORTS, retries=0)
        run_worker(redis_server.url)
    assert not files[0].exists()


def test_the_published_xlsx_has_no_responses_and_is_built_at_once(world):
    """A key without the report scope reads the published copy: no row per citizen, so
    nothing that needs a job however many ratings the period holds."""
    app, client, _ = world
    plain = create_key(app.test_cli_runner(), "04", name="Đồng bộ hồ sơ")
    answer = client.get(f"/api/v1/units/04/report.xlsx?period={QUARTER}", headers={"Authorization": f"Bearer {plain}"})
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    assert "Ý kiến" not in book.sheetnames and "Cán bộ" not in book.sheetnames
    assert db.session.query(ReportExport).count() == 0

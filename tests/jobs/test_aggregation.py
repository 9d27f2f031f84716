"""Ratings through a real RQ worker on a real Redis into exact summaries."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import counter, officer, tree, unit
from ratings_helpers import expected, figures, run_worker, submit_many, too_few
from redis import Redis
from rq import Queue
from sqlalchemy import select

from feedback_service.summaries import fold as aggregation
from feedback_service.summaries.fold import fold_all, rebuild
from feedback_service.extensions import db
from feedback_service.models import PendingFold, Rating, SummaryAnswer, SummaryTotal
from feedback_service.jobs import AGGREGATION
from feedback_service.clock import local_day
from feedback_service.ratings.tokens import counter_token

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres_too


@pytest.fixture
def setting(app):
    province, commune_a, commune_b = tree()
    desks = [counter(commune_a, "Q1"), counter(commune_a, "Q2"), counter(commune_b, "Q1")]
    officer(desks[0], "CB-A1")
    return province, commune_a, commune_b, desks


def summary(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def snapshot() -> tuple[list, list]:
    totals = db.session.execute(select(
        SummaryTotal.scope, SummaryTotal.scope_id, SummaryTotal.grain, SummaryTotal.day, SummaryTotal.responses,
        SummaryTotal.flagged, SummaryTotal.last_submitted_at,
    ).order_by(SummaryTotal.scope, SummaryTotal.scope_id, SummaryTotal.grain, SummaryTotal.day)).all()
    answers = db.session.execute(select(
        SummaryAnswer.scope, SummaryAnswer.scope_id, SummaryAnswer.grain, SummaryAnswer.day,
        SummaryAnswer.question, SummaryAnswer.answer, SummaryAnswer.n,
    ).order_by(SummaryAnswer.scope, SummaryAnswer.scope_id, SummaryAnswer.grain, SummaryAnswer.day,
               SummaryAnswer.question, SummaryAnswer.answer)).all()
    return [tuple(r) for r in totals], [tuple(r) for r in answers]


def test_worker_folds_into_exact_summaries_at_every_level(app, client, redis_server, setting):
    province, commune_a, commune_b, desks = setting
    sent = submit_many(client, desks, 120)
    assert run_worker(redis_server.url) >= 1
    assert db.session.query(PendingFold).count() == 0

    all_bodies = [b for _, b in sent]
    a_bodies = [b for cid, b in sent if cid in (desks[0].id, desks[1].id)]
    b_bodies = [b for cid, b in sent if cid == desks[2].id]
    top = summary(client, "/api/v1/units/04/summary")
    assert figures(top) == expected(all_bodies)
    children = {c["code"]: c for c in top["children"]}
    assert figures(children["01273"]) == expected(a_bodies)
    assert figures(children["01279"]) == expected(b_bodies)
    assert figures(summary(client, "/api/v1/units/01273/summary")) == expected(a_bodies)
    q2 = [b for cid, b in sent if cid == desks[1].id]
    assert figures(summary(client, f"/api/v1/counters/{desks[1].id}/summary")) == expected(q2)
    assert top["as_of"] is not None and top["flagged"] == 0


def test_a_burst_is_coalesced_into_few_jobs(app, client, redis_server, setting):
    *_, desks = setting
    submit_many(client, desks, 50)
    queued = Queue(AGGREGATION, connection=Redis.from_url(redis_server.url)).count
    assert queued == 1  # 50 ratings, one job: the nudge key was already set


def test_fold_twice_counts_once(app, client, redis_server, setting):
    *_, desks = setting
    sent = submit_many(client, desks, 30)
    fold_all(1000)
    first = snapshot()
    assert fold_all(1000) == 0
    run_worker(redis_server.url)
    assert snapshot() == first
    assert figures(summary(client, "/api/v1/units/04/summary")) == expected([b for _, b in sent])


def test_fold_that_fails_midway_leaves_everything_for_the_next(app, client, setting, monkeypatch):
    *_, desks = setting
    sent = submit_many(client, desks, 25)
    real_write = aggregation.Deltas.write

    def write_then_die(self):
        real_write(self)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(aggregation.Deltas, "write", write_then_die)
    with pytest.raises(RuntimeError):
        fold_all(10)
    assert snapshot() == ([], [])
    assert db.session.query(PendingFold).count() == 25
    monkeypatch.setattr(aggregation.Deltas, "write", real_write)
    assert fold_all(10) == 25
    assert figures(summary(client, "/api/v1/units/04/summary")) == expected([b for _, b in sent])


KILLED_FOLD = """
import sys, time
sys.path.insert(0, {root!r})
from feedback_service import create_app
from feedback_service.summaries import fold as aggregation
app = create_app({config!r})
real = aggregation.Deltas.write
def slow(self):
    real(self)
    print("written", flush=True)
    time.sleep(60)
aggregation.Deltas.write = slow
with app.app_context():
    aggregation.fold_all(1000)
"""


def test_fold_process_killed_mid_transaction_loses_and_doubles_nothing(app, client, setting):
    *_, desks = setting
    sent = submit_many(client, desks, 40)
    config = {k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL")}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_FOLD.format(root=str(ROOT), config=config)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    db.session.rollback()
    assert snapshot() == ([], [])
    assert db.session.query(PendingFold).count() == 40
    fold_all(1000)
    assert figures(summary(client, "/api/v1/units/04/summary")) == expected([b for _, b in sent])


def test_rebuild_equals_incremental(app, client, redis_server, setting):
    *_, desks = setting
    submit_many(client, desks, 80, seed=11)
    run_worker(redis_server.url)
    submit_many(client, desks, 40, seed=12)
    fold_all(7)  # small batches: many upserts onto the same rows
    incremental = snapshot()
    assert rebuild(batch_size=13) == 120
    assert snapshot() == incremental


def test_rebuild_cli_keeps_newer_pending_ratings(app, client, runner, setting):
    *_, desks = setting
    submit_many(client, desks, 10)
    result = runner.invoke(args=["rebuild"])
    assert result.exit_code == 0 and "10 ratings" in result.output
    assert db.session.query(PendingFold).count() == 0
    assert summary(client, "/api/v1/units/04/summary")["responses"] == 10


def test_rollup_over_three_levels(app, client, redis_server):
    province = unit("04", "Tỉnh Cao Bằng", kind="tỉnh")
    district = unit("040", "Huyện cũ", province, kind="huyện")
    commune = unit("01300", "Xã A", district)
    other = unit("01301", "Xã B", province)
    deep, shallow = counter(commune), counter(other)
    sent = submit_many(client, [deep, shallow], 60, seed=3)
    run_worker(redis_server.url)
    top = summary(client, "/api/v1/units/04/summary")
    assert figures(top) == expected([b for _, b in sent])
    assert [c["code"] for c in top["children"]] == ["01301", "040"]
    middle = summary(client, "/api/v1/units/040/summary")
    assert figures(middle) == expected([b for cid, b in sent if cid == deep.id])
    assert [c["code"] for c in middle["children"]] == ["01300"]


def test_merged_unit_rolls_into_its_successor(app, client):
    province, commune_a, commune_b = tree()
    old = unit("01290", "Xã cũ", province)
    desk = counter(old)
    sent = submit_many(client, [desk], 5)
    old.successor_id, old.active = commune_a.id, False
    db.session.commit()
    rebuild()  # a merge changes the tree: summaries are rebuilt from the records
    merged_into = summary(client, "/api/v1/units/01273/summary")
    assert figures(merged_into) == expected([b for _, b in sent])
    assert "01290" not in [c["code"] for c in summary(client, "/api/v1/units/04/summary")["children"]]
    # The old commune's own history is still attributable to it.
    assert summary(client, "/api/v1/units/01290/summary")["responses"] == 5


def test_ratings_accepted_while_redis_is_down_are_folded_later(make_app, redis_server):
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with down.app_context():
        _, commune, _ = tree()
        token = counter_token(counter(commune))
    response = down.test_client().post("/api/v1/ratings", json={"token": token, "overall": 5})
    assert response.status_code == 201
    with down.app_context():
        assert db.session.query(PendingFold).count() == 1
    # Redis is back: the scheduler's sweep (the same job) folds what the nudge missed.
    up = make_app(REDIS_URL=redis_server.url, SQLALCHEMY_DATABASE_URI=down.config["SQLALCHEMY_DATABASE_URI"])
    with up.app_context():
        from worker.aggregation import fold_pending

        assert fold_pending() == 1
        assert up.test_client().get("/api/v1/units/04/summary").get_json()["responses"] == 1


def _store_at(desk, moment: datetime, overall: int) -> None:
    rating = Rating(submitted_at=moment, local_day=local_day(moment), unit_id=desk.unit_id, counter_id=desk.id,
                    channel="api", instrument_version="sipas-6biet-v1", overall=overall, conduct={}, elements={})
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()


def test_days_are_vietnamese_days(app, client):
    _, commune, _ = tree()
    desk = counter(commune)
    # Five each side of midnight, so the figures are published (not a small cell).
    for second in range(5):
        _store_at(desk, datetime(2026, 3, 1, 16, 59, 50 + second, tzinfo=timezone.utc), 5)  # 23:59 on 1 March in Hà Nội
        _store_at(desk, datetime(2026, 3, 1, 17, 0, second, tzinfo=timezone.utc), 1)   # 00:00 on 2 March
    fold_all(100)
    march_1 = summary(client, "/api/v1/units/01273/summary?from=2026-03-01&to=2026-03-01")
    assert march_1["responses"] == 5 and march_1["overall"]["5"] == 5
    assert march_1["as_of"] == "2026-03-01T16:59:00+00:00"  # to the minute
    march_2 = summary(client, "/api/v1/units/01273/summary?from=2026-03-02")
    assert march_2["responses"] == 5 and march_2["overall"]["1"] == 5
    assert summary(client, "/api/v1/units/01273/summary?to=2026-02-28")["responses"] == 0
    assert local_day(datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)) == date(2026, 3, 2)


@pytest.mark.timeout(60)
def test_rating_visible_in_commune_and_province_within_five_seconds(app, client, redis_server, setting):
    """The real process roles: a `flask worker` subprocess folds what the web accepted."""
    env = dict(os.environ, SECRET_KEY=app.config["SECRET_KEY"], REDIS_URL=redis_server.url,
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PYTHONPATH=str(ROOT))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "feedback_service", "worker"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)  # let the worker start listening before the clock starts
        *_, desks = setting
        token = counter_token(desks[0])
        started = time.monotonic()
        assert client.post("/api/v1/ratings", json={"token": token, "overall": 4}).status_code == 201
        while time.monotonic() - started < 5:
            commune = summary(client, "/api/v1/units/01273/summary")["responses"]
            province = summary(client, "/api/v1/units/04/summary")["responses"]
            if commune == province == 1:
                break
            time.sleep(0.1)
        assert commune == province == 1, "not folded within 5 seconds"
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0  # warm shutdown on SIGTERM


def test_concurrent_folds_count_every_rating_once(app, client, setting):
    """Three folds at once, as several workers would run them: nothing twice, nothing lost."""
    import threading

    *_, desks = setting
    sent = submit_many(client, desks, 150, seed=5)
    failures = []

    def fold_in_own_context():
        try:
            with app.app_context():
                fold_all(10)
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=fold_in_own_context) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert db.session.query(PendingFold).count() == 0
    assert figures(summary(client, "/api/v1/units/04/summary")) == expected([b for _, b in sent])
    incremental = snapshot()
    rebuild()
    assert snapshot() == incremental


def test_any_period_counts_each_rating_once(app, client):
    """Month buckets and loose days combine exactly: brute force over random periods."""
    import random

    _, commune, _ = tree()
    desk = counter(commune)
    rng = random.Random(9)
    days = []
    for _ in range(300):
        moment = datetime(2025, 11, 1, 3, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 20))
        level = rng.randint(1, 5)
        _store_at(desk, moment, level)
        days.append((local_day(moment), level))
    fold_all(1000)
    start = date(2025, 10, 20)
    periods = [(None, None), (date(2025, 12, 1), date(2025, 12, 31)), (date(2025, 12, 1), None),
               (None, date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 1)), (date(2025, 12, 31), date(2026, 1, 1))]
    for _ in range(40):
        a, b = sorted(start + timedelta(days=rng.randint(0, 180)) for _ in range(2))
        periods.append((a, b))
    for a, b in periods:
        query = "&".join(f"{name}={value}" for name, value in (("from", a), ("to", b)) if value)
        body = summary(client, f"/api/v1/units/01273/summary?{query}")
        inside = [level for day, level in days if (a is None or day >= a) and (b is None or day <= b)]
        assert body["responses"] == len(inside), (a, b)
        counts = {str(k): inside.count(k) for k in range(1, 6)}
        assert body["overall"] == (None if too_few(len(inside)) else counts), (a, b)


def test_every_flag_reason_and_channel_folds(app, setting):
    """The fold counts each rating's channel and flag reason as answers: the longest of
    them must fit the answers table on PostgreSQL too (a 10-character column once made
    the fold refuse every batch holding an over-allowance rating, holding back the
    ratings behind it for ever)."""
    from feedback_service.models.ratings import CHANNELS
    from feedback_service.ratings.instrument import current_instrument
    from feedback_service.ratings.submission import Answers, store_rating
    from feedback_service.reports.satisfaction import FLAG_REASONS

    *_, desks = setting
    instrument = current_instrument()
    answers = Answers(overall=4, conduct={}, elements={})
    for channel in CHANNELS:
        store_rating(answers, desks[0], None, channel=channel, instrument=instrument)
    for reason in FLAG_REASONS:
        store_rating(answers, desks[0], None, channel="counter_qr", instrument=instrument, flag_reason=reason)
    assert fold_all(1000) == len(CHANNELS) + len(FLAG_REASONS)
    assert db.session.query(PendingFold).count() == 0
    counted = {(question, answer) for question, answer in db.session.execute(
        select(SummaryAnswer.question, SummaryAnswer.answer).where(SummaryAnswer.scope == "counter"))}
    assert {("channel", channel) for channel in CHANNELS} <= counted
    assert {("flag", reason) for reason in FLAG_REASONS} <= counted

"""`flask demo load`: Cao Bằng's real communes, demo counters and officers, optional history
(counter ratings, dossiers and their ratings, complaint cases)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from feedback_service.cases.workflow import backfill
from feedback_service.demo.cao_bang import DEMO_DAYS, DEMO_RATING_COUNT, first_counter_id, load_demo
from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.ratings.instrument import current_instrument
from feedback_service.ratings.tokens import counter_url
from feedback_service.models import Case, Counter, Dossier, Officer, PendingFold, Rating, SummaryTotal, Unit


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts() -> dict[str, int]:
    return {m.__name__: _count(m) for m in (Unit, Counter, Officer, Rating, PendingFold, SummaryTotal, Dossier, Case)}


def test_demo_load_twice_gives_the_same_rows_and_no_ratings(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert _counts() == counts

    assert counts["Rating"] == 0
    province = Unit.by_code("04")
    assert province.name == "Cao Bằng"
    assert counts["Unit"] == 1 + db.session.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_id == province.id))
    # Counters in several real communes of Cao Bằng, officers at them.
    communes = db.session.scalars(select(Unit).join(Counter).distinct()).all()
    assert 3 <= len(communes) <= 4
    assert all(c.parent_id == province.id and len(c.code) == 5 for c in communes)
    assert counts["Counter"] >= 6 and counts["Officer"] >= 8
    assert "Nông Thị Hoa" in db.session.scalars(select(Officer.name)).all()

    desk = db.session.get(Counter, first_counter_id())
    assert (desk.unit.code, desk.code, desk.name) == ("01273", "Q1", "Quầy 1 — Tư pháp, hộ tịch")
    assert f"poster: http://sipas.test/counters/{desk.id}/poster" in again.output
    assert f"feedback page: {counter_url(desk)}" in again.output
    assert "counters: 0 created, 0 updated" in again.output


def _counter_ratings() -> list[Rating]:
    return db.session.scalars(select(Rating).where(Rating.channel == "counter_qr")).all()


def test_demo_ratings_are_folded_and_reported(runner, client):
    result = runner.invoke(args=["demo", "load", "--ratings"])
    assert result.exit_code == 0, result.output
    dossier_ratings = _count(Rating) - DEMO_RATING_COUNT
    assert dossier_ratings > 0
    assert (f"ratings: {DEMO_RATING_COUNT} at counters + {dossier_ratings} from dossiers created, "
            f"{DEMO_RATING_COUNT + dossier_ratings} folded") in result.output
    assert _count(PendingFold) == 0
    # Every comment or negative answer of an unflagged rating has its complaint case.
    cases = _count(Case)
    assert cases > 0 and f"{cases} complaint cases opened" in result.output
    assert backfill() == 0

    ratings = db.session.scalars(select(Rating)).all()
    unflagged = [r for r in ratings if r.flag_reason is None]
    assert 0 < len(ratings) - len(unflagged) < len(ratings) // 10

    summary = client.get("/api/v1/units/04/summary").get_json()
    assert summary["responses"] == len(unflagged)
    assert summary["flagged"] == len(ratings) - len(unflagged)
    assert sum(child["responses"] for child in summary["children"]) == len(unflagged)
    # Mostly satisfied, but not suspiciously so.
    assert 70 <= summary["satisfaction_pct"] <= 95
    assert set(summary["overall"]) == {"1", "2", "3", "4", "5"}

    desk_id = first_counter_id()
    desk_summary = client.get(f"/api/v1/counters/{desk_id}/summary").get_json()
    assert desk_summary["responses"] == sum(1 for r in unflagged if r.counter_id == desk_id)


def test_demo_ratings_look_like_counter_traffic(calendar_day, app, runner):
    assert runner.invoke(args=["demo", "load"], env={"DEMO_RATINGS": "1"}).exit_code == 0
    zone = ZoneInfo(app.config["LOCAL_TIMEZONE"])
    instrument = current_instrument()
    now = clock.now()
    ratings = _counter_ratings()
    assert len(ratings) == DEMO_RATING_COUNT
    for rating in ratings:
        submitted = rating.submitted_at.replace(tzinfo=timezone.utc)
        local = submitted.astimezone(zone)
        assert now - timedelta(days=DEMO_DAYS + 1) < submitted < now
        assert rating.local_day == local.date()
        assert local.weekday() < 5
        assert time(7, 30) <= local.time() < time(11, 30) or time(13, 30) <= local.time() < time(17, 0)
        assert rating.channel == "counter_qr"
        assert rating.instrument_version == instrument.version
        assert set(rating.conduct) == set(instrument.conduct_keys)
        assert set(rating.elements) <= set(instrument.element_keys)
        assert all(1 <= v <= 5 for v in rating.elements.values())
        assert 1 <= rating.overall <= 5
        assert db.session.get(Counter, rating.counter_id).unit_id == rating.unit_id
        if rating.officer_id is not None:
            assert db.session.get(Officer, rating.officer_id).counter_id == rating.counter_id
    assert sum(r.overall >= 4 for r in ratings) > 0.7 * len(ratings)
    assert any(r.overall <= 2 for r in ratings)
    assert any(r.elements for r in ratings) and any(not r.elements for r in ratings)
    assert 0 < sum(r.comment is not None for r in ratings) < len(ratings) // 4
    assert any(v is None for r in ratings for v in r.conduct.values())


def test_demo_ratings_are_added_only_once(runner):
    assert runner.invoke(args=["demo", "load", "--ratings"]).exit_code == 0
    counts = _counts()
    again = runner.invoke(args=["demo", "load", "--ratings"])
    assert again.exit_code == 0, again.output
    assert "already have ratings" in again.output
    assert _counts() == counts


def test_demo_ratings_are_reproducible(make_app):
    moment = datetime(2025, 10, 1, 3, 0, tzinfo=timezone.utc)
    drawn = []
    for _ in range(2):
        with make_app().app_context():
            load_demo(with_ratings=True, now=moment)
            drawn.append(db.session.execute(
                select(Rating.submitted_at, Rating.counter_id, Rating.officer_id, Rating.dossier_id, Rating.overall,
                       Rating.comment, Rating.flag_reason).order_by(Rating.id)
            ).all())
            db.session.remove()
    assert len(drawn[0]) > DEMO_RATING_COUNT
    assert drawn[0] == drawn[1]


def test_demo_dossiers_give_the_trust_figures_something_to_show(app, runner, client):
    assert runner.invoke(args=["demo", "load", "--ratings"]).exit_code == 0
    zone = ZoneInfo(app.config["LOCAL_TIMEZONE"])
    dossiers = db.session.scalars(select(Dossier)).all()
    returned = [d for d in dossiers if d.returned_at is not None]
    assert 0 < len(returned) < len(dossiers)  # the newest are still in progress
    late = [d for d in returned if d.late]
    assert 0 < len(late) < len(returned) // 5
    assert all(d.apology_issued_at is None or d.late for d in dossiers)
    for dossier in dossiers:
        assert db.session.get(Counter, dossier.counter_id).unit_id == dossier.unit_id
        assert dossier.received_at.replace(tzinfo=timezone.utc).astimezone(zone).date() == dossier.received_day
    rated = db.session.scalars(select(Rating).where(Rating.dossier_id.is_not(None))).all()
    assert 0.15 * len(returned) < len(rated) < 0.35 * len(returned)
    for rating in rated:
        dossier = db.session.get(Dossier, rating.dossier_id)
        assert rating.verified and rating.channel == "dossier_qr" and dossier.returned_at is not None
        assert rating.submitted_at > dossier.returned_at and rating.officer_id == dossier.officer_id

    summary = client.get("/api/v1/units/04/summary").get_json()
    assert summary["dossiers_received"] == len(dossiers)
    assert 80 <= summary["on_time_pct"] < 100
    assert 15 <= summary["response_rate"] <= 35
    assert summary["verified"]["responses"] == len([r for r in rated if r.flag_reason is None])

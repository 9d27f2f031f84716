"""A demo of Cao Bằng: its real communes, a few counters and officers, and
optionally a quarter of plausible history — counter ratings, dossiers from the one-door
e-system (some rated from their receipt QR) and the complaint cases they open — so
every page has something to show.

Idempotent like the imports it drives: loading twice adds nothing. Ratings are
drawn from a seeded generator, so two demos made on the same day agree.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from .. import clock, working_calendar
from ..cases.workflow import backfill
from ..config import PROJECT_ROOT
from ..extensions import db
from ..models import Counter, PendingFold, Rating, Unit
from ..ratings.instrument import current_instrument
from ..summaries.fold import fold_all
from ..transactions import transaction
from ..units.importing import CsvReport, DivisionReport, import_counters, import_divisions, import_officers, read_csv
from .answers import OVERALL_WEIGHTS, WEAK_OFFICER_WEIGHTS, draw_answers, office_moment, officers_by_counter
from .dossiers import DossierReport, add_dossiers

DEMO_PROVINCE = "04"  # Cao Bằng
DEMO_DIR = PROJECT_ROOT / "config" / "demo"
DEMO_SEED = 20250701  # the day the two-tier structure took effect
DEMO_RATING_COUNT = 360
DEMO_DAYS = 90

class DemoDataError(RuntimeError):
    """The shipped demo files do not import cleanly."""


@dataclass
class DemoReport:
    divisions: DivisionReport
    counters: CsvReport
    officers: CsvReport
    ratings_created: int = 0
    ratings_skipped: bool = False
    folded: int = 0
    cases_opened: int = 0
    dossiers: DossierReport = field(default_factory=DossierReport)


def load_demo(with_ratings: bool = False, *, seed: int = DEMO_SEED, count: int = DEMO_RATING_COUNT,
              now: datetime | None = None) -> DemoReport:
    divisions = import_divisions([DEMO_PROVINCE])
    counters = _clean(import_counters(DEMO_DIR / "counters.csv"), "counters.csv")
    officers = _clean(import_officers(DEMO_DIR / "officers.csv"), "officers.csv")
    report = DemoReport(divisions, counters, officers)
    if with_ratings:
        desks = demo_counters()
        already = db.session.scalar(select(Rating.id).where(Rating.counter_id.in_([c.id for c in desks])).limit(1))
        if already is not None:
            report.ratings_skipped = True
        else:
            _add_history(report, desks, random.Random(seed), count, now or clock.now())
            report.folded = fold_all(current_app.config["AGGREGATION_BATCH_SIZE"])
            # Written directly (not through store_rating), so their complaint cases are opened
            # the way old ratings' are: the chair's inbox is not empty in the demo.
            report.cases_opened = backfill()
    return report


def _clean(report: CsvReport, name: str) -> CsvReport:
    if report.problems:
        first = report.problems[0]
        raise DemoDataError(f"{DEMO_DIR / name}:{first.line}: {first.reason}")
    return report


def demo_counters() -> list[Counter]:
    """The demo's counters in the order of counters.csv (missing ones left out)."""
    rows, _ = read_csv(DEMO_DIR / "counters.csv", ("unit_code", "code", "name"))
    keys = [(row.values["unit_code"], row.values["code"]) for row in rows]
    found = {
        (unit_code, counter.code): counter
        for counter, unit_code in db.session.execute(
            select(Counter, Unit.code).join(Unit, Counter.unit_id == Unit.id)
            .where(Unit.code.in_({k[0] for k in keys}))
        )
    }
    return [found[key] for key in keys if key in found]


def first_counter_id() -> int | None:
    """The id of the demo's first counter, whose poster the demo points people to."""
    desks = demo_counters()
    return desks[0].id if desks else None


def _add_history(report: DemoReport, desks: list[Counter], rng: random.Random, count: int, now: datetime) -> None:
    """Counter ratings and dossiers (some rated) over the demo's days, in one commit."""
    zone = clock.local_zone()
    today = now.astimezone(zone).date()
    workdays = [d for d in (today - timedelta(days=n) for n in range(1, DEMO_DAYS + 1)) if d.weekday() < 5]
    everyone = [o for staff in officers_by_counter(desks).values() for o in staff]
    weak = rng.choice(everyone).id if everyone else None  # one officer serves noticeably worse
    with transaction():
        report.ratings_created = add_ratings(desks, rng, count, workdays, weak)
        report.dossiers = add_dossiers(desks, rng, workdays, today, weak, working_calendar.current())


def add_ratings(desks: list[Counter], rng: random.Random, count: int, workdays: list, weak: int | None) -> int:
    """Add (not commit) `count` past counter ratings at `desks` with their outbox rows."""
    instrument = current_instrument()
    zone = clock.local_zone()
    officers = officers_by_counter(desks)
    # Busy counters (land, civil status) take more of the traffic.
    traffic = [rng.uniform(0.5, 2.0) for _ in desks]
    ratings = []
    for _ in range(count):
        desk = rng.choices(desks, weights=traffic)[0]
        staff = officers.get(desk.id, [])
        officer = rng.choice(staff) if staff and rng.random() < 0.85 else None
        moment = office_moment(rng, rng.choice(workdays), zone)
        weights = WEAK_OFFICER_WEIGHTS if officer is not None and officer.id == weak else OVERALL_WEIGHTS
        overall = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
        ratings.append(Rating(
            submitted_at=moment.astimezone(timezone.utc),
            local_day=moment.date(),
            unit_id=desk.unit_id,
            counter_id=desk.id,
            officer_id=officer.id if officer else None,
            channel="counter_qr",
            verified=False,
            instrument_version=instrument.version,
            language="vi",
            overall=overall,
            **draw_answers(rng, instrument, overall),
            # A few repeats inside the cool-down, as real counters see.
            flag_reason="cooldown" if rng.random() < 0.03 else None,
        ))
    ratings.sort(key=lambda r: r.submitted_at)
    db.session.add_all(ratings)
    db.session.flush()
    db.session.add_all(PendingFold(rating_id=r.id) for r in ratings)
    return len(ratings)

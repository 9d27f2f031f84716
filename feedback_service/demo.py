"""A demo of Cao Bằng: its real communes, a few counters and officers, and
optionally a quarter of plausible ratings, so every page has something to show.

Idempotent like the imports it drives: loading twice adds nothing. Ratings are
drawn from a seeded generator, so two demos made on the same day agree.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .aggregation import fold_all
from .cases import backfill
from .config import PROJECT_ROOT
from .extensions import db
from .importing import CsvReport, DivisionReport, import_counters, import_divisions, import_officers, read_csv
from .instrument import Instrument, current_instrument
from .models import Counter, Officer, PendingFold, Rating, Unit

DEMO_PROVINCE = "04"  # Cao Bằng
DEMO_DIR = PROJECT_ROOT / "config" / "demo"
DEMO_SEED = 20250701  # the day the two-tier structure took effect
DEMO_RATING_COUNT = 360
DEMO_DAYS = 90

# Office hours of a one-stop counter, local time: mornings and afternoons, weekdays.
_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
# Weights of overall levels 1..5: mostly satisfied, as self-reported ratings are.
_OVERALL_WEIGHTS = (3, 4, 9, 34, 50)
# One officer per demo serves noticeably worse, so officer reports have a story.
_WEAK_OFFICER_WEIGHTS = (10, 12, 18, 35, 25)
_CONDUCT_YES = {1: 0.25, 2: 0.4, 3: 0.7, 4: 0.95, 5: 0.985}
_COMMENTS = {
    "good": (
        "Cán bộ hướng dẫn tận tình, dễ hiểu.",
        "Làm thủ tục nhanh, không phải đi lại nhiều lần.",
        "Chị cán bộ nói cả tiếng Tày nên tôi hiểu rõ hồ sơ cần gì.",
        "Cảm ơn bộ phận một cửa đã hỗ trợ.",
        "Nhận kết quả đúng hẹn, rất hài lòng.",
    ),
    "neutral": (
        "Phải chờ hơi lâu nhưng cán bộ có xin lỗi.",
        "Nên có thêm ghế ngồi cho người chờ.",
        "Bảng niêm yết thủ tục chữ nhỏ, người già khó đọc.",
    ),
    "bad": (
        "Phải đi lại hai lần vì không được hướng dẫn rõ hồ sơ cần những gì.",
        "Chờ lâu mà không có ai hướng dẫn.",
        "Trả kết quả trễ hẹn nhưng không có phiếu xin lỗi.",
        "Máy lấy số thứ tự bị hỏng, mọi người chen nhau.",
    ),
}


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
            report.ratings_created = add_ratings(desks, random.Random(seed), count,
                                                 now or datetime.now(timezone.utc))
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


def add_ratings(desks: list[Counter], rng: random.Random, count: int, now: datetime) -> int:
    """Store `count` past ratings at `desks` with their outbox rows, in one commit."""
    instrument = current_instrument()
    zone = ZoneInfo(current_app.config["LOCAL_TIMEZONE"])
    officers = _officers_by_counter(desks)
    everyone = [o for staff in officers.values() for o in staff]
    weak = rng.choice(everyone).id if everyone else None
    # Busy counters (land, civil status) take more of the traffic.
    traffic = [rng.uniform(0.5, 2.0) for _ in desks]
    today = now.astimezone(zone).date()
    workdays = [d for d in (today - timedelta(days=n) for n in range(1, DEMO_DAYS + 1)) if d.weekday() < 5]

    ratings = []
    for _ in range(count):
        desk = rng.choices(desks, weights=traffic)[0]
        staff = officers.get(desk.id, [])
        officer = rng.choice(staff) if staff and rng.random() < 0.85 else None
        moment = _office_moment(rng, rng.choice(workdays), zone)
        weights = _WEAK_OFFICER_WEIGHTS if officer is not None and officer.id == weak else _OVERALL_WEIGHTS
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
            conduct=_conduct(rng, instrument, overall),
            elements=_elements(rng, instrument, overall),
            comment=_comment(rng, overall),
            # A few repeats inside the cool-down, as real counters see.
            flag_reason="cooldown" if rng.random() < 0.03 else None,
        ))
    ratings.sort(key=lambda r: r.submitted_at)
    try:
        db.session.add_all(ratings)
        db.session.flush()
        db.session.add_all(PendingFold(rating_id=r.id) for r in ratings)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return len(ratings)


def _officers_by_counter(desks: list[Counter]) -> dict[int, list[Officer]]:
    staff: dict[int, list[Officer]] = {}
    for officer in db.session.scalars(
        select(Officer).where(Officer.counter_id.in_([d.id for d in desks])).order_by(Officer.code)
    ):
        staff.setdefault(officer.counter_id, []).append(officer)
    return staff


def _office_moment(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    start, end = rng.choice(_SESSIONS)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    at = datetime.combine(day, start, tzinfo=zone)
    return at + timedelta(minutes=rng.randrange(minutes), seconds=rng.randrange(60))


def _conduct(rng: random.Random, instrument: Instrument, overall: int) -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {}
    for key in instrument.conduct_keys:
        # Many citizens had nothing to be apologised for, so they leave it open.
        unknown = 0.35 if key == "apologize" else 0.1
        if rng.random() < unknown:
            answers[key] = None
        else:
            answers[key] = rng.random() < _CONDUCT_YES[overall]
    return answers


def _elements(rng: random.Random, instrument: Instrument, overall: int) -> dict[str, int]:
    if rng.random() > 0.45:  # the five elements are optional; fewer than half answer them
        return {}
    return {
        key: min(5, max(1, overall + rng.choice((-1, 0, 0, 0, 1))))
        for key in instrument.element_keys if rng.random() < 0.8
    }


def _comment(rng: random.Random, overall: int) -> str | None:
    if rng.random() > 0.08:
        return None
    mood = "good" if overall >= 4 else "neutral" if overall == 3 else "bad"
    return rng.choice(_COMMENTS[mood])

"""A demo province with a generated quarter (2026-Q3) of ratings and dossiers, for the
period-report acceptance tests (the JSON report's, and the XLSX export's: build the scene
with `build_report_scene()` inside an app context and `clock.running_from(SCENE_NOW)`).

Seeded, so every run builds the same scene. Four communes of Tỉnh Cao Bằng (one with a
former commune merged into it, whose history rolls into it), two counters and four
officers each, ~1,800 counter ratings around the quarter (some on its edges at local
midnight, some flagged), and ~1,100 dossiers: online, in person and by post, received
before the quarter (carried over), in it and after it; returned early, on the due day
and late (flagged late by the e-system, or only by their dates, or flagged on time
after an extension), still pending at the quarter's end (within time or overdue, some
returned after it), with and without a due date, due in the early morning (when UTC
still reads the day before), cancelled; a third rated from the receipt's QR, some
negatively, some after the quarter, some flagged.

`Scene.dossiers` keeps each dossier's facts as plain values, so a test can recompute
Biểu II.06a from them without the code under test.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from factories import counter, officer, unit

from feedback_service.working_calendar import WEEKDAYS_ONLY
from feedback_service.demo.answers import OVERALL_WEIGHTS, WEAK_OFFICER_WEIGHTS, draw_answers
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.ratings.instrument import current_instrument
from feedback_service.summaries.fold import fold_all

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "2026-Q3"
QUARTER_FROM, QUARTER_TO = date(2026, 7, 1), date(2026, 9, 30)
# The scene is looked at on 2 October: the quarter has closed, its report is due 5 October.
SCENE_NOW = datetime(2026, 10, 2, 10, 0, tzinfo=HANOI)
FIRST_DAY, LAST_DAY = date(2026, 5, 20), date(2026, 10, 1)
PROVINCE = "04"
COMMUNES = {"01273": "Phường Thục Phán", "01279": "Phường Nùng Trí Cao", "01282": "Phường Tân Giang",
            "01288": "Xã Hòa An"}
MERGED = ("01276", "Xã Hưng Đạo (cũ)", "01273")  # merged into Thục Phán in 2025
PROCEDURES = (("1.001", "Đăng ký khai sinh", 0), ("1.002", "Đăng ký kết hôn", 3),
              ("2.001", "Chứng thực bản sao", 0), ("3.001", "Đăng ký biến động đất đai", 10),
              ("4.001", "Xác nhận hộ nông nghiệp", 5), ("5.001", "Cấp phép xây dựng", 15))
CHANNELS = (("in_person", 5), ("online", 4), ("post", 1))
FLAG_REASONS = ("cooldown", "honeypot", "over_allowance")


@dataclass
class DossierFacts:
    """One dossier as registered, in plain values (local days)."""

    unit_code: str
    procedure_code: str
    channel: str
    received_day: date
    due_day: date | None
    returned_day: date | None
    late: bool | None
    cancelled: bool
    rating_day: date | None = None  # its receipt-QR rating, if any
    rating_negative: bool = False
    rating_flagged: bool = False
    id: int | None = None


@dataclass
class Scene:
    province: object
    communes: dict  # code -> Unit (the merged one not among them)
    merged: object
    dossiers: list[DossierFacts] = field(default_factory=list)
    counter_ratings: int = 0


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=HANOI).astimezone(timezone.utc)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def build_report_scene(seed: int = 2026) -> Scene:
    rng = random.Random(seed)
    instrument = current_instrument()
    province = unit(PROVINCE, "Tỉnh Cao Bằng", kind="tỉnh")
    communes = {code: unit(code, name, province, kind="xã" if name.startswith("Xã") else "phường")
                for code, name in COMMUNES.items()}
    merged = unit(MERGED[0], MERGED[1], province)
    merged.successor_id = communes[MERGED[2]].id
    db.session.commit()
    scene = Scene(province, communes, merged)
    desks = []
    for place in [*communes.values(), merged]:
        for number in (1, 2):
            desk = counter(place, f"Q{number}")
            staff = [officer(desk, f"{place.code}-CB{number}{k}") for k in (1, 2)]
            desks.append((place, desk, staff))
    weak = desks[2][2][0].id  # one officer serves worse, so the officers' table has a story

    ratings: list[Rating] = []
    for day in _days(FIRST_DAY, LAST_DAY):
        for place, desk, staff in desks:
            if place is merged and day > date(2026, 7, 15):
                continue  # the merged commune's counters closed in July
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3) if day.weekday() < 5 else (0, 0, 1))):
                who = rng.choice(staff)
                # Office hours, and now and then just either side of local midnight.
                at = rng.choice((time(8, 15), time(10, 40), time(14, 5), time(16, 50), time(23, 45), time(0, 10)))
                moment = _moment(day, at) + timedelta(seconds=rng.randrange(600))
                overall = rng.choices((1, 2, 3, 4, 5), weights=WEAK_OFFICER_WEIGHTS if who.id == weak
                                      else OVERALL_WEIGHTS)[0]
                ratings.append(Rating(
                    submitted_at=moment, local_day=moment.astimezone(HANOI).date(), unit_id=place.id,
                    counter_id=desk.id, officer_id=who.id, channel=rng.choice(("counter_qr", "counter_qr", "kiosk", "api")),
                    instrument_version=instrument.version, overall=overall,
                    flag_reason=rng.choice(FLAG_REASONS) if rng.random() < 0.04 else None,
                    **draw_answers(rng, instrument, overall)))
    scene.counter_ratings = len(ratings)

    sequence = 0
    rows: list[tuple[DossierFacts, Dossier]] = []
    rated: list[tuple[Rating, Dossier]] = []
    for day in _days(date(2026, 5, 25), LAST_DAY):
        if day.weekday() >= 5:
            continue
        for place, desk, staff in desks:
            if place is merged and day > date(2026, 7, 15):
                continue
            for _ in range(rng.choice((0, 1, 2, 3))):
                sequence += 1
                facts, dossier = _dossier(rng, place, desk, rng.choice(staff), day, sequence)
                db.session.add(dossier)
                scene.dossiers.append(facts)
                rows.append((facts, dossier))
                rating = _dossier_rating(rng, instrument, facts, dossier, weak)
                if rating is not None:
                    ratings.append(rating)
                    rated.append((rating, dossier))
    for facts, dossier in _edge_dossiers(communes["01279"], desks):
        db.session.add(dossier)
        scene.dossiers.append(facts)
        rows.append((facts, dossier))
    db.session.flush()
    for facts, dossier in rows:
        facts.id = dossier.id
    for rating, dossier in rated:
        rating.dossier_id = dossier.id
    db.session.add_all(ratings)
    db.session.flush()
    db.session.add_all(PendingFold(rating_id=rating.id) for rating in ratings)
    db.session.commit()
    fold_all(5000)
    return scene


def _dossier(rng: random.Random, place, desk, who, day: date, sequence: int):
    code, name, working_days = rng.choice(PROCEDURES)
    channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
    received = _moment(day, rng.choice((time(0, 20), time(7, 45), time(9, 30), time(15, 10), time(23, 50))))
    due_day = WEEKDAYS_ONLY.add_working_days(day, working_days)
    # Results are promised for the afternoon, or for early morning (UTC: still the day before).
    due_at = _moment(due_day, rng.choice((time(16, 30), time(16, 30), time(6, 30))))
    if rng.random() < 0.04:
        due_day = due_at = None  # the e-system sent no due date
    outcome = rng.choices(("early", "on_time", "late", "pending"), weights=(3, 6, 2, 1))[0]
    returned_day, late = None, None
    anchor = due_day or day
    if outcome == "early" and due_day is not None and due_day > day:
        returned_day = day + timedelta(days=rng.randrange((due_day - day).days))
    elif outcome in ("early", "on_time"):
        returned_day = anchor
    elif outcome == "late":
        returned_day = anchor + timedelta(days=rng.randint(1, 6))
    if returned_day is not None:
        # What the e-system says: usually the truth by dates; sometimes nothing; sometimes
        # "on time" after an extension it knows of, or "late" for a second supplement request.
        judged = due_day is not None and returned_day > due_day
        late = rng.choices((judged, None, False, True), weights=(16, 3, 1 if judged else 0, 1))[0]
        if returned_day > LAST_DAY:
            returned_day = late = None  # not returned yet
    facts = DossierFacts(unit_code=place.code, procedure_code=code, channel=channel,
                         received_day=received.astimezone(HANOI).date(), due_day=due_day,
                         returned_day=returned_day, late=late, cancelled=rng.random() < 0.03)
    returned_at = _moment(returned_day, time(rng.choice((8, 15, 23)), 40)) if returned_day else None
    dossier = Dossier(
        code=f"H11.{place.code[:2]}.{place.code[2:]}-{day:%y%m%d}-{sequence:05d}", unit_id=place.id,
        counter_id=desk.id, officer_id=who.id, procedure_code=code, procedure_name=name, channel=channel,
        received_at=received, received_day=facts.received_day, due_at=due_at, returned_at=returned_at,
        resolved_at=returned_at, returned_day=returned_day, late=late, cancelled=facts.cancelled)
    return facts, dossier


# (received, due, returned: local moments or None, e-system's late flag, channel): the edges
# a report gets wrong if it can.
EDGES = (
    # Due 1 October, returned then and flagged late (a second supplement request): at the
    # quarter's end it was pending and within its time.
    (datetime(2026, 9, 29, 9), datetime(2026, 10, 1, 16, 30), datetime(2026, 10, 1, 15), True, "online"),
    # Carried over from June, returned late in July.
    (datetime(2026, 6, 10, 9), datetime(2026, 6, 22, 16, 30), datetime(2026, 7, 2, 9), True, "in_person"),
    # Received and returned in June: not in the quarter at all.
    (datetime(2026, 6, 10, 9), datetime(2026, 6, 30, 16, 30), datetime(2026, 6, 30, 9), False, "in_person"),
    # Received at 23:50 on 30 September (UTC: the afternoon) and at 00:20 on 1 October (UTC: still 30 September).
    (datetime(2026, 9, 30, 23, 50), datetime(2026, 10, 7, 16, 30), None, None, "online"),
    (datetime(2026, 10, 1, 0, 20), datetime(2026, 10, 7, 16, 30), None, None, "online"),
    # Due at 06:30 on 30 September (UTC: 29 September), returned that day: on time, not late.
    (datetime(2026, 9, 28, 9), datetime(2026, 9, 30, 6, 30), datetime(2026, 9, 30, 15), None, "post"),
    # Due 30 September, still out at the quarter's end: overdue; due 1 October: within time.
    (datetime(2026, 9, 21, 9), datetime(2026, 9, 30, 16, 30), None, None, "in_person"),
    (datetime(2026, 9, 22, 9), datetime(2026, 10, 1, 16, 30), None, None, "in_person"),
    # Returned before its due day: early, even when the e-system said nothing.
    (datetime(2026, 9, 1, 9), datetime(2026, 9, 10, 16, 30), datetime(2026, 9, 9, 23, 30), None, "post"),
)


def _edge_dossiers(place, desks):
    desk, staff = next((d, s) for p, d, s in desks if p is place)
    for number, (received, due, returned, late, channel) in enumerate(EDGES, start=1):
        received, due = received.replace(tzinfo=HANOI), due.replace(tzinfo=HANOI)
        returned = returned.replace(tzinfo=HANOI) if returned else None
        facts = DossierFacts(unit_code=place.code, procedure_code="9.999", channel=channel,
                             received_day=received.date(), due_day=due.date(),
                             returned_day=returned.date() if returned else None, late=late, cancelled=False)
        yield facts, Dossier(
            code=f"H11.EDGE-{number:03d}", unit_id=place.id, counter_id=desk.id, officer_id=staff[0].id,
            procedure_code="9.999", procedure_name="Thủ tục ở biên của kỳ", channel=channel,
            received_at=received.astimezone(timezone.utc), received_day=received.date(),
            due_at=due.astimezone(timezone.utc), returned_at=returned.astimezone(timezone.utc) if returned else None,
            resolved_at=returned.astimezone(timezone.utc) if returned else None,
            returned_day=returned.date() if returned else None, late=late, cancelled=False)


def _dossier_rating(rng: random.Random, instrument, facts: DossierFacts, dossier: Dossier, weak: int):
    if facts.returned_day is None or rng.random() > 0.35:
        return None
    moment = dossier.returned_at + timedelta(hours=rng.choice((0.1, 3, 30, 200)))
    if moment >= SCENE_NOW:
        return None  # not rated yet
    overall = rng.choices((1, 2, 3, 4, 5), weights=WEAK_OFFICER_WEIGHTS if facts.late or dossier.officer_id == weak
                          else OVERALL_WEIGHTS)[0]
    answers = draw_answers(rng, instrument, overall)
    rating = Rating(submitted_at=moment, local_day=moment.astimezone(HANOI).date(), unit_id=dossier.unit_id,
                    counter_id=dossier.counter_id, officer_id=dossier.officer_id, channel="dossier_qr",
                    verified=True, procedure_code=facts.procedure_code, instrument_version=instrument.version,
                    overall=overall, flag_reason="cooldown" if rng.random() < 0.03 else None, **answers)
    facts.rating_day = rating.local_day
    facts.rating_flagged = rating.flag_reason is not None
    facts.rating_negative = overall <= 2 or any(v is False for v in answers["conduct"].values())
    return rating

"""The demo's dossiers: what the one-door e-system would have registered at the demo
counters over the demo's days — most results returned on time, some late (a few with
an apology slip), the newest still in progress — and a quarter of the returned ones
rated from the receipt's QR. With them the demo shows what counter ratings alone cannot:
response rate, on-time rate, verified share, and satisfaction of late vs on-time dossiers.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .. import clock
from ..working_calendar import WorkingCalendar
from ..extensions import db
from ..models import Counter, Dossier, PendingFold, Rating, Unit
from ..ratings.instrument import current_instrument
from .answers import OVERALL_WEIGHTS, WEAK_OFFICER_WEIGHTS, draw_answers, office_moment, officers_by_counter

# The fields (lĩnh vực) of the demo's procedures: the rows of Biểu II.06a.
HO_TICH, CHUNG_THUC, DAT_DAI = ("HT", "Hộ tịch"), ("CT", "Chứng thực"), ("DD", "Đất đai")
# (code, name, working days to the result, field). Illustrative codes, not the national
# catalogue's. The last has no field, as some e-systems send it: it is counted under "Khác".
PROCEDURES = (
    ("DEMO.HT.01", "Đăng ký khai sinh", 0, HO_TICH),
    ("DEMO.HT.02", "Đăng ký kết hôn", 1, HO_TICH),
    ("DEMO.HT.03", "Cấp bản sao trích lục hộ tịch", 0, HO_TICH),
    ("DEMO.CT.01", "Chứng thực bản sao từ bản chính", 0, CHUNG_THUC),
    ("DEMO.CT.02", "Chứng thực chữ ký trong giấy tờ, văn bản", 0, CHUNG_THUC),
    ("DEMO.DD.01", "Đăng ký biến động quyền sử dụng đất", 10, DAT_DAI),
    ("DEMO.XH.01", "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình", 5, (None, None)),
)
DOSSIERS_PER_DESK_DAY = (0, 1, 1, 2, 2, 3, 4)
LATE_SHARE = 0.08
APOLOGY_SHARE = 0.6  # of the late ones: the law asks for a slip every time; practice does not
RATED_SHARE = 0.25
RESULT_TIME = time(16, 30)


@dataclass
class DossierReport:
    registered: int = 0
    returned: int = 0
    rated: int = 0


def add_dossiers(desks: list[Counter], rng: random.Random, workdays: list[date], today: date,
                 weak_officer: int | None, calendar: WorkingCalendar) -> DossierReport:
    """Register the dossiers of `workdays` at `desks`, return and rate some, in one commit."""
    zone = clock.local_zone()
    instrument = current_instrument()
    staff = officers_by_counter(desks)
    units = {u.id: u for u in db.session.query(Unit).filter(Unit.id.in_({d.unit_id for d in desks}))}
    report = DossierReport()
    sequence: dict[tuple[int, date], int] = {}
    ratings = []
    for day in sorted(workdays):
        for desk in desks:
            for _ in range(rng.choice(DOSSIERS_PER_DESK_DAY)):
                sequence[desk.unit_id, day] = sequence.get((desk.unit_id, day), 0) + 1
                officer = rng.choice(staff[desk.id]) if staff.get(desk.id) else None
                dossier = _dossier(rng, zone, calendar, today, units[desk.unit_id], desk, officer, day,
                                   sequence[desk.unit_id, day])
                db.session.add(dossier)
                report.registered += 1
                if dossier.returned_at is None:
                    continue
                report.returned += 1
                if rng.random() < RATED_SHARE:
                    weak = officer is not None and officer.id == weak_officer
                    ratings.append((dossier, _rating(rng, instrument, zone, dossier, weak)))
    db.session.flush()
    for dossier, rating in ratings:
        rating.dossier_id = dossier.id
    db.session.add_all(rating for _, rating in ratings)
    db.session.flush()
    db.session.add_all(PendingFold(rating_id=rating.id) for _, rating in ratings)
    report.rated = len(ratings)
    return report


def _dossier(rng: random.Random, zone: ZoneInfo, calendar: WorkingCalendar, today: date, unit: Unit,
             desk: Counter, officer, day: date, number: int) -> Dossier:
    code, name, days, (field_code, field_name) = rng.choice(PROCEDURES)
    received = office_moment(rng, day, zone)
    due_day = calendar.add_working_days(day, days)
    due = datetime.combine(due_day, RESULT_TIME, tzinfo=zone)
    dossier = Dossier(
        # TT 01/2018 shape: agency code, receipt date, daily sequence.
        code=f"H11.{unit.code[:2]}.{unit.code[2:]}-{day:%y%m%d}-{number:04d}",
        unit_id=unit.id, counter_id=desk.id, officer_id=officer.id if officer else None,
        procedure_code=code, procedure_name=name, field_code=field_code, field_name=field_name,
        channel="in_person",
        received_at=received.astimezone(timezone.utc), received_day=day, due_at=due.astimezone(timezone.utc))
    late = rng.random() < LATE_SHARE
    returned_day = calendar.add_working_days(due_day, rng.randint(1, 3)) if late else due_day
    if returned_day >= today:
        return dossier  # still in progress: the e-system has not returned it yet
    returned = datetime.combine(returned_day, RESULT_TIME, tzinfo=zone) - timedelta(minutes=rng.randrange(240))
    dossier.returned_at = dossier.resolved_at = returned.astimezone(timezone.utc)
    dossier.returned_day = returned_day
    dossier.late = late
    if late and rng.random() < APOLOGY_SHARE:
        dossier.apology_issued_at = dossier.due_at
        dossier.new_due_at = datetime.combine(returned_day, RESULT_TIME, tzinfo=zone).astimezone(timezone.utc)
    return dossier


def _rating(rng: random.Random, instrument, zone: ZoneInfo, dossier: Dossier, weak: bool) -> Rating:
    # Rated from the receipt's QR on the way out, or that evening at home.
    submitted = dossier.returned_at + timedelta(minutes=rng.choice((2, 5, 10, 180, 300)))
    weights = WEAK_OFFICER_WEIGHTS if weak or dossier.late else OVERALL_WEIGHTS
    overall = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
    return Rating(submitted_at=submitted, local_day=submitted.astimezone(zone).date(), unit_id=dossier.unit_id,
                  counter_id=dossier.counter_id, officer_id=dossier.officer_id, channel="dossier_qr",
                  verified=True, procedure_code=dossier.procedure_code, instrument_version=instrument.version,
                  language="vi", overall=overall, **draw_answers(rng, instrument, overall))

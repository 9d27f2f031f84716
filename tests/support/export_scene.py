"""A small generated quarter for exporting a province's report: ratings (some flagged, some with a
phone, a comment, a client hash) and dossiers in two communes, folded like production.

Deterministic (a seeded generator), so a test can compare an export with the JSON report
figure by figure. Dates lie in 2026-Q3; the clock is to be set after the quarter.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from factories import counter, officer, tree

from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating
from feedback_service.summaries.fold import fold_all

QUARTER = "2026-Q3"
QUARTER_START = datetime(2026, 6, 30, 17, 0, tzinfo=timezone.utc)  # 1 July 2026, 00:00 in Hà Nội
AFTER_QUARTER = datetime(2026, 10, 20, 3, 0, tzinfo=timezone.utc)
PHONE = "0912345678"
CLIENT_HASH = "feedc0ffee123456"
CONDUCT = ("greet", "smile", "listen", "guide", "thank", "apologize")
PROCEDURES = {"1.001": "Đăng ký khai sinh", "2.002": "Chứng thực bản sao"}
ELEMENTS = ("access", "procedure", "officer", "result", "feedback")


def local_day(moment: datetime):
    return (moment + timedelta(hours=7)).date()


def report_scene(ratings: int = 60, dossiers: int = 40, seed: int = 10):
    """Province 04 with communes 01273 (two counters, officers) and 01279 (one counter)."""
    rng = random.Random(seed)
    province, own, other = tree()
    desks = [counter(own, "Q1", "Quầy 1"), counter(own, "Q2", "Quầy 2"), counter(other, "Q1", "Quầy của 01279")]
    clerks = [officer(desks[0], "CB-0042", "Nguyễn Văn An"), officer(desks[1], "CB-0043", "Trần Thị Bình"),
              officer(desks[2], "CB-9001", "Hoàng Thị Khác")]
    rows = []
    for i in range(ratings):
        desk = rng.choice(desks)
        clerk = next(c for c in clerks if c.counter_id == desk.id)
        # The last minutes of a local day too: a local day differs from the UTC one.
        moment = QUARTER_START + timedelta(days=rng.randint(0, 91), hours=rng.choice([0, 5, 16, 16.9]),
                                           minutes=rng.randint(0, 59))
        flagged = i % 13 == 5
        rows.append(Rating(
            submitted_at=moment, local_day=local_day(moment), unit_id=desk.unit_id, counter_id=desk.id,
            officer_id=clerk.id, channel=rng.choice(["counter_qr", "kiosk", "api"]), verified=False,
            instrument_version="sipas-6biet-v1", overall=rng.choice([1, 2, 3, 4, 4, 5, 5]),
            conduct={k: rng.choice([True, True, False, None]) for k in CONDUCT if rng.random() < 0.9},
            elements={k: rng.randint(1, 5) for k in ELEMENTS if rng.random() < 0.8},
            comment=rng.choice([None, None, "Chờ hơi lâu & <khó> hiểu", "=HYPERLINK(\"x\")"]),
            contact_phone=PHONE if i % 4 == 0 else None, client_hash=CLIENT_HASH,
            flag_reason=rng.choice(["cooldown", "over_allowance"]) if flagged else None))
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all([PendingFold(rating_id=r.id) for r in rows])
    for i in range(dossiers):
        desk = rng.choice(desks)
        received = QUARTER_START + timedelta(days=rng.randint(-10, 85), hours=2)
        due = received + timedelta(days=rng.randint(2, 10))
        returned = received + timedelta(days=rng.randint(1, 14)) if rng.random() < 0.8 else None
        db.session.add(Dossier(
            code=f"H15.50.05.13-2607{i:02d}-0001", unit_id=desk.unit_id, counter_id=desk.id,
            procedure_code=(procedure := rng.choice(["1.001", "2.002"])), procedure_name=PROCEDURES[procedure],
            channel=rng.choice(["in_person", "online", "post"]), received_at=received,
            received_day=local_day(received), due_at=due, returned_at=returned,
            returned_day=local_day(returned) if returned else None))
    db.session.commit()
    fold_all(1000)
    return province, own, other

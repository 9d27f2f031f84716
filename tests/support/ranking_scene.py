"""A province whose communes answered 2026-Q3 in numbers the public ranking must tell apart,
or must not: read on 2 October 2026.

- 01273: 12 answers, 10 satisfied (83.33%); 01279: 15 answers, 13 satisfied (86.67%): their
  intervals overlap, so they share the band 1–2;
- 01285: 40 answers, 4 satisfied (10%): wholly below both, rank 3;
- 01282: 3 answers (1, 2, 2), a small cell: its name only;
- 01288 (merged into 01273 in the reorganisation): no entry of its own.
An officer is named on 01273's ratings; nothing public may name them.
"""
from __future__ import annotations

from datetime import datetime, timezone

from factories import counter, officer, tree, unit

from feedback_service.extensions import db
from feedback_service.models import PendingFold, Rating
from feedback_service.ratings.submission import local_day
from feedback_service.summaries.fold import fold_all

PERIOD = "2026-Q3"
READ_AT = datetime(2026, 10, 2, 3, 0, tzinfo=timezone.utc)  # 10:00 local, after the quarter
OFFICER_NAME = "Nguyễn Văn Bí Mật"
# (code, overall answers) of each commune that answered.
ANSWERS = {
    "01273": [5] * 6 + [4] * 4 + [2, 3],
    "01279": [5] * 8 + [4] * 5 + [1, 3],
    "01285": [4] * 4 + [3] * 16 + [2] * 20,
    "01282": [1, 2, 2],
}


def rate(desk, overall: int, day: int, officer_id: int | None = None) -> None:
    moment = datetime(2026, 8, day, 2, 17, tzinfo=timezone.utc)
    rating = Rating(submitted_at=moment, local_day=local_day(moment), local_hour=9, unit_id=desk.unit_id,
                    counter_id=desk.id, officer_id=officer_id, channel="counter_qr",
                    instrument_version="sipas-6biet-v1", overall=overall, elements={"access": overall},
                    conduct={"greet": True})
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))


def build() -> dict:
    """The scene, folded; call inside an app context with the clock at READ_AT."""
    province, first, second = tree()
    communes = {"01273": first, "01279": second,
                "01285": unit("01285", "Xã Hưng Đạo", province), "01282": unit("01282", "Xã Bế Văn Đàn", province)}
    merged = unit("01288", "Xã Đã Sáp Nhập", province)
    merged.successor_id = first.id
    for code, answers in ANSWERS.items():
        desk = counter(communes[code], "Q1")
        clerk = officer(desk, f"CB-{code}", OFFICER_NAME) if code == "01273" else None
        for i, overall in enumerate(answers):
            rate(desk, overall, 1 + i % 28, clerk.id if clerk else None)
    db.session.commit()
    fold_all(1000)
    return {code: row.id for code, row in communes.items()}

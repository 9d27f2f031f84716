"""The demo's citizens: when they come, how satisfied they are, what they answer.

Shared by the demo's counter ratings (cao_bang.py) and its dossier ratings (dossiers.py),
so both tell the same story: mostly satisfied, one weaker officer, a few comments.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import Counter, Officer
from ..ratings.instrument import Instrument

# Office hours of a one-stop counter, local time: mornings and afternoons, weekdays.
OFFICE_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
# Weights of overall levels 1..5: mostly satisfied, as self-reported ratings are.
OVERALL_WEIGHTS = (3, 4, 9, 34, 50)
# One officer per demo serves noticeably worse, so officer reports have a story.
WEAK_OFFICER_WEIGHTS = (10, 12, 18, 35, 25)
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


def officers_by_counter(desks: list[Counter]) -> dict[int, list[Officer]]:
    staff: dict[int, list[Officer]] = {}
    for officer in db.session.scalars(
        select(Officer).where(Officer.counter_id.in_([d.id for d in desks])).order_by(Officer.code)
    ):
        staff.setdefault(officer.counter_id, []).append(officer)
    return staff


def office_moment(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    start, end = rng.choice(OFFICE_SESSIONS)
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


def draw_answers(rng: random.Random, instrument: Instrument, overall: int) -> dict:
    """The rest of a rating given its overall level: conduct, elements, comment."""
    return {"conduct": _conduct(rng, instrument, overall), "elements": _elements(rng, instrument, overall),
            "comment": _comment(rng, overall)}

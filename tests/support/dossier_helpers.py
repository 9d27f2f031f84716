"""Dossiers and ratings placed by hand in local (Hà Nội) time, for the period-report tests:
stored in UTC, so the local-day rules are exercised across midnight."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from feedback_service.clock import local_day
from feedback_service.extensions import db
from feedback_service.models import Dossier, PendingFold, Rating

HANOI = timezone(timedelta(hours=7))


def local(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HANOI).astimezone(timezone.utc)


def dossier(desk, code, received, *, due=None, returned=None, resolved=None, late=None, channel="in_person",
            cancelled=False, cancelled_at=None, procedure=("1.001", "Đăng ký khai sinh"), unit_id=None) -> Dossier:
    row = Dossier(code=code, unit_id=unit_id or desk.unit_id, counter_id=desk.id if desk else None,
                  procedure_code=procedure[0], procedure_name=procedure[1], channel=channel, received_at=received,
                  received_day=local_day(received), due_at=due, returned_at=returned, resolved_at=resolved,
                  returned_day=local_day(returned) if returned else None, late=late, cancelled=cancelled,
                  cancelled_at=cancelled_at)
    db.session.add(row)
    db.session.commit()
    return row


def rate(desk, overall, moment, *, about=None, conduct=None, flag=None, channel=None, who=None) -> Rating:
    rating = Rating(submitted_at=moment, local_day=local_day(moment), unit_id=desk.unit_id, counter_id=desk.id,
                    officer_id=who.id if who else None, dossier_id=about.id if about else None,
                    verified=about is not None, channel=channel or ("dossier_qr" if about else "counter_qr"),
                    instrument_version="sipas-6biet-v1", overall=overall,
                    conduct=conduct or {"greet": True}, elements={"access": overall}, flag_reason=flag)
    db.session.add(rating)
    db.session.flush()
    db.session.add(PendingFold(rating_id=rating.id))
    db.session.commit()
    return rating

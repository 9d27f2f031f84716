"""Notification jobs: e-mail unit managers about new complaint cases."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select, update

from feedback_service.extensions import db
from feedback_service.models import Case
from feedback_service.cases.notices import enqueue_notification, message_for, recipients, send, smtp_configured

from . import in_app_context

log = logging.getLogger(__name__)
# The sweep looks this far back: an old case's notice is no longer news.
SWEEP_WINDOW = timedelta(days=2)
SWEEP_BATCH = 200
# A claim older than this belongs to a worker that died mid-send (the job times
# out after 60 s, SMTP after 10 s): another worker may take the case over.
CLAIM_SECONDS = 300


def _unclaimed(now: datetime):
    return or_(Case.notifying_at.is_(None), Case.notifying_at < now - timedelta(seconds=CLAIM_SECONDS))


def _claim(case_id: int, now: datetime) -> bool:
    """Atomically mark the case as being sent by this job; False if it is sent or
    another job holds it. The UPDATE … WHERE is the lock: of two workers, the
    database lets exactly one change the row."""
    claimed = db.session.execute(
        update(Case).where(Case.id == case_id, Case.notified_at.is_(None), _unclaimed(now))
        .values(notifying_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


@in_app_context
def notify_case(case_id: int) -> str:
    """Send the notice once: a claim in the database before sending, `notified_at`
    after. SMTP errors release the claim and raise, so RQ (or the sweep) retries."""
    now = datetime.now(timezone.utc)
    if not _claim(case_id, now):
        case = db.session.get(Case, case_id, populate_existing=True)
        return "skipped" if case is None or case.notified_at is not None else "busy"
    case = db.session.get(Case, case_id, populate_existing=True)
    try:
        to = sorted({user.email for user in recipients(case)})
        if to:
            send(message_for(case, to))
    except Exception:
        db.session.rollback()
        db.session.execute(update(Case).where(Case.id == case_id, Case.notifying_at == now)
                           .values(notifying_at=None).execution_options(synchronize_session=False))
        db.session.commit()
        raise
    case.notified_at = datetime.now(timezone.utc)
    case.notifying_at = None
    db.session.commit()
    log.info("case %s notified to %d recipients", case_id, len(to))
    return "sent" if to else "no recipients"


@in_app_context
def sweep_unnotified() -> int:
    """Queue notices for recent cases whose job was lost (Redis down at submission).

    At most one job per case is pending at a time (`enqueue_notification` holds a
    key while it is queued), so a mail outage costs one job per case per
    `QUEUED_HOLD_SECONDS`, not one per sweep. Returns how many were queued.
    """
    if not smtp_configured():
        return 0
    now = datetime.now(timezone.utc)
    ids = list(db.session.scalars(select(Case.id).where(
        Case.notified_at.is_(None), Case.created_at >= now - SWEEP_WINDOW, _unclaimed(now))
        .order_by(Case.id).limit(SWEEP_BATCH)))
    return sum(enqueue_notification(case_id) for case_id in ids)

"""Notification jobs: e-mail unit managers about new complaint cases."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from feedback_service import clock
from feedback_service.extensions import db
from feedback_service.models import Case
from feedback_service.notifications import enqueue_notification, message_for, recipients, send, smtp_configured

from . import in_app_context

log = logging.getLogger(__name__)
# The sweep looks this far back: an old case's notice is no longer news.
SWEEP_WINDOW = timedelta(days=2)


@in_app_context
def notify_case(case_id: int) -> str:
    """Send the notice once (idempotent through `notified_at`); SMTP errors raise, so RQ retries."""
    case = db.session.get(Case, case_id)
    if case is None or case.notified_at is not None:
        return "skipped"
    to = sorted({user.email for user in recipients(case)})
    if to:
        send(message_for(case, to))
    case.notified_at = clock.now()
    db.session.commit()
    log.info("case %s notified to %d recipients", case_id, len(to))
    return "sent" if to else "no recipients"


@in_app_context
def sweep_unnotified() -> int:
    """Queue notices for recent cases whose job was lost (Redis down at submission)."""
    if not smtp_configured():
        return 0
    since = clock.now() - SWEEP_WINDOW
    ids = list(db.session.scalars(select(Case.id).where(Case.notified_at.is_(None), Case.created_at >= since)
                                  .order_by(Case.id).limit(200)))
    for case_id in ids:
        enqueue_notification(case_id)
    return len(ids)

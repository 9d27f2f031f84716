"""E-mail to unit managers when new negative feedback opens a complaint case.

The message carries a link to the case and its due date, never the citizen's
words or phone: mailboxes are forwarded and kept; the dashboard checks who may read.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from .. import clock
from ..extensions import db, redis_client
from ..jobs import DEFAULT, NOTIFY_CASE, enqueue
from ..mail import plain_message, send, smtp_configured
from ..models import Case, User
from ..people.permissions import CASE_NOTICE_ROLES, told_of_case

log = logging.getLogger(__name__)

# Reasons as the e-mail names them: what happened, not what was said.
_REASONS = {"low_overall": "mức hài lòng thấp", "conduct_no": "cán bộ chưa thực hiện \"6 biết\"",
            "comment": "có góp ý"}


def recipients(case: Case) -> list[User]:
    """The users told of the case (`permissions.told_of_case`) who have an e-mail."""
    candidates = db.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_(CASE_NOTICE_ROLES), User.email.is_not(None)))
    return [user for user in candidates if told_of_case(user, case)]


def message_for(case: Case, to: list[str]) -> EmailMessage:
    link = f"{current_app.config['PUBLIC_BASE_URL']}/dashboard/cases/{case.id}"
    reasons = ", ".join(_REASONS.get(r, r) for r in case.reasons) or "đánh giá chưa hài lòng"
    return plain_message(
        f"Phản ánh mới cần xử lý — {case.unit.name}",
        f"Có phản ánh mới tại {case.unit.name}"
        + (f", {case.counter.name}" if case.counter else "")
        + f" ({reasons}).\n\nHạn trả lời: {case.due_on:%d/%m/%Y}.\n"
        f"Xem và xử lý (cần đăng nhập): {link}\n\n"
        "Thư tự động của hệ thống đánh giá sự hài lòng; nội dung góp ý chỉ xem trên hệ thống.\n",
        to)


# While this key lives a notice job for the case is queued (or failing and being
# retried), and neither the submission nor the sweep queues another: a mail outage
# must not add one job per case every sweep to the queue all work shares.
QUEUED_KEY = "sipas:case-notice:queued:{}"
QUEUED_HOLD_SECONDS = 600


def notice_job_id(case_id: int) -> str:
    """One job id per case, so an operator finds a case's notice job by name."""
    return f"case-notice-{case_id}"


def enqueue_notification(case_id: int) -> bool:
    """After the commit that opened the case. Best-effort: the sweep catches misses.
    Returns whether a job was queued (False: one is already, or Redis is down)."""
    if not smtp_configured():
        return False
    try:
        if not redis_client().set(QUEUED_KEY.format(case_id), "1", nx=True, ex=QUEUED_HOLD_SECONDS):
            return False
        enqueue(NOTIFY_CASE, case_id, queue=DEFAULT, timeout=60,
                job_id=notice_job_id(case_id))
        return True
    except RedisError as exc:
        log.warning("case %s notification not queued, Redis unavailable: %s", case_id, exc)
        return False


# --- the jobs' work (worker/notifications.py runs these) ---------------------
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


def notify(case_id: int) -> str:
    """Send the notice once: a claim in the database before sending, `notified_at`
    after. SMTP errors release the claim and raise, so RQ (or the sweep) retries."""
    now = clock.now()
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
    case.notified_at = clock.now()
    case.notifying_at = None
    db.session.commit()
    log.info("case %s notified to %d recipients", case_id, len(to))
    return "sent" if to else "no recipients"


def sweep_unnotified() -> int:
    """Queue notices for recent cases whose job was lost (Redis down at submission).

    At most one job per case is pending at a time (`enqueue_notification` holds a
    key while it is queued), so a mail outage costs one job per case per
    `QUEUED_HOLD_SECONDS`, not one per sweep. Returns how many were queued.
    """
    if not smtp_configured():
        return 0
    now = clock.now()
    ids = list(db.session.scalars(select(Case.id).where(
        Case.notified_at.is_(None), Case.created_at >= now - SWEEP_WINDOW, _unclaimed(now))
        .order_by(Case.id).limit(SWEEP_BATCH)))
    return sum(enqueue_notification(case_id) for case_id in ids)

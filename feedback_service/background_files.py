"""Files built by an RQ job and downloaded later: report exports (`reports/files/export_runs.py`)
and poster PDFs (`ratings/poster_runs.py`).

Each has a row (status, progress, path, expiry) that a poll reads; these are the rules they
share: how a file is asked for (`ask`), where the files live, how a row finishes, how a
poll notices a lost job, when a link has expired, and the sweep that deletes what has. A
job writes `<name>.part` and renames it when complete (`written_whole`), so a download
is never half a file.

Asking cannot starve the long queue's workers. A file is named by what was asked, its
`request_key`: asked again, it is answered with the one queued or running (unless its job
was lost), or with the file already built on the same `basis` (what its content rests on)
while its link is valid. A unique partial index on `request_key` over the queued and
running rows makes two identical requests at once one job. A requester (dashboard user or
API key) has at most a limit of each kind queued or running (`claim`); one more is
`TooManyQueued`.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from . import clock
from .extensions import db, rq_redis
from .models import IntegrationClient, User
from .models.report_exports import ACTIVE_STATUSES
from .redis_breaker import RedisSkipped
from .transactions import transaction

log = logging.getLogger(__name__)

# A queued or running file whose row has not moved for this long, and whose job RQ no
# longer knows, was lost (a Redis restart, a worker killed between jobs).
LOST_AFTER = timedelta(seconds=60)


class QueueUnavailable(Exception):
    """Redis did not take the job: nothing was queued, the file is recorded as failed."""


class TooManyQueued(Exception):
    """The requester already has `limit` files of this kind queued or running."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} already queued or running")
        self.limit = limit


def ask(model: type, key: str, basis: str | None, new_row: Callable[[], object],
        queue_job: Callable[[str], object], *, limit: int):
    """The file of `model` named `key`: the one queued or running, or built on `basis` and
    still downloadable (`reusable`), else `new_row()` (a queued row of the requester, with
    this key and basis) recorded (`claim`), then `queue_job(row id)` (the caller's enqueue,
    naming its job). TooManyQueued past the requester's `limit`; QueueUnavailable when Redis
    does not take the job."""
    for _attempt in range(2):
        found = reusable(model, key, basis)
        if found is not None:
            return found
        row = new_row()
        settle_requester(row)
        if claim(row, limit):
            break
    else:  # claimed by another request twice, and gone both times: unlikely, but never a 500
        raise QueueUnavailable
    try:
        queue_job(row.id)
    except (RedisError, RedisSkipped) as exc:
        log.warning("%s %s not queued, Redis unavailable: %s", model.__tablename__, row.id, exc)
        finish(row, "failed", error="the job queue (Redis) did not answer; nothing was built, ask again later")
        raise QueueUnavailable from None
    return row


def reusable(model: type, key: str, basis: str | None):
    """The file queued or running for this key (unless its job was lost), or the newest
    built file of it whose basis is still the current one and whose link is still valid."""
    active = db.session.scalar(select(model).where(model.request_key == key, model.status.in_(ACTIVE_STATUSES)))
    if active is not None and settle(active).status in ACTIVE_STATUSES:
        return active
    if basis is None:
        return None
    built = db.session.scalar(
        select(model).where(model.request_key == key, model.status == "done", model.basis == basis,
                            model.expires_at > clock.now(), model.path.is_not(None))
        .order_by(model.finished_at.desc()).limit(1))
    return built if built is not None and file_of(built) is not None else None


def _requested_by(model: type, row):
    if row.requested_by_user_id is not None:
        return model.requested_by_user_id == row.requested_by_user_id
    if row.requested_by_client_id is not None:
        return model.requested_by_client_id == row.requested_by_client_id
    return None


def settle_requester(row) -> None:
    """Before counting: the files of `row`'s requester whose job was lost are failed, so a
    Redis restart does not hold anyone at the limit until they poll each one."""
    model = type(row)
    mine = _requested_by(model, row)
    if mine is None:
        return
    for each in db.session.scalars(select(model).where(mine, model.status.in_(ACTIVE_STATUSES))).all():
        settle(each)


def claim(row, limit: int) -> bool:
    """Record `row` as queued; False when a file of the same key was claimed meanwhile;
    TooManyQueued when its requester then holds more than `limit` of its kind.

    The requester's own row is locked first (FOR UPDATE on PostgreSQL; SQLite has one
    writer, and the INSERT below takes it), so the count after the INSERT sees every file of
    the requester committed before: two requests at once cannot both take the last place.
    A row with no requester (the system's) is not counted.
    """
    model = type(row)
    mine = _requested_by(model, row)
    try:
        with transaction():
            if row.requested_by_user_id is not None:
                db.session.execute(select(User.id).where(User.id == row.requested_by_user_id).with_for_update())
            elif row.requested_by_client_id is not None:
                db.session.execute(select(IntegrationClient.id)
                                   .where(IntegrationClient.id == row.requested_by_client_id).with_for_update())
            db.session.add(row)
            db.session.flush()  # the unique partial index refuses a second active file of the key
            if mine is not None:
                held = db.session.scalar(select(func.count()).select_from(model).where(
                    mine, model.status.in_(ACTIVE_STATUSES)))
                if held > limit:
                    raise TooManyQueued(limit)
    except IntegrityError:
        claimed_meanwhile = db.session.scalar(select(model.id).where(
            model.request_key == row.request_key, model.status.in_(ACTIVE_STATUSES)))
        if claimed_meanwhile is None:
            raise
        return False
    return True


def export_dir() -> Path:
    path = Path(current_app.config["REPORT_EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def written_whole(name: str):
    """Yield an open part file; renamed to `name` when the block ends, deleted if it raises."""
    part = export_dir() / f"{name}.part"
    try:
        with open(part, "wb") as target:
            yield target
        os.replace(part, export_dir() / name)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def finish(row, status: str, error: str | None = None) -> None:
    moment = clock.now()
    row.status, row.error, row.updated_at, row.finished_at = status, error, moment, moment
    if status == "done":
        row.expires_at = moment + timedelta(seconds=int(current_app.config["REPORT_EXPORT_TTL_SECONDS"]))
    db.session.commit()


def settle(row):
    """Before a poll answers: an unfinished row whose job is gone is reported failed, not
    left "running" forever. With Redis unreachable the row is answered as it is."""
    if row.status not in ACTIVE_STATUSES:
        return row
    try:
        job = Job.fetch(row.id, connection=rq_redis())
        state = job.get_status(refresh=False)
    except NoSuchJobError:
        state = None
    except (RedisError, RedisSkipped):
        return row
    quiet = clock.now() - clock.as_utc(row.updated_at)
    if state == JobStatus.FAILED or state == JobStatus.STOPPED or state == JobStatus.CANCELED:
        finish(row, "failed", error=row.error or f"the job ended as {state}")
    elif state is None and quiet > LOST_AFTER:
        finish(row, "failed", error=row.error or "the job was lost (a worker or Redis restarted); ask again")
    return row


def expired(row) -> bool:
    return row.expires_at is not None and clock.now() >= clock.as_utc(row.expires_at)


def file_of(row) -> Path | None:
    """The finished file, while its link has not expired."""
    if row.status != "done" or not row.path or expired(row):
        return None
    path = export_dir() / row.path
    return path if path.is_file() else None


def sweep(*models: type) -> int:
    """Delete the files of the expired rows of `models`, and part files older than a job may run."""
    now = clock.now()
    removed = 0
    for model in models:
        for row in db.session.scalars(select(model).where(model.expires_at <= now, model.path.is_not(None))):
            (export_dir() / row.path).unlink(missing_ok=True)
            row.path = None
            removed += 1
    db.session.commit()
    # File times are the system's: compared with the system clock, not the settable one.
    oldest = time.time() - int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]) - 60
    for part in export_dir().glob("*.part"):
        if part.stat().st_mtime < oldest:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def build(model: type, row_id: str, suffix: str, draw: Callable) -> str:
    """The job's frame: mark the row running, have `draw(row, target, progress)` write the
    file (returning how many rows or pages it wrote), then record it done, or failed when
    `draw` raises (re-raised, so RQ keeps the traceback). Idempotent: a finished row is left
    alone, and a second run draws an unfinished one from the start."""
    row = db.session.get(model, row_id)
    if row is None:
        return "gone"
    if row.status == "done" and row.path:
        return "done"
    row.status, row.error, row.progress, row.updated_at = "running", None, 0, clock.now()
    db.session.commit()
    name = f"{row.id}.{suffix}"
    try:
        with written_whole(name) as target:
            written = draw(row, target, progress_writer(model, row_id))
    except Exception as exc:
        db.session.rollback()
        # The caller sees the kind of failure only: a message may quote SQL or paths (the
        # worker's log keeps the whole traceback).
        finish(db.session.get(model, row_id), "failed",
               error=f"{type(exc).__name__}: building the file failed; ask for it again")
        raise
    db.session.expire(row)
    row.path, row.rows, row.progress = name, written, written
    finish(row, "done")
    return "done"


def progress_writer(model: type, row_id: str) -> Callable[[int, int], None]:
    """A progress callback writing (done, total) to the row beside the job's own transaction."""

    def progress(done: int, total: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(update(model).where(model.id == row_id)
                               .values(progress=done, rows=total, updated_at=clock.now()))

    return progress

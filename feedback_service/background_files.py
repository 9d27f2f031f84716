"""Files built by an RQ job and downloaded later: report exports (`reports/files/export_runs.py`)
and poster PDFs (`ratings/poster_runs.py`).

Each has a row (status, progress, path, expiry) that a poll reads; these are the rules they
share: where the files live, how a row finishes, how a poll notices a lost job, when a
link has expired, and the sweep that deletes what has. A job writes `<name>.part` and
renames it when complete (`written_whole`), so a download is never half a file.
"""
from __future__ import annotations

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
from sqlalchemy import select, update

from . import clock
from .extensions import db, rq_redis
from .redis_breaker import RedisSkipped

# A queued or running file whose row has not moved for this long, and whose job RQ no
# longer knows, was lost (a Redis restart, a worker killed between jobs).
LOST_AFTER = timedelta(seconds=60)


class QueueUnavailable(Exception):
    """Redis did not take the job: nothing was queued, the file is recorded as failed."""


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
    if row.status not in ("queued", "running"):
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

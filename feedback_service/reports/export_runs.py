"""Export files built in the background: asked for, built by an RQ job, polled,
downloaded until their link expires, then swept.

The state lives in the `report_exports` table, not in Redis: a Redis restart loses at
most queued work, and then the poll says so (`settle`) instead of waiting forever.
The job writes `<id>.<format>.part` and renames it when complete, so a download is
never half a file; a job killed midway leaves a part file the sweep deletes.
"""
from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from .. import clock
from ..extensions import db, rq_redis
from ..jobs import BUILD_REPORT_EXPORT, enqueue
from ..models import ReportExport, Unit
from ..redis_breaker import RedisSkipped
from ..units.tree import subtree_ids
from . import exports, responses
from .audience import INTERNAL, copy_of, served_copy
from .periods import ReportingPeriod, parse_period

log = logging.getLogger(__name__)
# A queued or running export whose row has not moved for this long, and whose job RQ no
# longer knows, was lost (a Redis restart, a worker killed between jobs).
LOST_AFTER = timedelta(seconds=60)


class QueueUnavailable(Exception):
    """Redis did not take the job: nothing was queued, the export is recorded as failed."""


def export_dir() -> Path:
    path = Path(current_app.config["REPORT_EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_large(fmt: str, unit: Unit, period: ReportingPeriod) -> bool:
    """Whether the export is built by a job: only the XLSX carries the responses."""
    if fmt != "xlsx":
        return False
    return responses.count(subtree_ids(unit.id), period) > int(current_app.config["REPORT_EXPORT_INLINE_MAX"])


def build_now(unit: Unit, period: ReportingPeriod, version: int | None, fmt: str, audience: str):
    """Build the file of the copy `audience` reads in the request (a small export); a
    temporary file the caller sends."""
    document = served_copy(unit, period, version, audience)
    target = tempfile.TemporaryFile()
    exports.write(fmt, target, document, subtree_ids(unit.id), period, clock.now(),
                  current_app.config["LOCAL_TIMEZONE"], audience)
    target.seek(0)
    return target


def request_export(unit: Unit, period: ReportingPeriod, version: int | None, fmt: str, *,
                   audience: str, user_id: int | None = None, client_id: int | None = None) -> ReportExport:
    """Record the export of the copy `audience` reads (`internal` on the row) and queue
    its job; QueueUnavailable when Redis does not take it."""
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    row = ReportExport(id=secrets.token_hex(16), unit_id=unit.id, period=period.label, version=version, format=fmt,
                       internal=audience == INTERNAL, status="queued", progress=0, requested_by_user_id=user_id,
                       requested_by_client_id=client_id, created_at=clock.now(), updated_at=clock.now())
    db.session.add(row)
    db.session.commit()
    try:
        enqueue(BUILD_REPORT_EXPORT, row.id, job_id=row.id, retries=1,
                timeout=int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]))
    except (RedisError, RedisSkipped) as exc:
        log.warning("report export %s not queued, Redis unavailable: %s", row.id, exc)
        _finish(row, "failed", error="the job queue (Redis) did not answer; nothing was built, ask again later")
        raise QueueUnavailable from None
    return row


def build(export_id: str) -> str:
    """The job: build the export's file. Idempotent: a finished export is left alone, and
    a second run rebuilds an unfinished one from the start."""
    row = db.session.get(ReportExport, export_id)
    if row is None:
        return "gone"
    if row.status == "done" and row.path:
        return "done"
    row.status, row.error, row.progress, row.updated_at = "running", None, 0, clock.now()
    db.session.commit()
    part = export_dir() / f"{row.id}.{row.format}.part"
    try:
        period = parse_period(row.period)
        audience = copy_of(row)
        document = served_copy(row.unit, period, row.version, audience)
        unit_ids = subtree_ids(row.unit_id)
        db.session.commit()  # ends the read transaction: progress is written beside it

        def progress(done: int, total: int) -> None:
            with db.engine.begin() as connection:
                connection.execute(update(ReportExport).where(ReportExport.id == export_id)
                                   .values(progress=done, rows=total, updated_at=clock.now()))

        with open(part, "wb") as target:
            written = exports.write(row.format, target, document, unit_ids, period, clock.now(),
                                    current_app.config["LOCAL_TIMEZONE"], audience, progress)
        final = part.with_suffix("")
        os.replace(part, final)
    except Exception as exc:
        db.session.rollback()
        part.unlink(missing_ok=True)
        # The caller sees the kind of failure only: a message may quote SQL or paths (the
        # worker's log keeps the whole traceback).
        _finish(db.session.get(ReportExport, export_id), "failed",
                error=f"{type(exc).__name__}: building the file failed; ask for the export again")
        raise
    db.session.expire(row)
    row.path, row.rows, row.progress = final.name, written, written
    _finish(row, "done")
    return "done"


def _finish(row: ReportExport, status: str, error: str | None = None) -> None:
    moment = clock.now()
    row.status, row.error, row.updated_at, row.finished_at = status, error, moment, moment
    if status == "done":
        row.expires_at = moment + timedelta(seconds=int(current_app.config["REPORT_EXPORT_TTL_SECONDS"]))
    db.session.commit()


def settle(row: ReportExport) -> ReportExport:
    """Before a poll answers: an unfinished export whose job is gone is reported failed,
    not left "running" forever. With Redis unreachable the row is answered as it is."""
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
        _finish(row, "failed", error=row.error or f"the job ended as {state}")
    elif state is None and quiet > LOST_AFTER:
        _finish(row, "failed", error=row.error or "the job was lost (a worker or Redis restarted); ask again")
    return row


def expired(row: ReportExport) -> bool:
    return row.expires_at is not None and clock.now() >= clock.as_utc(row.expires_at)


def file_of(row: ReportExport) -> Path | None:
    """The finished file, while its link has not expired."""
    if row.status != "done" or not row.path or expired(row):
        return None
    path = export_dir() / row.path
    return path if path.is_file() else None


def download_name(row: ReportExport) -> str:
    return exports.filename(row.unit.code, parse_period(row.period), row.version, row.format)


def sweep() -> int:
    """Delete the files of expired exports, and part files older than a job may run."""
    now = clock.now()
    removed = 0
    for row in db.session.scalars(select(ReportExport).where(ReportExport.expires_at <= now,
                                                             ReportExport.path.is_not(None))):
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

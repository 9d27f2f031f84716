"""Export files built in the background: asked for, built by an RQ job, polled,
downloaded until their link expires, then swept.

The state lives in the `report_exports` table, not in Redis: a Redis restart loses at
most queued work, and then the poll says so (`settle`) instead of waiting forever.
The job writes `<id>.<format>.part` and renames it when complete, so a download is
never half a file; a job killed midway leaves a part file the sweep deletes.

Asking cannot starve the workers: the same export asked again (unit, period, version,
format, copy) is answered with the one already queued or running, or with the file
already built while it is still current (`basis`); a unique partial index makes two
identical requests at once one job. A requester (dashboard user or API key) has at most
REPORT_EXPORTS_PER_REQUESTER exports queued or running; one more is `TooManyExports`.
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
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db, rq_redis
from ...jobs import BUILD_REPORT_EXPORT, enqueue
from ...models import IntegrationClient, ReportExport, ReportVersion, Unit, User
from ...models.report_exports import ACTIVE_STATUSES
from ...redis_breaker import RedisSkipped
from ...summaries.read import generation
from ...transactions import transaction
from ...units.tree import subtree_ids
from . import exports, responses
from ..audience import INTERNAL, copy_of, served_copy
from ..filing import filings_stamp, latest
from ..periods import ReportingPeriod, parse_period

log = logging.getLogger(__name__)
# A queued or running export whose row has not moved for this long, and whose job RQ no
# longer knows, was lost (a Redis restart, a worker killed between jobs).
LOST_AFTER = timedelta(seconds=60)


class QueueUnavailable(Exception):
    """Redis did not take the job: nothing was queued, the export is recorded as failed."""


class TooManyExports(Exception):
    """The requester already has REPORT_EXPORTS_PER_REQUESTER exports queued or running."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} exports already queued or running")
        self.limit = limit


def export_dir() -> Path:
    path = Path(current_app.config["REPORT_EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_large(fmt: str, unit: Unit, period: ReportingPeriod, audience: str) -> bool:
    """Whether the export is built by a job: only the internal XLSX carries the responses."""
    if fmt != "xlsx" or audience != INTERNAL:
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
    """The export of these fields (the copy is the one `audience` reads, `internal` on the
    row): the one already queued or running, or built and still
    current, else a new one, queued. LookupError for a version that does not exist;
    TooManyExports past the requester's limit; QueueUnavailable when Redis does not take it."""
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    internal = audience == INTERNAL
    key = request_key(unit, period, version, fmt, internal)
    basis = basis_of(unit, period, version)
    for _attempt in range(2):
        found = _reusable(key, basis)
        if found is not None:
            return found
        _settle_requester(user_id, client_id)
        row = ReportExport(id=secrets.token_hex(16), unit_id=unit.id, period=period.label, version=version,
                           format=fmt, internal=internal, status="queued", progress=0, requested_by_user_id=user_id,
                           requested_by_client_id=client_id, created_at=clock.now(), updated_at=clock.now(),
                           request_key=key, basis=basis)
        if _claim(row, user_id, client_id):
            break
    else:  # claimed by another request twice, and gone both times: unlikely, but never a 500
        raise QueueUnavailable
    try:
        enqueue(BUILD_REPORT_EXPORT, row.id, job_id=row.id, retries=1,
                timeout=int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]))
    except (RedisError, RedisSkipped) as exc:
        log.warning("report export %s not queued, Redis unavailable: %s", row.id, exc)
        _finish(row, "failed", error="the job queue (Redis) did not answer; nothing was built, ask again later")
        raise QueueUnavailable from None
    return row


def request_key(unit: Unit, period: ReportingPeriod, version: int | None, fmt: str, internal: bool) -> str:
    """What was asked, as one string: equal keys ask for the same file."""
    copy = "internal" if internal else "published"
    return f"{unit.id}:{period.label}:{'latest' if version is None else version}:{fmt}:{copy}"


def basis_of(unit: Unit, period: ReportingPeriod, version: int | None) -> str | None:
    """What a file built now would rest on (`filing.served_document`): a submitted version
    and its status (the file's header says it), else the live draft at the current fold
    generation on today's local day (a running period judges pending work by today, and a
    draft turns not_reported after its deadline), and for a compiled draft the children's
    filings (`filing.filings_stamp`). None when Redis cannot say the generation:
    then no built file is known to be current. LookupError for a version that does not exist."""
    if version is not None:
        named = db.session.scalar(select(ReportVersion).where(
            ReportVersion.unit_id == unit.id, ReportVersion.period == period.label, ReportVersion.version == version))
        if named is None:
            raise LookupError(f"no version {version} of this report")
        return f"v{named.version}:{named.status}"
    current = latest(unit, period)
    if current is not None:
        return f"v{current.version}:{current.status}"
    folded = generation()
    if folded is None:
        return None
    # A compiled draft changes when a child submits or is reviewed, which bumps no generation.
    stamp = filings_stamp(unit, period)
    return f"live:{folded}:{clock.local_today().isoformat()}" + (f":filed:{stamp}" if stamp else "")


def _reusable(key: str, basis: str | None) -> ReportExport | None:
    """The export queued or running for this key (unless its job was lost), or the newest
    built file of it whose basis is still the current one and whose link is still valid."""
    active = db.session.scalar(select(ReportExport).where(ReportExport.request_key == key,
                                                          ReportExport.status.in_(ACTIVE_STATUSES)))
    if active is not None and settle(active).status in ACTIVE_STATUSES:
        return active
    if basis is None:
        return None
    built = db.session.scalar(
        select(ReportExport).where(ReportExport.request_key == key, ReportExport.status == "done",
                                   ReportExport.basis == basis, ReportExport.expires_at > clock.now(),
                                   ReportExport.path.is_not(None))
        .order_by(ReportExport.finished_at.desc()).limit(1))
    return built if built is not None and file_of(built) is not None else None


def _requested_by(user_id: int | None, client_id: int | None):
    if user_id is not None:
        return ReportExport.requested_by_user_id == user_id
    if client_id is not None:
        return ReportExport.requested_by_client_id == client_id
    return None


def _settle_requester(user_id: int | None, client_id: int | None) -> None:
    """Before counting: the requester's exports whose job was lost are failed, so a Redis
    restart does not hold a user at the limit until they poll each one."""
    mine = _requested_by(user_id, client_id)
    if mine is None:
        return
    for row in db.session.scalars(select(ReportExport).where(mine, ReportExport.status.in_(ACTIVE_STATUSES))).all():
        settle(row)


def _claim(row: ReportExport, user_id: int | None, client_id: int | None) -> bool:
    """Record the export as queued; False when an identical one was claimed meanwhile.

    The requester's row is locked first (FOR UPDATE on PostgreSQL; SQLite has one writer,
    and the INSERT below takes it), so that the count after the INSERT sees every export
    of the requester committed before: two requests at once cannot both take the last place.
    """
    mine = _requested_by(user_id, client_id)
    limit = int(current_app.config["REPORT_EXPORTS_PER_REQUESTER"])
    try:
        with transaction():
            if user_id is not None:
                db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
            elif client_id is not None:
                db.session.execute(select(IntegrationClient.id).where(IntegrationClient.id == client_id)
                                   .with_for_update())
            db.session.add(row)
            db.session.flush()  # the unique partial index refuses a second active export of the key
            if mine is not None:
                running = db.session.scalar(select(func.count()).select_from(ReportExport).where(
                    mine, ReportExport.status.in_(ACTIVE_STATUSES)))
                if running > limit:
                    raise TooManyExports(limit)
    except IntegrityError:
        claimed_meanwhile = db.session.scalar(select(ReportExport.id).where(
            ReportExport.request_key == row.request_key, ReportExport.status.in_(ACTIVE_STATUSES)))
        if claimed_meanwhile is None:
            raise
        return False
    return True


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
        row.basis = basis_of(row.unit, period, row.version)  # read before the document: never newer than it
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

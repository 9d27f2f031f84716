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
REPORT_EXPORTS_PER_REQUESTER exports queued or running; one more is `TooManyQueued`
(the rules every background file shares: `background_files.ask`).
"""
from __future__ import annotations

import secrets
import tempfile

from flask import current_app
from sqlalchemy import select

from ... import background_files, clock
# The asking, poll, download and sweep rules are the ones every background file shares;
# callers reach them here too (`export_runs.settle`, `.file_of`, `.expired`, `.export_dir`).
from ...background_files import QueueUnavailable, TooManyQueued, expired, export_dir, file_of, settle  # noqa: F401
from ...extensions import db
from ...jobs import BUILD_REPORT_EXPORT, enqueue
from ...models import PosterSheet, ReportExport, ReportVersion, Unit
from ...summaries.read import generation
from ...units.tree import subtree_ids
from . import exports, responses
from ..audience import INTERNAL, copy_of, served_copy
from ..filing import filings_stamp, latest
from ..periods import ReportingPeriod, parse_period


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
    row): the one already queued or running, or built and still current, else a new one,
    queued (`background_files.ask`). LookupError for a version that does not exist;
    TooManyQueued past the requester's REPORT_EXPORTS_PER_REQUESTER; QueueUnavailable
    when Redis does not take it."""
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    internal = audience == INTERNAL
    key = request_key(unit, period, version, fmt, internal)
    basis = basis_of(unit, period, version)

    def new_row() -> ReportExport:
        return ReportExport(id=secrets.token_hex(16), unit_id=unit.id, period=period.label, version=version,
                            format=fmt, internal=internal, status="queued", progress=0, requested_by_user_id=user_id,
                            requested_by_client_id=client_id, created_at=clock.now(), updated_at=clock.now(),
                            request_key=key, basis=basis)

    def queue_job(export_id: str) -> None:
        enqueue(BUILD_REPORT_EXPORT, export_id, job_id=export_id, retries=1,
                timeout=int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]))

    return background_files.ask(ReportExport, key, basis, new_row, queue_job,
                                limit=int(current_app.config["REPORT_EXPORTS_PER_REQUESTER"]))


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


def build(export_id: str) -> str:
    """The job: build the export's file (`background_files.build`: idempotent)."""

    def draw(row: ReportExport, target, progress) -> int:
        period = parse_period(row.period)
        row.basis = basis_of(row.unit, period, row.version)  # read before the document: never newer than it
        audience = copy_of(row)
        document = served_copy(row.unit, period, row.version, audience)
        unit_ids = subtree_ids(row.unit_id)
        db.session.commit()  # ends the read transaction: progress is written beside it
        return exports.write(row.format, target, document, unit_ids, period, clock.now(),
                             current_app.config["LOCAL_TIMEZONE"], audience, progress)

    row = db.session.get(ReportExport, export_id)
    return background_files.build(ReportExport, export_id, row.format if row else "", draw)


def download_name(row: ReportExport) -> str:
    return exports.filename(row.unit.code, parse_period(row.period), row.version, row.format)


def sweep() -> int:
    """Delete the files of expired exports and poster PDFs, and part files older than a job may run."""
    return background_files.sweep(ReportExport, PosterSheet)

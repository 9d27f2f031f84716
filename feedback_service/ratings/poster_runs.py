"""The posters of a whole subtree as one PDF: drawn in the request when the subtree has
few counters, else asked for, built by an RQ job on the long queue, polled, downloaded
until its link expires, then swept, with the report exports' rules (`background_files`).

Which counters: every active counter of the unit's subtree (`units.tree.subtree_ids`),
ordered by unit then counter code, so a commune's posters come out together.

Asked again (by anyone who may handle the unit), the PDF of the same unit and layout is
answered with the one queued or running, or with the one built whose link is valid while
it is still current: while a PDF drawn now would show exactly the same posters (`basis_of`).
A requester has at most POSTER_SHEETS_PER_REQUESTER PDFs queued or running.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import astuple

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import background_files, clock
from ..extensions import db
from ..jobs import BUILD_POSTER_SHEET, enqueue
from ..models import Counter, PosterSheet, Unit
from ..units.tree import subtree_ids
from . import poster_sheets
from .tokens import counter_url


def active_counters(unit: Unit) -> list[Counter]:
    """Every active counter of the unit's subtree, by unit code then counter code."""
    return list(db.session.scalars(
        select(Counter).join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.unit_id.in_(subtree_ids(unit.id)), Counter.active.is_(True))
        .options(joinedload(Counter.unit).joinedload(Unit.parent))
        .order_by(Unit.code, Counter.code)))


def faces(counters: list[Counter]) -> Iterator[poster_sheets.PosterFace]:
    for counter in counters:
        parent = counter.unit.parent
        yield poster_sheets.PosterFace(parent.name if parent else None, counter.unit.name, counter.name,
                                       counter.code, counter.qr_version, counter_url(counter))


def is_large(unit: Unit) -> bool:
    """Whether the PDF is built by a job: more counters than POSTER_INLINE_MAX."""
    counted = db.session.scalar(select(func.count()).select_from(Counter).where(
        Counter.unit_id.in_(subtree_ids(unit.id)), Counter.active.is_(True)))
    return counted > int(current_app.config["POSTER_INLINE_MAX"])


def build_now(unit: Unit, layout: str):
    """The PDF of a small subtree, drawn in the request: a temporary file the caller sends."""
    target = tempfile.TemporaryFile()
    poster_sheets.write_posters(target, faces(active_counters(unit)), layout, title=unit.name)
    target.seek(0)
    return target


def request_sheet(unit: Unit, layout: str, *, user_id: int | None = None,
                  client_id: int | None = None) -> PosterSheet:
    """The PDF of this unit and layout queued or running already, or built and still current,
    else a new one, queued (`background_files.ask`). TooManyQueued past the requester's
    POSTER_SHEETS_PER_REQUESTER; QueueUnavailable when Redis does not take it."""
    if layout not in poster_sheets.LAYOUTS:
        raise ValueError(f"unknown poster layout {layout!r}")
    key = f"{unit.id}:{layout}"
    basis = basis_of(unit, list(faces(active_counters(unit))))

    def new_row() -> PosterSheet:
        moment = clock.now()
        return PosterSheet(id=secrets.token_hex(16), unit_id=unit.id, layout=layout, status="queued", progress=0,
                           requested_by_user_id=user_id, requested_by_client_id=client_id, created_at=moment,
                           updated_at=moment, request_key=key, basis=basis)

    def queue_job(sheet_id: str) -> None:
        enqueue(BUILD_POSTER_SHEET, sheet_id, job_id=sheet_id, retries=1,
                timeout=int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]))

    return background_files.ask(PosterSheet, key, basis, new_row, queue_job,
                                limit=int(current_app.config["POSTER_SHEETS_PER_REQUESTER"]))


def basis_of(unit: Unit, drawn: list[poster_sheets.PosterFace]) -> str:
    """What a PDF of `unit` drawn from these faces shows, as one digest: the title (the
    unit's name), the questionnaire whose scale and conduct code the posters print, and
    each poster's unit and parent names, counter name and code, QR version and address
    (which holds PUBLIC_BASE_URL and the token signed with SECRET_KEY). Equal digests: the
    same posters (the layout is in the request key). Costs a signature per counter: about
    0.1 s for 1,000 (`benchmarks/posters.py`), beside some 9 s to draw them."""
    shown = [unit.name, current_app.config["INSTRUMENT_VERSION"], *(astuple(face) for face in drawn)]
    return "sha256:" + hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


def build(sheet_id: str) -> str:
    """The job: draw the PDF (`background_files.build`: idempotent)."""

    def draw(row: PosterSheet, target, progress) -> int:
        drawn = list(faces(active_counters(row.unit)))
        # What the file shows, recorded with it: the counters may change while it is drawn.
        row.basis = basis_of(row.unit, drawn)
        db.session.commit()  # ends the read transaction: progress is written beside it
        total = len(drawn)
        progress(0, total)
        return poster_sheets.write_posters(target, drawn, row.layout, lambda done: progress(done, total),
                                           title=row.unit.name)

    return background_files.build(PosterSheet, sheet_id, "pdf", draw)


def download_name(row: PosterSheet) -> str:
    return filename(row.unit, row.layout)


def filename(unit: Unit, layout: str) -> str:
    return f"ma-qr-{unit.code}{'-4up' if layout == '4up' else ''}.pdf"

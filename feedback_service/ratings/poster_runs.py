"""The posters of a whole subtree as one PDF: drawn in the request when the subtree has
few counters, else asked for, built by an RQ job on the long queue, polled, downloaded
until its link expires, then swept, with the report exports' rules (`background_files`).

Which counters: every active counter of the unit's subtree (`units.tree.subtree_ids`),
ordered by unit then counter code, so a commune's posters come out together.
"""
from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import background_files, clock
from ..background_files import QueueUnavailable, finish
from ..extensions import db
from ..jobs import BUILD_POSTER_SHEET, enqueue
from ..models import Counter, PosterSheet, Unit
from ..redis_breaker import RedisSkipped
from ..units.tree import subtree_ids
from . import poster_sheets
from .tokens import counter_url

log = logging.getLogger(__name__)
ACTIVE_STATUSES = ("queued", "running")


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
    """The PDF of this unit and layout queued or running already, else a new one, queued.
    QueueUnavailable when Redis does not take it."""
    if layout not in poster_sheets.LAYOUTS:
        raise ValueError(f"unknown poster layout {layout!r}")
    active = db.session.scalar(select(PosterSheet).where(
        PosterSheet.unit_id == unit.id, PosterSheet.layout == layout, PosterSheet.status.in_(ACTIVE_STATUSES))
        .order_by(PosterSheet.created_at.desc()).limit(1))
    if active is not None and background_files.settle(active).status in ACTIVE_STATUSES:
        return active
    moment = clock.now()
    row = PosterSheet(id=secrets.token_hex(16), unit_id=unit.id, layout=layout, status="queued", progress=0,
                      requested_by_user_id=user_id, requested_by_client_id=client_id, created_at=moment,
                      updated_at=moment)
    db.session.add(row)
    db.session.commit()
    try:
        enqueue(BUILD_POSTER_SHEET, row.id, job_id=row.id, retries=1,
                timeout=int(current_app.config["REPORT_EXPORT_TIMEOUT_SECONDS"]))
    except (RedisError, RedisSkipped) as exc:
        log.warning("poster sheet %s not queued, Redis unavailable: %s", row.id, exc)
        finish(row, "failed", error="the job queue (Redis) did not answer; nothing was built, ask again later")
        raise QueueUnavailable from None
    return row


def build(sheet_id: str) -> str:
    """The job: draw the PDF (`background_files.build`: idempotent)."""

    def draw(row: PosterSheet, target, progress) -> int:
        counters = active_counters(row.unit)
        total = len(counters)
        progress(0, total)
        return poster_sheets.write_posters(target, faces(counters), row.layout,
                                           lambda done: progress(done, total), title=row.unit.name)

    return background_files.build(PosterSheet, sheet_id, "pdf", draw)


def download_name(row: PosterSheet) -> str:
    return filename(row.unit, row.layout)


def filename(unit: Unit, layout: str) -> str:
    return f"ma-qr-{unit.code}{'-4up' if layout == '4up' else ''}.pdf"

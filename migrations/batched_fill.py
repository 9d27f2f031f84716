"""Data fills for migrations that run on a live database: batch by batch, each
batch its own short transaction.

A fill written as one UPDATE (or one loop inside the migration's transaction)
holds its row locks — and on PostgreSQL the ACCESS EXCLUSIVE lock of the
`ALTER TABLE` before it — until the whole table is done, so every citizen's
submission waits for it. Here the migration's transaction is committed first
(Alembic's `autocommit_block`), then each batch of `MIGRATION_BATCH_SIZE` rows is
read and written in a transaction of its own, under a `lock_timeout` on
PostgreSQL (a batch that would queue behind the app's writes gives up and is
retried instead of blocking everyone queued behind it). A fill interrupted
half-way resumes where it stopped when the migration runs again, as long as its
`where` selects only the rows still to fill (e.g. `column IS NULL`).

Use from a migration (see 0007):

    from migrations.batched_fill import fill_in_batches
    fill_in_batches(ratings, ratings.c.id, ratings.c.local_hour.is_(None),
                    lambda row: {"local_hour": ...}, columns=[ratings.c.submitted_at])
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

log = logging.getLogger("alembic.runtime.migration")

# A batch waits at most this long for a row the app holds, then is retried.
LOCK_TIMEOUT = "2s"
LOCK_RETRIES = 10
RETRY_PAUSE_SECONDS = 1.0
_LOCK_NOT_AVAILABLE = "55P03"


def configured_batch_size() -> int:
    """MIGRATION_BATCH_SIZE from the app's config when migrations run inside it."""
    try:
        from flask import current_app

        return int(current_app.config["MIGRATION_BATCH_SIZE"])
    except RuntimeError:  # no app context: plain Alembic reads the same setting
        from feedback_service.config import from_environment

        return int(from_environment()["MIGRATION_BATCH_SIZE"])


@contextmanager
def _batch_transaction(connection: Connection) -> Iterator[None]:
    """BEGIN … COMMIT by hand: inside Alembic's autocommit block the driver no longer
    opens transactions itself, and a batch must be all-or-nothing."""
    connection.exec_driver_sql("BEGIN")
    try:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        yield
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    connection.exec_driver_sql("COMMIT")


def _lock_timed_out(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE


def fill_in_batches(table: sa.Table, key: sa.Column, where: sa.ColumnElement[bool],
                    values: Callable[[sa.Row], dict], *, columns: list[sa.Column] | tuple = (),
                    batch_size: int | None = None) -> int:
    """Set, on every row of `table` matching `where`, the values `values(row)` returns.

    `key` is a unique, sortable column (the primary key) the batches walk in order;
    `row` holds `key` then `columns`. Returns how many rows were filled. Commits
    everything the migration did before it (see Alembic's `autocommit_block`).
    """
    batch_size = batch_size or configured_batch_size()
    filled = 0
    with op.get_context().autocommit_block():
        connection = op.get_bind()
        last = None
        while True:
            query = sa.select(key, *columns).where(where).order_by(key).limit(batch_size)
            if last is not None:
                query = query.where(key > last)
            rows = _run_batch(connection, table, key, query, values)
            if not rows:
                break
            last = rows[-1][0]
            filled += len(rows)
            log.info("filled %d rows of %s", filled, table.name)
    return filled


def _run_batch(connection: Connection, table: sa.Table, key: sa.Column, query: sa.Select,
               values: Callable[[sa.Row], dict]) -> list:
    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            with _batch_transaction(connection):
                rows = connection.execute(query).all()
                updates = [{"_key": row[0], **{f"_new_{name}": value for name, value in values(row).items()}}
                           for row in rows]
                if updates:
                    names = [name[len("_new_"):] for name in updates[0] if name != "_key"]
                    connection.execute(
                        sa.update(table).where(key == sa.bindparam("_key"))
                        .values({name: sa.bindparam(f"_new_{name}") for name in names}),
                        updates)
            return rows
        except OperationalError as exc:
            if not _lock_timed_out(exc) or attempt == LOCK_RETRIES:
                raise
            log.info("batch of %s waited past lock_timeout; retrying (%d)", table.name, attempt)
            time.sleep(RETRY_PAUSE_SECONDS)
    return []

"""Data fills in migrations commit batch by batch (migrations/batched_fill.py), so a
migration on a live PostgreSQL never holds a lock on a whole table until its last row."""
from __future__ import annotations

import pytest
from app_config import app_config
from flask_migrate import upgrade
from sqlalchemy import event, text

from feedback_service import create_app
from feedback_service.extensions import db

BEFORE_LOCAL_HOUR = "6c1d2e7a9b30"
LOCAL_HOUR = "7a4e91c0d2b5"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    with server.connect() as conn:
        conn.execute("DROP DATABASE IF EXISTS sipas_fill_test")
        conn.execute("CREATE DATABASE sipas_fill_test")
    yield server.url("sipas_fill_test")
    with server.connect() as conn:
        conn.execute("DROP DATABASE IF EXISTS sipas_fill_test WITH (FORCE)")


def _old_ratings(count: int) -> None:
    """Ratings stored before `local_hour` existed, at 01:00 UTC + n minutes."""
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, code, name, kind, active, created_at)"
                                " VALUES (1, '04', 'Cao Bằng', 'tỉnh', true, '2026-01-01 00:00:00')"))
        for n in range(count):
            connection.execute(text(
                "INSERT INTO ratings (submitted_at, local_day, unit_id, channel, verified, instrument_version,"
                " language, overall, conduct, elements) VALUES (:at, '2026-11-20', 1, 'counter_qr', false,"
                " 'v1', 'vi', 5, '{}', '{}')"), {"at": f"2026-11-20 {1 + n:02d}:00:00"})


def test_the_local_hour_fill_commits_each_batch_before_the_next(fresh_database_url, redis_server):
    app = create_app({**app_config(fresh_database_url, redis_server.url), "MIGRATION_BATCH_SIZE": 3})
    with app.app_context():
        upgrade(revision=BEFORE_LOCAL_HOUR)
        _old_ratings(7)
        events: list[str] = []

        def statement(conn, cursor, sql, *args):
            words = sql.strip().upper()
            if words.startswith("UPDATE RATINGS"):
                events.append("update")
            elif words == "COMMIT":
                events.append("commit")

        event.listen(db.engine, "before_cursor_execute", statement)
        event.listen(db.engine, "commit", lambda conn: events.append("commit"))
        try:
            upgrade(revision=LOCAL_HOUR)
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
        hours = [row[0] for row in db.session.execute(text("SELECT local_hour FROM ratings ORDER BY id"))]
        db.session.remove()
        db.engine.dispose()
    # 7 ratings in batches of 3: three UPDATEs, each committed before the next starts.
    updates = [i for i, name in enumerate(events) if name == "update"]
    assert len(updates) == 3, events
    for this, following in zip(updates, updates[1:]):
        assert "commit" in events[this:following], events
    assert "commit" in events[updates[-1]:], events
    assert hours == [8, 9, 10, 11, 12, 13, 14]  # UTC+7

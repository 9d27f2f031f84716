"""The migrations and the models describe the same schema, on SQLite and PostgreSQL:
a column added to a model without a migration (or the reverse) fails here, not in production."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from feedback_service.extensions import db


@pytest.mark.postgres_too
def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask db migrate` and review the new revision"


def test_upgrading_fills_the_local_hour_of_existing_ratings(tmp_path, redis_server):
    """Ratings stored before `local_hour` existed get it from their submission time, in
    the service's time zone (UTC 01:30 is 08:30 in Hà Nội)."""
    from app_config import app_config
    from flask_migrate import upgrade
    from sqlalchemy import text

    from feedback_service import create_app

    app = create_app(app_config(f"sqlite:///{tmp_path / 'old.db'}", redis_server.url))
    with app.app_context():
        upgrade(revision="6c1d2e7a9b30")  # the schema before local_hour
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO units (id, code, name, kind, active, created_at)"
                                    " VALUES (1, '04', 'Cao Bằng', 'tỉnh', 1, '2026-01-01 00:00:00')"))
            for rating_id, moment in ((1, "2026-11-20 01:30:00"), (2, "2026-11-20 16:59:00")):
                connection.execute(text(
                    "INSERT INTO ratings (id, submitted_at, local_day, unit_id, channel, verified, instrument_version,"
                    " language, overall, conduct, elements) VALUES (:id, :at, '2026-11-20', 1, 'counter_qr', 0,"
                    " 'v1', 'vi', 5, '{}', '{}')"), {"id": rating_id, "at": moment})
        upgrade()
        hours = db.session.execute(text("SELECT id, local_hour FROM ratings ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in hours] == [(1, 8), (2, 23)]

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


def test_upgrading_fills_the_resolved_day_of_existing_dossiers(tmp_path, redis_server):
    """Dossiers stored before `resolved_day` existed get the local day of their finish
    (resolved_at), else of their return; cancelled ones keep no cancellation date."""
    from app_config import app_config
    from flask_migrate import upgrade
    from sqlalchemy import text

    from feedback_service import create_app

    app = create_app(app_config(f"sqlite:///{tmp_path / 'old.db'}", redis_server.url))
    with app.app_context():
        upgrade(revision="7e4b2d9c1a63")  # the schema before resolved_day
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO units (id, code, name, kind, active, created_at)"
                                    " VALUES (1, '04', 'Cao Bằng', 'tỉnh', 1, '2026-01-01 00:00:00')"))
            # finished 30 Nov 17:30 UTC (1 Dec local), returned later; returned only; neither, cancelled.
            for dossier_id, resolved, returned, cancelled in ((1, "2026-11-30 17:30:00", "2026-12-03 02:00:00", 0),
                                                              (2, None, "2026-12-02 16:59:00", 0),
                                                              (3, None, None, 1)):
                connection.execute(text(
                    "INSERT INTO dossiers (id, code, unit_id, procedure_code, procedure_name, channel, received_at,"
                    " received_day, resolved_at, returned_at, cancelled, created_at, updated_at) VALUES (:id, :code,"
                    " 1, '1.001', 'Khai sinh', 'in_person', '2026-11-20 02:00:00', '2026-11-20', :resolved,"
                    " :returned, :cancelled, '2026-11-20 02:00:00', '2026-11-20 02:00:00')"),
                    {"id": dossier_id, "code": f"D{dossier_id}", "resolved": resolved, "returned": returned,
                     "cancelled": cancelled})
        upgrade()
        days = db.session.execute(text("SELECT id, resolved_day, cancelled_at, cancelled_day FROM dossiers"
                                       " ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in days] == [(1, "2026-12-01", None, None), (2, "2026-12-02", None, None),
                                            (3, None, None, None)]

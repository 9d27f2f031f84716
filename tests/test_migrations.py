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

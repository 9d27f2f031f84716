"""Fixtures: a real Redis started for the session, a fresh migrated SQLite per test,
and the calendar days the date-sensitive tests run on."""
from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest
import redis as redis_lib
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from app_config import app_config  # noqa: E402
from calendar_days import CALENDAR_DAYS  # noqa: E402
from pg_server import PostgresServer  # noqa: E402
from redis_server import RedisServer  # noqa: E402

from feedback_service import clock, create_app  # noqa: E402
from feedback_service.extensions import db  # noqa: E402


@pytest.fixture(params=list(CALENDAR_DAYS))
def calendar_day(request) -> datetime:
    """The app's clock (`feedback_service.clock.now`) set to each of CALENDAR_DAYS in turn.

    Put it first among a test's arguments, so the clock is set before any data is made;
    it runs on from there. The value is the local moment it started at.
    """
    moment = CALENDAR_DAYS[request.param]
    with clock.running_from(moment):
        yield moment


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory, redis_server) -> Path:
    """Run the real migrations once; each test gets a copy of the result."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(app_config(f"sqlite:///{path}", redis_server.url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server, redis_server) -> str:
    """A database migrated once; each test gets a copy (CREATE DATABASE … TEMPLATE)."""
    with postgres_server.connect() as conn:
        conn.execute("CREATE DATABASE sipas_template")
    app = create_app(app_config(postgres_server.url("sipas_template"), redis_server.url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return "sipas_template"


def pytest_generate_tests(metafunc):
    """Tests marked `postgres_too` run on SQLite and on a real PostgreSQL."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres_too"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    Without this a request would reuse the test's app context, and with it `g`
    (where Flask-Babel caches the locale) and the SQLAlchemy session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(request, tmp_path, migrated_db, redis_server, backend):
    """Build an app on a fresh copy of the migrated database, with overrides."""
    apps = []
    databases = []

    def fresh_database_url() -> str:
        if backend == "postgresql":
            server = request.getfixturevalue("postgres_server")
            template = request.getfixturevalue("postgres_template")
            name = f"sipas_test_{os.getpid()}_{len(databases)}"
            with server.connect() as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
            databases.append(name)
            return server.url(name)
        path = tmp_path / f"test-{len(apps)}.db"
        shutil.copy(migrated_db, path)
        return f"sqlite:///{path}"

    def factory(**overrides):
        config = app_config(fresh_database_url(), redis_server.url)
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = FreshContextClient
        apps.append(app)
        return app

    # Tests must not see each other's queues, limits or caches.
    redis_lib.Redis.from_url(redis_server.url).flushdb()
    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if databases:
        with request.getfixturevalue("postgres_server").connect() as conn:
            for name in databases:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

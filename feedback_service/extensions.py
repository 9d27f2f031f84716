"""Extensions, created unbound here and bound to an app in `create_app`.

Nothing in this module opens a connection: redis-py and SQLAlchemy both connect
lazily, on first use.
"""
from __future__ import annotations

import sqlite3

from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .redis_breaker import BreakerRetry, breaker_for


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


# Objects stay readable after commit: a request that has just stored a rating
# answers with its id without a second SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()
limiter = Limiter(key_func=lambda: "unused", default_limits=[])
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_durability(dbapi_connection, _record) -> None:
    """WAL with synchronous=FULL: a rating acknowledged to a citizen survives power loss.

    NORMAL would be faster but can drop the last commits; FULL still commits
    thousands of single rows a second, above what HTTP delivers.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


# The limits library (Flask-Limiter's storage) names a Redis on a unix socket
# `redis+unix://`; redis-py and RQ name it `unix://` (what `make run` sets REDIS_URL to).
_LIMITS_UNIX, _REDIS_UNIX = "redis+unix://", "unix://"


def limiter_storage_uri(redis_url: str) -> str:
    """The rate limiter's storage URI for a Redis URL (a unix socket's scheme differs)."""
    return "redis+" + redis_url if redis_url.startswith(_REDIS_UNIX) else redis_url


def _redis_url(uri: str) -> str:
    """The Redis URL a limiter storage URI points at, as redis-py writes it."""
    return _REDIS_UNIX + uri.removeprefix(_LIMITS_UNIX) if uri.startswith(_LIMITS_UNIX) else uri


def redis_options(config, url: str) -> dict:
    """Connection options for every Redis client of the web app (and the limiter's storage).

    Short timeouts, and a timeout is never retried: redis-py retries three times by
    default, so a hung (not down) Redis held a submission for four timeouts plus
    back-off. A dropped connection (Redis restarted) is still retried once, at once.
    After a call fails anyway, the process skips that Redis for a few seconds
    (redis_breaker.py), so a hung Redis costs one timeout, not one per call.
    """
    seconds = float(config["REDIS_TIMEOUT_SECONDS"])
    # One breaker per Redis, whichever scheme names it (the limiter's or redis-py's).
    breaker = breaker_for(_redis_url(url), float(config["REDIS_BREAKER_SECONDS"]))
    return {"socket_timeout": seconds, "socket_connect_timeout": seconds, "retry": BreakerRetry(breaker)}


def init_redis(app: Flask) -> None:
    # Two clients, as RQ wants bytes and the app wants text. A Redis outage must slow a
    # citizen's submission by a fraction of a second at most, never block it (the worker
    # and scheduler open their own connections, which wait an outage out).
    url = app.config["REDIS_URL"]
    app.extensions["redis"] = Redis.from_url(url, decode_responses=True, **redis_options(app.config, url))
    app.extensions["rq_redis"] = Redis.from_url(url, **redis_options(app.config, url))


def redis_client() -> Redis:
    return current_app.extensions["redis"]


def rq_redis() -> Redis:
    return current_app.extensions["rq_redis"]

"""The settings every test app runs with (a module of its own: tests that build an
app by hand import it; a conftest cannot be imported reliably, there are two)."""
from __future__ import annotations


def app_config(database_url: str, redis_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": "http://sipas.test",
        "RATELIMIT_ENABLED": False,
        "ABUSE_COOLDOWN_SECONDS": 0,
    }

"""SIPAS QR feedback service: the Flask application factory (`create_app`).

The package is grouped by domain (`units/`, `ratings/`, `summaries/`, `dossiers/`,
`cases/`, `webhooks/`, `people/`, `reports/`, `models/`) beside one folder per audience
(`citizen/`, `public/`, `api/`, `integration/`, `dashboard/`, `verification/`, `health/`,
`openapi/`, `accounts/`, `cli/`). Domain-neutral modules stand here: `clock.py` (the one
clock), `working_calendar.py` (working days), `transactions.py` (the one commit),
`mail.py` (sending e-mail), `jobs.py` (queues and the periodic table), `audit.py`,
`config.py`, `extensions.py`, `errors.py`, `validation.py`, `i18n.py`, `logs.py`,
`access_log.py`, `redis_breaker.py`, `security_headers.py`.
"""
from __future__ import annotations

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding any setting.

    Nothing connects at import or here: the database and Redis are reached on
    first use, so the factory is cheap and safe to call from any process.
    """
    from . import config as settings
    from .extensions import (babel, csrf, db, init_redis, limiter, limiter_storage_uri, login_manager, migrate,
                             redis_options)
    from . import working_calendar
    from .i18n import pick, remember_locale, select_locale

    app = Flask(__name__, static_folder=str(settings.PROJECT_ROOT / "static"), static_url_path="/static")
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: set it in the environment or write instance/secret_key "
            "(make run does this for you)"
        )
    # Derived, not defaults: the limiter's storage follows REDIS_URL unless set apart.
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    # The limiter's own Redis client gets the same short, unretried timeouts as the app's.
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options(app.config, app.config["RATELIMIT_STORAGE_URI"]))

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from .logs import configure_logging

    configure_logging(app.config["LOG_LEVEL"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    csrf.init_app(app)
    init_redis(app)
    working_calendar.init_app(app)
    app.after_request(remember_locale)
    app.jinja_env.globals["pick"] = pick
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale

    from werkzeug.routing import IntegerConverter

    from .models import ROW_ID_MAX

    class RowId(IntegerConverter):
        """`<id:…>`: a database row id. Out of range is 404, not an overflow in the driver."""

        def __init__(self, url_map) -> None:
            super().__init__(url_map, min=1, max=ROW_ID_MAX)

    app.url_map.converters["id"] = RowId
    _register_blueprints(app)

    from . import cli, errors, security_headers

    errors.init_app(app)
    security_headers.init_app(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """One blueprint per audience, its auth declared here where it is registered."""
    from .accounts import accounts
    from .api import api
    from .citizen import citizen
    from .dashboard import dashboard
    from .extensions import csrf
    from .health import health
    from .integration import integration
    from .openapi import api_docs
    from .public import public
    from .verification import verify

    # Public by design: citizen pages (the signed token is the only key); the counter poster
    # alone is operators' material (operators.current_operator: a login or an API key).
    app.register_blueprint(citizen)
    # Public by design: aggregated figures, submissions with a token, counter names. Counters'
    # tokens and QR codes are operators' material (operators.current_operator), checked per route.
    app.register_blueprint(api, url_prefix="/api/v1")
    # API key required (integration.authenticate runs before every route), scoped to a unit subtree.
    app.register_blueprint(integration, url_prefix="/api/v1")
    # Public by design: probes and metrics reveal no rating.
    app.register_blueprint(health)
    # Public by design: the API's description (/openapi.json, /docs) reveals no data.
    app.register_blueprint(api_docs)
    # Public by design: the login form (rate limited, locks after repeated failures).
    app.register_blueprint(accounts)
    # Login required before every route; each route checks the unit against the user's subtree.
    app.register_blueprint(dashboard, url_prefix="/dashboard")
    # Public by design: aggregated figures through the small-cell rule, rate limited per address.
    app.register_blueprint(public)
    # Public by design: checks a report's JSON that the visitor brings; shows no figure of its own.
    # CSRF-protected like any form (checked in the view, after it raises the body limit).
    app.register_blueprint(verify)
    # CSRF tokens protect every form of a logged-in session; these audiences have no such
    # session: citizens post with a signed token in the URL, machines with a bearer key.
    for anonymous_or_machine in (citizen, api, integration):
        csrf.exempt(anonymous_or_machine)



"""Configuration, read from the environment once, when the app is created.

Every setting has a documented default in `.env.example`. Nothing here connects
to anything: values only.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _secret_key() -> str | None:
    """SECRET_KEY from the environment, else from the instance file `make run` writes.

    There is deliberately no built-in fallback: a guessable key would let anyone
    forge counter QR tokens.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(os.environ.get("SECRET_KEY_FILE", INSTANCE_DIR / "secret_key"))
    if path.is_file():
        return path.read_text().strip() or None
    return None


def from_environment() -> dict:
    """All settings as a plain dict, so tests can override any of them."""
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'feedback.db'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # Connect and read timeout of every Redis client the web app uses (its own, the rate
        # limiter's, the RQ enqueue connection); a timeout is not retried. Redis answers in
        # a millisecond; a hung one costs a submission one of these, never its rating (the
        # breaker below spares the rest). The worker and scheduler have connections of their
        # own that wait out an outage (cli/workers.py).
        "REDIS_TIMEOUT_SECONDS": _float("REDIS_TIMEOUT_SECONDS", 0.25),
        # After one of those calls times out or is refused, every Redis call of the process
        # fails open at once for this long, then Redis is tried again (redis_breaker.py).
        "REDIS_BREAKER_SECONDS": _float("REDIS_BREAKER_SECONDS", 5.0),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        # The questionnaire new ratings answer; older versions stay readable.
        "INSTRUMENT_VERSION": os.environ.get("INSTRUMENT_VERSION", "sipas-6biet-v1"),
        "INSTRUMENT_DIR": os.environ.get("INSTRUMENT_DIR", str(PROJECT_ROOT / "config" / "instruments")),
        # Days are counted in this zone: a rating at 23:30 in Hà Nội belongs to that day.
        "LOCAL_TIMEZONE": os.environ.get("LOCAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        # Index method: answers at or above this level count as "satisfied".
        "SATISFIED_MIN_LEVEL": _int("SATISFIED_MIN_LEVEL", 4),
        # Abuse controls. Both can be switched off for load tests.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # A Redis outage must not turn away citizens: limits fail open, in memory.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_PER_IP": os.environ.get("RATELIMIT_PER_IP", "60 per minute;600 per hour"),
        # Allowances, not limits: above one a rating is stored flagged, never refused (abuse.py).
        # Each client's own at each counter (an IPv4 address or an IPv6 /64): a whole queue at
        # one office Wi-Fi or carrier NAT shares it, and a counter serves about one citizen in
        # a few minutes, so this leaves them room many times over (README, Abuse baseline).
        "RATELIMIT_PER_CLIENT": os.environ.get("RATELIMIT_PER_CLIENT", "10 per minute;60 per hour"),
        # The counter's ceiling, the last resort when many clients flood it together.
        "RATELIMIT_PER_COUNTER": os.environ.get("RATELIMIT_PER_COUNTER", "60 per minute;600 per hour"),
        "ABUSE_COOLDOWN_SECONDS": _int("ABUSE_COOLDOWN_SECONDS", 600),
        # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "QR_CACHE_SECONDS": _int("QR_CACHE_SECONDS", 86400),
        # Summaries are cached per fold generation; this bounds staleness if a bump is lost.
        "SUMMARY_CACHE_SECONDS": _int("SUMMARY_CACHE_SECONDS", 60),
        # /metrics counts all ratings at most this often (0: on every scrape).
        "METRICS_CACHE_SECONDS": _int("METRICS_CACHE_SECONDS", 60),
        # Rows per transaction when a migration fills a column (migrations/batched_fill.py).
        "MIGRATION_BATCH_SIZE": _int("MIGRATION_BATCH_SIZE", 5000),
        "AGGREGATION_BATCH_SIZE": _int("AGGREGATION_BATCH_SIZE", 1000),
        "SWEEP_INTERVAL_SECONDS": _int("SWEEP_INTERVAL_SECONDS", 30),
        # Dossiers (the one-door e-system). Receipt codes follow TT 01/2018/TT-VPCP unless a
        # province's e-system uses another shape: then set a regex here.
        "DOSSIER_CODE_PATTERN": os.environ.get("DOSSIER_CODE_PATTERN") or None,
        "DOSSIER_BATCH_MAX_BYTES": _int("DOSSIER_BATCH_MAX_BYTES", 2 * 1024 * 1024),
        # A dossier can be rated from receipt until this many days after its result is returned.
        "DOSSIER_RATING_DAYS": _int("DOSSIER_RATING_DAYS", 30),
        # Negative-feedback webhooks: attempts before a delivery is dead-lettered.
        "WEBHOOK_MAX_ATTEMPTS": _int("WEBHOOK_MAX_ATTEMPTS", 5),
        "WEBHOOK_TIMEOUT_SECONDS": _int("WEBHOOK_TIMEOUT_SECONDS", 5),
        # First retry waits this long; each next one four times longer (capped at 6 hours).
        "WEBHOOK_BACKOFF_SECONDS": _int("WEBHOOK_BACKOFF_SECONDS", 30),
        # Complaint cases are due this many working days after the rating: Mon–Fri, minus the
        # public holidays and plus the make-up Saturdays listed in PUBLIC_HOLIDAYS_FILE
        # (empty: weekdays only). Keep the file up to date each year.
        "CASE_SLA_WORKING_DAYS": _int("CASE_SLA_WORKING_DAYS", 5),
        "PUBLIC_HOLIDAYS_FILE": _project_path(os.environ.get("PUBLIC_HOLIDAYS_FILE", "config/holidays.txt")),
        # E-mail to unit managers about new complaint cases; no SMTP_HOST, no e-mail.
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "sipas-noreply@localhost"),
        # Period reports (reports/). A unit's report is due this many working days after its
        # period's last day; managers are reminded this many working days before. The QĐ 766
        # TTHC satisfaction indicator earns REPORT_766_TTHC_POINTS at REPORT_766_FULL_AT_PCT % or
        # more, linearly less below: the decision's appendix is not public, so both are settings.
        # That is a commune's deadline (units with no unit below them); each tier above files
        # REPORT_DEADLINE_TIER_WORKING_DAYS later, so a province compiles its communes' reports.
        "REPORT_DEADLINE_WORKING_DAYS": _int("REPORT_DEADLINE_WORKING_DAYS", 3),
        "REPORT_DEADLINE_TIER_WORKING_DAYS": _int("REPORT_DEADLINE_TIER_WORKING_DAYS", 2),
        "REPORT_REMINDER_WORKING_DAYS": _int("REPORT_REMINDER_WORKING_DAYS", 1),
        # The scheduler prepares every unit's draft when a period of these kinds closes (kind, or
        # kind/official: NĐ 09/2019 periods, what communes report upward) and mails its managers.
        "REPORT_SCHEDULED_PERIODS": os.environ.get(
            "REPORT_SCHEDULED_PERIODS",
            "month/official,quarter/official,half/official,nine_months/official,year/official"),
        "REPORT_SCHEDULE_INTERVAL_SECONDS": _int("REPORT_SCHEDULE_INTERVAL_SECONDS", 3600),
        # A scheduler that was down prepares, when it is back, every period that closed within
        # this many days and still lacks drafts (besides the latest closed one of each kind).
        "REPORT_CATCH_UP_DAYS": _int("REPORT_CATCH_UP_DAYS", 31),
        # What makes a dossier resolved in Biểu II.06a and QĐ 766, and on time everywhere:
        # "finish" (the e-system's finish date, resolved_at, else the return) or "return".
        "REPORT_RESOLVED_BY": os.environ.get("REPORT_RESOLVED_BY", "finish"),
        "REPORT_766_TTHC_POINTS": _float("REPORT_766_TTHC_POINTS", 6.0),
        "REPORT_766_FULL_AT_PCT": _float("REPORT_766_FULL_AT_PCT", 90.0),
        # A dossier "drew a dislike" when its rating's overall level is at most this.
        "REPORT_NEGATIVE_OVERALL_MAX": _int("REPORT_NEGATIVE_OVERALL_MAX", 2),
        # The public /reports/verify page takes a report's JSON up to this size (a province's is ~1 MB).
        "REPORT_VERIFY_MAX_BYTES": _int("REPORT_VERIFY_MAX_BYTES", 4 * 1024 * 1024),
        # Report exports (reports/files/exports.py): an XLSX resting on at most this many ratings is
        # built in the request; a larger one (or any from the dashboard) by an RQ job, written
        # under REPORT_EXPORT_DIR and downloadable for REPORT_EXPORT_TTL_SECONDS, then deleted by
        # the sweep every REPORT_EXPORT_SWEEP_SECONDS. A job still running after
        # REPORT_EXPORT_TIMEOUT_SECONDS is stopped by RQ and reported failed.
        "REPORT_EXPORT_INLINE_MAX": _int("REPORT_EXPORT_INLINE_MAX", 20000),
        "REPORT_EXPORT_DIR": os.environ.get("REPORT_EXPORT_DIR") or str(INSTANCE_DIR / "exports"),
        "REPORT_EXPORT_TTL_SECONDS": _int("REPORT_EXPORT_TTL_SECONDS", 86400),
        "REPORT_EXPORT_SWEEP_SECONDS": _int("REPORT_EXPORT_SWEEP_SECONDS", 600),
        # How often the scheduler looks for splits and mergers whose effective date has come.
        "REORGANISATION_CHECK_SECONDS": _int("REORGANISATION_CHECK_SECONDS", 300),
        "REPORT_EXPORT_TIMEOUT_SECONDS": _int("REPORT_EXPORT_TIMEOUT_SECONDS", 1800),
        # Exports queued or running at once per dashboard user or API key: one more is refused
        # (the API's 429 with Retry-After) until one finishes, so one caller cannot hold every
        # worker. Asking again for an export already queued, or built and still current, is
        # answered with that export and counts nothing.
        "REPORT_EXPORTS_PER_REQUESTER": _int("REPORT_EXPORTS_PER_REQUESTER", 3),
        # The Vietnamese-capable font the PDF posters and labels are drawn in (DejaVu,
        # Debian's fonts-dejavu-core).
        "POSTER_FONT_DIR": os.environ.get("POSTER_FONT_DIR") or "/usr/share/fonts/truetype/dejavu",
        # A unit's poster PDF with at most this many counters is drawn in the request; one with
        # more is built by an RQ job on the long queue and polled (its file beside the exports').
        "POSTER_INLINE_MAX": _int("POSTER_INLINE_MAX", 60),
        # Poster PDFs queued or running at once per dashboard user or API key, as
        # REPORT_EXPORTS_PER_REQUESTER for exports (a limit of each kind: a refusal names
        # what the requester has waiting, and a rollout prints many units' PDFs while an
        # export is rare). Asking again for a PDF queued, or built and still current, counts nothing.
        "POSTER_SHEETS_PER_REQUESTER": _int("POSTER_SHEETS_PER_REQUESTER", 3),
        # A dossier label sheet names at most this many dossiers in one request.
        "DOSSIER_LABELS_MAX": _int("DOSSIER_LABELS_MAX", 240),
        # Dashboard logins: this many wrong passwords in a row lock the account this long.
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_SECONDS": _int("LOGIN_LOCK_SECONDS", 900),
        # CSRF tokens live as long as the session; a form left open for hours still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "LANGUAGES": ["vi", "en"],
        "MAX_CONTENT_LENGTH": 16 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        # hide_parameters: a failed statement's message must not carry the citizen's
        # phone or comment into logs and RQ's stored tracebacks (see logs.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }


def _project_path(value: str) -> str:
    """A path from the environment, relative to the project root; empty stays empty (= none)."""
    return str(PROJECT_ROOT / value) if value else ""

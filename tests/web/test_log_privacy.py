"""Personal data never reaches a log line: not the SQL parameters of a failed
statement (a citizen's phone and comment), not the rows PostgreSQL quotes back in
an error's DETAIL, not a client address or a QR token in the access log."""
from __future__ import annotations

import io
import logging
import runpy
from pathlib import Path

import pytest
from factories import counter, tree
from sqlalchemy import text

from feedback_service.extensions import db
from feedback_service.logs import JsonFormatter
from feedback_service.ratings.tokens import counter_token

PHONE = "0912345678"
COMMENT = "Cán bộ Nguyễn Văn Bình ở quầy 3 quát tháo tôi"


@pytest.fixture
def json_log():
    """The production formatter on the root logger, as `configure_logging` sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _break_rating_inserts(backend: str) -> None:
    """Make the database refuse every new rating, as a full disk or a bad deploy would."""
    if backend == "postgresql":
        db.session.execute(text("ALTER TABLE ratings ADD CONSTRAINT ck_ratings_broken CHECK (overall < 0) NOT VALID"))
    else:
        db.session.execute(text("CREATE TRIGGER ratings_broken BEFORE INSERT ON ratings "
                                "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"))
    db.session.commit()


@pytest.mark.postgres_too
def test_a_database_error_on_submission_logs_no_phone_or_comment(app, client, json_log, backend):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    _break_rating_inserts(backend)

    response = client.post("/api/v1/ratings", json={
        "token": token, "overall": 1, "comment": COMMENT, "contact": {"phone": PHONE, "consent": True}})

    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    logged = json_log.getvalue()
    assert "unhandled error on POST /api/v1/ratings" in logged  # the failure is still logged...
    assert "INSERT INTO ratings" in logged  # ...with the statement that failed
    assert PHONE not in logged, logged
    assert "Nguyễn Văn Bình" not in logged and "quát tháo" not in logged, logged


@pytest.mark.postgres_too
def test_the_citizen_form_database_error_logs_no_phone_or_comment(app, client, json_log, backend):
    _, commune, _ = tree()
    token = counter_token(counter(commune))
    _break_rating_inserts(backend)

    response = client.post(f"/q/{token}", data={"overall": "1", "comment": COMMENT, "phone": PHONE, "consent": "1"})

    assert response.status_code == 500
    logged = json_log.getvalue()
    assert "unhandled error" in logged
    assert PHONE not in logged and "quát tháo" not in logged, logged


# --- gunicorn's access log --------------------------------------------------

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
TOKEN = "MQ.aZ3kQw.secret-signature"
ADDRESS = "203.113.45.67"


def _access_line(path: str, query: str = "", referer: str = "-") -> str:
    """One request through the production gunicorn config's logger, as the worker logs it."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    cfg = Config()
    for name, value in runpy.run_path(str(GUNICORN_CONF)).items():
        if name in cfg.settings:
            cfg.set(name, value)
    logger = cfg.logger_class(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.addHandler(handler)
    try:
        raw_uri = path + (f"?{query}" if query else "")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw_uri, "PATH_INFO": path, "QUERY_STRING": query,
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": ADDRESS, "HTTP_REFERER": referer,
                   "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14)"}
        headers = [("X-FORWARDED-FOR", ADDRESS), ("REFERER", referer)]
        logger.access(SimpleNamespace(status="200 OK", sent=1234, headers=[]), SimpleNamespace(headers=headers),
                      environ, timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(handler)
    return stream.getvalue()


@pytest.mark.parametrize("path", [f"/q/{TOKEN}", f"/d/{TOKEN}"])
def test_access_log_keeps_neither_the_client_address_nor_the_token(path):
    line = _access_line(path, query="lang=en", referer=f"https://sipas.example{path}")
    assert line.strip(), "the request must still be logged"
    assert ADDRESS not in line, line
    assert TOKEN not in line, line
    assert f"GET /{path[1]}/<token>?lang=en HTTP/1.1" in line and " 200 " in line, line


def test_access_log_keeps_ordinary_paths_as_they_are():
    line = _access_line("/api/v1/units/04/summary", query="from=2026-01-01")
    assert "GET /api/v1/units/04/summary?from=2026-01-01 HTTP/1.1" in line
    assert ADDRESS not in line


def test_access_log_redacts_whatever_format_an_operator_configures():
    from feedback_service.access_log import RedactingLogger

    atoms = RedactingLogger.redact_atoms({
        "h": ADDRESS, "r": f"POST /q/{TOKEN} HTTP/1.1", "U": f"/q/{TOKEN}", "f": f"http://x/d/{TOKEN}",
        "{x-forwarded-for}i": f"{ADDRESS}, 10.0.0.1", "{remote_addr}e": ADDRESS, "{raw_uri}e": f"/q/{TOKEN}",
        "{forwarded}i": f"for={ADDRESS}", "{x-real-ip}i": ADDRESS})
    assert ADDRESS not in repr(atoms) and TOKEN not in repr(atoms), atoms

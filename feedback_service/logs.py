"""Structured (one JSON object per line) logs for web and worker processes.

Log lines must never carry a citizen's phone number or comment. SQLAlchemy is
told to hide bound parameters (`hide_parameters` in config.py), but the database
itself quotes data back in its messages too — PostgreSQL's DETAIL says "Failing row
contains (…, <comment>, <phone>, …)" — so database errors are rewritten here to
their kind, SQLSTATE, constraint and statement, before any line is written.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import sys
import traceback
from datetime import datetime, timezone

from sqlalchemy.exc import StatementError

# SQLSTATE class 22 (data exception) messages quote the offending value itself:
# `invalid input syntax for type integer: "0912…"`.
_DATA_EXCEPTION_CLASS = "22"
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _driver_message(exc: BaseException) -> str | None:
    """A database driver error's message without the data it may quote; None if not one."""
    if isinstance(exc, sqlite3.Error):
        # SQLite names columns and constraints, never values: its first line is safe.
        return (str(exc).splitlines() or [""])[0]
    diag = getattr(exc, "diag", None)
    if type(exc).__module__.startswith("psycopg") and diag is not None:
        sqlstate = getattr(exc, "sqlstate", None) or ""
        parts = [f"SQLSTATE {sqlstate}" if sqlstate else "SQLSTATE unknown"]
        if not sqlstate.startswith(_DATA_EXCEPTION_CLASS) and diag.message_primary:
            parts.append(diag.message_primary)
        for name in ("table_name", "column_name", "constraint_name"):
            if getattr(diag, name, None):
                parts.append(f"{name.split('_')[0]}={getattr(diag, name)}")
        return "; ".join(parts)
    return None


def safe_message(exc: BaseException) -> str:
    """str(exc), except that database errors lose everything that could be data."""
    if isinstance(exc, StatementError):
        orig = exc.orig
        inner = (_driver_message(orig) if orig is not None else None) or (type(orig).__name__ if orig else "")
        kind = f"({type(orig).__module__}.{type(orig).__name__}) " if orig is not None else ""
        return f"{kind}{inner}\n[SQL: {exc.statement}]"
    driver = _driver_message(exc)
    return driver if driver is not None else str(exc)


def format_exception(exc: BaseException) -> str:
    """A traceback like Python's own, chained exceptions included, with safe messages."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    text = []
    for item, link in reversed(chain):
        if item.__traceback__ is not None:
            text.append("Traceback (most recent call last):\n")
            text.extend(traceback.format_tb(item.__traceback__))
        name = type(item).__qualname__
        module = type(item).__module__
        if module not in ("builtins", "__main__"):
            name = f"{module}.{name}"
        message = safe_message(item)
        text.append(f"{name}: {message}\n" if message else f"{name}\n")
        text.append(link)
    return "".join(text).rstrip("\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": _message(record),
        }
        job_id = getattr(record, "job_id", None) or _current_job_id()
        if job_id:
            entry["job_id"] = job_id
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = format_exception(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False)


def _message(record: logging.LogRecord) -> str:
    """The message, with any exception passed as an argument (`log.warning("…: %s", exc)`) made safe."""
    args = record.args
    if isinstance(args, tuple) and any(isinstance(arg, BaseException) for arg in args):
        args = tuple(safe_message(arg) if isinstance(arg, BaseException) else arg for arg in args)
    message = str(record.msg)
    return message % args if args else message


def _current_job_id() -> str | None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # outside a worker there is no job, and no reason to fail a log line
        return None
    return job.id if job else None


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())

"""`flask reports verify FILE`: check a submitted report's integrity hash.
`flask reports prepare [--period LABEL]`: what the scheduler does when a period closes, by hand."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import ReportVersion, Unit
from ..reports import integrity, schedule
from ..reports.periods import PeriodInvalid, parse_period

INTACT, ALTERED, UNREADABLE = 0, 1, 2
SHOWN_DIFFERENCES = 20


def register(app: Flask) -> None:
    @app.cli.group("reports")
    def reports() -> None:
        """Period reports filed upward."""

    @reports.command("verify")
    @click.argument("file", type=click.File("rb"))
    def verify_command(file) -> None:
        """Recompute FILE's SHA-256 (a report snapshot's JSON, or - for standard input).

        Exits 0 when the content matches its sha256, 1 naming the mismatch when it
        does not, 2 when FILE is not a report snapshot. When this service holds the
        same version, it says where that version stands (submitted, accepted or
        returned: the status in a file is outside the hash), and on a mismatch lists
        the fields that differ from what was submitted.
        """
        try:
            document = integrity.load_snapshot(file.read())
            actual = integrity.digest(document)  # before anything is looked up
        except (integrity.NotASnapshot, ValueError, TypeError, RecursionError) as exc:
            click.echo(f"{file.name}: {exc}", err=True)
            sys.exit(UNREADABLE)
        problem = integrity.check(document, actual)
        stored = _stored(document)
        if problem is None:
            click.echo(f"{file.name}: intact; sha256 {document['sha256']} "
                       f"({_describe(document)})")
            if stored is not None and not integrity.same_digest(stored.sha256, actual):
                click.echo(f"but this service holds that version with sha256 {stored.sha256}", err=True)
                sys.exit(ALTERED)
            if stored is None:
                click.echo("this service holds no such version: the status in the file "
                           f"({document.get('status', 'none')}) is outside the hash and not confirmed")
                return
            click.echo(f"stored status: {stored.status}")
            if document.get("status") not in (None, stored.status):
                click.echo(f"the file says {document.get('status')}, but this version is {stored.status} here",
                           err=True)
            return
        click.echo(f"{file.name}: ALTERED: {problem}", err=True)
        if stored is not None:
            submitted = json.loads(stored.document)
            changed = list(integrity.differences(submitted, integrity.hashed_part(document)))
            for path, was, now in changed[:SHOWN_DIFFERENCES]:
                click.echo(f"  {path}: submitted {json.dumps(was, ensure_ascii=False)}, "
                           f"file says {json.dumps(now, ensure_ascii=False)}", err=True)
            if len(changed) > SHOWN_DIFFERENCES:
                click.echo(f"  … and {len(changed) - SHOWN_DIFFERENCES} more", err=True)
        sys.exit(ALTERED)


    @reports.command("prepare")
    @click.option("--period", "label", help="one period, e.g. 2026-Q3/official (default: the latest closed "
                                             "period of each kind in REPORT_SCHEDULED_PERIODS)")
    def prepare_command(label: str | None) -> None:
        """Prepare every unit's draft of the closed period(s), mail its managers once and
        remind them before the deadline; prints what was done. Running it twice does nothing twice."""
        try:
            periods = [parse_period(label)] if label else None
            outcomes = schedule.prepare_closed_periods(periods)
        except (PeriodInvalid, ValueError) as exc:
            raise click.UsageError(str(exc)) from None
        for outcome in outcomes:
            click.echo(f"{outcome.period} (due {outcome.deadline}): {len(outcome.prepared)} drafts prepared"
                       + (f" ({', '.join(outcome.prepared)})" if outcome.prepared else ""))
            if not outcome.mailed:
                click.echo("  no e-mail: " + ("SMTP_HOST is not set" if not schedule.smtp_configured()
                                               else "the deadline has passed"))
            for what in ("notified", "reminded"):
                codes = getattr(outcome, what)
                click.echo(f"  {what}: {len(codes)}" + (f" ({', '.join(codes)})" if codes else ""))


def _describe(document: dict) -> str:
    unit, period = document.get("unit") or {}, document.get("period") or {}
    return f"unit {unit.get('code')}, period {period.get('label')}, version {document.get('version')}"


def _stored(document: dict) -> ReportVersion | None:
    """The same version as this service stored it, if it holds one (the file may come
    from another installation, or be checked where no database is reachable)."""
    try:
        code = (document.get("unit") or {}).get("code")
        label = (document.get("period") or {}).get("label")
        unit = Unit.by_code(code) if isinstance(code, str) else None
        if unit is None or not isinstance(label, str) or not isinstance(document.get("version"), int):
            return None
        return db.session.scalar(select(ReportVersion).where(
            ReportVersion.unit_id == unit.id, ReportVersion.period == label,
            ReportVersion.version == document["version"]))
    except SQLAlchemyError:
        return None

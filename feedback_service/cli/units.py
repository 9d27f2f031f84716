"""`flask units import-vn|merge|reorganise`, `flask counters import`, `flask officers import`."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Unit
from ..summaries.fold import rebuild, refresh_after
from ..units.importing import CsvReport, ImportRefused, import_counters, import_divisions, import_officers
from ..units.reorganisation import reorganise
from ..units.tree import MergerRefused, record_merger

# 1: some rows were rejected (the good ones are saved); 2: nothing was imported.
EXIT_ROWS_REJECTED = 1
EXIT_REFUSED = 2


class Refused(click.ClickException):
    exit_code = EXIT_REFUSED


def register(app: Flask) -> None:
    @app.cli.group("units")
    def units() -> None:
        """The administrative unit tree."""

    @units.command("import-vn")
    @click.option("--province", "provinces", multiple=True, metavar="CODE",
                  help="Import only this province and its communes (repeatable), e.g. --province 04.")
    def import_vn_command(provinces: tuple[str, ...]) -> None:
        """Upsert the 2025 provinces and communes from the vietnam-provinces package."""
        try:
            report = import_divisions(provinces or None)
        except ImportRefused as exc:
            raise Refused(str(exc)) from None
        click.echo(f"source: {report.source}")
        click.echo(f"provinces: {report.provinces.describe()}")
        click.echo(f"communes: {report.communes.describe()}")

    @units.command("merge")
    @click.argument("merged_code", metavar="CODE")
    @click.option("--into", "successor_code", required=True, metavar="CODE",
                  help="The unit it was merged into.")
    @click.option("--rebuild/--no-rebuild", "rebuild_after", default=True,
                  help="Recompute the summaries along the new tree (default; run `flask rebuild` later if not).")
    def merge_command(merged_code: str, successor_code: str, rebuild_after: bool) -> None:
        """Record that unit CODE was merged into another: its figures, alerts, dossiers and
        dashboard scope move inside that unit; its own history stays attributable to it."""
        merged, successor = Unit.by_code(merged_code), Unit.by_code(successor_code)
        for code, row in ((merged_code, merged), (successor_code, successor)):
            if row is None:
                raise Refused(f"no unit with code {code!r}")
        try:
            record_merger(merged, successor, actor="cli")
        except MergerRefused as exc:
            raise Refused(str(exc)) from None
        db.session.commit()
        click.echo(f"{merged.code} {merged.name} is now inside {successor.code} {successor.name}")
        if rebuild_after:
            click.echo(f"rebuilt summaries from {rebuild()} ratings")

    @units.command("reorganise")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--counters", "counters_file", type=click.Path(path_type=Path), metavar="FILE.csv",
                  help="Where each counter of a split unit goes: rows counter_id,new_code.")
    @click.option("--all-counters-to", "all_counters_to", metavar="CODE",
                  help="One successor for every counter the counters file does not name.")
    @click.option("--rebuild/--no-rebuild", "rebuild_after", default=True,
                  help="Recompute the summaries when a merger took effect (default; run `flask rebuild` later if not).")
    def reorganise_command(file: Path, counters_file: Path | None, all_counters_to: str | None,
                           rebuild_after: bool) -> None:
        """Record splits and mergers from a CSV with the header effective_date,old_code,new_code.

        Several old codes to one new code is a merger; one old code to several is a split.
        Nothing is recorded while any line has a problem; a second run changes nothing."""
        try:
            outcome = reorganise(file, counters_file, all_counters_to, actor="cli")
        except ImportRefused as exc:
            raise Refused(f"nothing recorded: {exc}") from None
        except IntegrityError:
            # The unique pairs stop a second run at the same moment from recording anything twice.
            raise Refused("another reorganisation was recorded at the same moment: nothing recorded; run again") from None
        if outcome.problems:
            for problem in outcome.problems:
                click.echo(str(problem), err=True)
            raise Refused(f"nothing recorded: {len(outcome.problems)} problem(s)")
        click.echo(f"successions: {outcome.recorded} recorded, {outcome.unchanged} already recorded")
        click.echo(f"counter moves: {outcome.counters_recorded} recorded")
        applied = outcome.applied
        pending = "" if applied.changed else " (none due yet: the scheduler applies them on their date)"
        click.echo(f"took effect: {', '.join(applied.old_codes) or 'none'}{pending}")
        if outcome.late_ratings:
            click.echo(f"{outcome.late_ratings} rating(s) given at the moved counters since the effective date "
                       "stay with the unit they were given to")
        if applied.merged and not rebuild_after:
            click.echo("a merger took effect: run `flask rebuild` before reading the figures")
            return
        refolded = refresh_after(applied)
        if refolded is not None:
            click.echo(f"rebuilt summaries from {refolded} ratings")

    @app.cli.group("counters")
    def counters() -> None:
        """One-stop counters (quầy) of the units."""

    @counters.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    def import_counters_command(file: Path) -> None:
        """Upsert counters from a CSV with the header unit_code,code,name."""
        run_csv_import("counters", import_counters, file)

    @app.cli.group("officers")
    def officers() -> None:
        """Officers (công chức) serving at the counters."""

    @officers.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    def import_officers_command(file: Path) -> None:
        """Upsert officers from a CSV with the header code,name,unit_code[,counter_code]."""
        run_csv_import("officers", import_officers, file)


def run_csv_import(what: str, importer: Callable[[Path], CsvReport], file: Path) -> None:
    try:
        report = importer(file)
    except ImportRefused as exc:
        raise Refused(str(exc)) from None
    for problem in report.problems:
        click.echo(f"{file}:{problem.line}: {problem.reason}", err=True)
    click.echo(f"{what}: {report.describe()}")
    if report.problems:
        raise click.exceptions.Exit(EXIT_ROWS_REJECTED)

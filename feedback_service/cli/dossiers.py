"""`flask dossiers import FILE.csv`: historical dossiers from the one-door e-system.

Each row is checked exactly as `POST /api/v1/dossiers` checks a body (the
counter named by its code in the unit), then the return time and lateness are
recorded as a PATCH would. Good rows are kept, bad rows reported by line; a
second run of the same file changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask

from ..dossiers.records import (DossierInvalid, Lookups, apply_update, check_registration, check_update,
                                existing_dossiers)
from ..dossiers.records import register as register_dossier
from ..summaries.read import bump_generation
from ..transactions import transaction
from ..units.importing import CsvReport, CsvRow, RowProblem
from ..units.importing import unknown_unit as unknown_unit_reason
from ..units.importing import read_csv
from .units import run_csv_import

DOSSIER_COLUMNS = ("code", "unit_code", "counter_code", "officer_code", "procedure_code", "procedure_name",
                   "received_at", "due_at", "channel", "returned_at", "late")
# The procedure's field (lĩnh vực), the row of Biểu II.06a; without it the dossier counts under "Khác".
OPTIONAL_COLUMNS = ("field_code", "field_name")
ACTOR = "cli"
# Rows per transaction: a crash loses at most this much work, and a rerun redoes it.
CHUNK_ROWS = 1000
_TRUE = {"true", "1", "yes", "có", "x"}
_FALSE = {"false", "0", "no", "không"}


def _late(raw: str) -> bool | None | str:
    """True/False, None for an empty cell, or the raw text when it is neither."""
    value = raw.strip().lower()
    if value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return raw


def _column(name: str) -> str:
    # CSV users know the columns, not the API's nested names.
    return {"procedure.code": "procedure_code", "procedure.name": "procedure_name",
            "procedure.field_code": "field_code", "procedure.field_name": "field_name",
            "counter_id": "counter_code"}.get(name, name)


def _reason(exc: DossierInvalid, values: dict[str, str]) -> str:
    reasons = []
    for error in exc.errors:
        if error.code == "unknown_unit":
            # With the hint for the leading zeros Excel drops.
            reasons.append(f"unit_code: {unknown_unit_reason(values['unit_code'])}")
        else:
            reasons.append(f"{_column(error.field)}: {error.message}")
    return "; ".join(reasons)


def _import_row(row: CsvRow, lookups: Lookups, existing: dict, report: CsvReport) -> None:
    values = row.values
    # An empty or absent field cell is no field, as a body without the key.
    field = {key: values[key] for key in OPTIONAL_COLUMNS if values.get(key)}
    body = {
        "code": values["code"], "unit_code": values["unit_code"],
        "officer_code": values["officer_code"] or None,
        "procedure": {"code": values["procedure_code"], "name": values["procedure_name"], **field},
        "received_at": values["received_at"], "due_at": values["due_at"] or None,
        "channel": values["channel"],
    }
    late = _late(values["late"])
    if isinstance(late, str):
        report.problems.append(RowProblem(row.line, f"late: {late!r} is neither true nor false"))
        return
    try:
        registration = check_registration(body, lookups, counter_code=values["counter_code"] or None)
    except DossierInvalid as exc:
        report.problems.append(RowProblem(row.line, _reason(exc, values)))
        return
    # Empty cells mean "not known", never "clear what is stored".
    wanted = {k: v for k, v in (("returned_at", values["returned_at"] or None), ("late", late)) if v is not None}
    try:
        changes = check_update(wanted, registration.received_at) if wanted else {}
    except DossierInvalid as exc:
        report.problems.append(RowProblem(row.line, _reason(exc, values)))
        return
    outcome = register_dossier(registration, existing, ACTOR)
    if outcome.status == "conflict":
        report.problems.append(RowProblem(
            row.line, f"dossier {registration.code} is already registered with another "
                      f"{', '.join(_column(n) for n in outcome.differing)}"))
        return
    changed = apply_update(outcome.dossier, changes, ACTOR) if changes else {}
    if outcome.status == "created":
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def import_dossiers(path: Path | str, progress: Callable[[int, int], None] | None = None) -> CsvReport:
    """Register the file's dossiers, committing every CHUNK_ROWS rows."""
    rows, problems = read_csv(path, DOSSIER_COLUMNS, OPTIONAL_COLUMNS)
    report = CsvReport(problems=problems)
    lookups = Lookups()
    seen: dict[tuple[str, str], int] = {}  # (unit code, dossier code)
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        with transaction():  # each chunk is committed whole or not at all
            existing = existing_dossiers([row.values["code"] for row in chunk])
            for row in chunk:
                code = row.values["code"]
                # A code is unique within its unit (dossiers.existing_dossiers).
                key = (row.values["unit_code"], code)
                if key in seen:
                    report.problems.append(RowProblem(row.line, f"duplicate of line {seen[key]} (dossier {code})"))
                    continue
                seen[key] = row.line
                _import_row(row, lookups, existing, report)
        bump_generation()  # denominators changed: cached summaries are stale
        if progress:
            progress(start + len(chunk), len(rows))
    report.problems.sort(key=lambda p: p.line)
    return report


def register(app: Flask) -> None:
    @app.cli.group("dossiers")
    def dossiers() -> None:
        """Dossiers (hồ sơ TTHC) registered by the one-door e-system."""

    @dossiers.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    def import_command(file: Path) -> None:
        """Import historical dossiers from a CSV with the header
        code,unit_code,counter_code,officer_code,procedure_code,procedure_name,
        received_at,due_at,channel,returned_at,late (times ISO 8601 with offset), and
        optionally field_code,field_name (the procedure's field, lĩnh vực)."""
        def progress(done: int, total: int) -> None:
            click.echo(f"{done}/{total} rows", err=True)

        run_csv_import("dossiers", lambda path: import_dossiers(path, progress), file)

"""Loading the unit tree, counters and officers from outside data.

Every import is an upsert by the record's stable code: running it again changes
nothing, a changed name or assignment is updated, and nothing is ever deleted
(a code is never reused, and past ratings keep pointing at what they rated).
Kept apart from click so the demo and the tests drive the same code.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import insert, select, update

from ..extensions import db
from ..models import Counter, Officer, Unit
from ..transactions import transaction
from ..validation import has_control

PROVINCE_CODE_WIDTH = 2
COMMUNE_CODE_WIDTH = 5

COUNTER_COLUMNS = ("unit_code", "code", "name")
OFFICER_COLUMNS = ("code", "name", "unit_code")
OFFICER_OPTIONAL_COLUMNS = ("counter_code",)


class ImportRefused(Exception):
    """The input as a whole cannot be imported (no file, not UTF-8, wrong header…)."""


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def describe(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class DivisionReport:
    source: str
    provinces: ImportCounts = field(default_factory=ImportCounts)
    communes: ImportCounts = field(default_factory=ImportCounts)


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class CsvReport(ImportCounts):
    problems: list[RowProblem] = field(default_factory=list)

    def describe(self) -> str:
        return f"{super().describe()}, {len(self.problems)} rejected"


# --- the 2025 divisions from the `vietnam-provinces` package ---------------------

class Division(NamedTuple):
    code: str
    name: str
    kind: str
    parent_code: str | None


def province_code(raw: str | int) -> str:
    """'4', '04' or 4 → '04'; anything else is refused."""
    text = str(raw).strip()
    if not text.isdigit() or len(text) > PROVINCE_CODE_WIDTH:
        raise ImportRefused(f"{raw!r} is not a province code (two digits, e.g. 04)")
    return text.zfill(PROVINCE_CODE_WIDTH)


def load_divisions(path: Path | None = None) -> tuple[list[Division], list[Division]]:
    """Provinces and communes of the package's nested JSON, codes zero-padded."""
    import vietnam_provinces

    source = Path(path or vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImportRefused(f"cannot read the divisions data {source}: {exc}") from exc
    provinces, communes = [], []
    for province in data:
        code = str(province["code"]).zfill(PROVINCE_CODE_WIDTH)
        provinces.append(Division(code, _text(province["name"]), province["division_type"], None))
        for commune in province.get("wards", []):
            communes.append(Division(str(commune["code"]).zfill(COMMUNE_CODE_WIDTH),
                                     _text(commune["name"]), commune["division_type"], code))
    return provinces, communes


def division_source() -> str:
    import vietnam_provinces

    return f"vietnam-provinces {vietnam_provinces.__version__} (data of {vietnam_provinces.__data_version__})"


def import_divisions(only_provinces: Iterable[str | int] | None = None) -> DivisionReport:
    """Upsert the 34 provinces and 3,321 communes, or only the provinces named.

    Bulk statements and one commit: the whole country takes about a second. A
    province's own parent is left alone: the source knows nothing above a
    province, and an operator may have hung provinces under a national root.
    """
    provinces, communes = load_divisions()
    if only_provinces:
        wanted = {province_code(code) for code in only_provinces}
        unknown = wanted - {p.code for p in provinces}
        if unknown:
            raise ImportRefused(f"no province with code {', '.join(sorted(unknown))} in {division_source()}")
        provinces = [p for p in provinces if p.code in wanted]
        communes = [c for c in communes if c.parent_code in wanted]

    report = DivisionReport(source=division_source())
    with transaction():
        existing = _units_by_code()
        _upsert_units(provinces, existing, {}, report.provinces, manage_parent=False)
        db.session.flush()
        parent_ids = {code: row.id for code, row in _units_by_code().items()}
        _upsert_units(communes, existing, parent_ids, report.communes, manage_parent=True)
    return report


class _UnitRow(NamedTuple):
    id: int
    name: str
    kind: str
    parent_id: int | None


def _units_by_code() -> dict[str, _UnitRow]:
    rows = db.session.execute(select(Unit.code, Unit.id, Unit.name, Unit.kind, Unit.parent_id))
    return {code: _UnitRow(uid, name, kind, parent) for code, uid, name, kind, parent in rows}


def _upsert_units(divisions: list[Division], existing: dict[str, _UnitRow], parent_ids: dict[str, int],
                  counts: ImportCounts, *, manage_parent: bool) -> None:
    new_rows, changed_rows = [], []
    for division in divisions:
        parent_id = parent_ids.get(division.parent_code) if division.parent_code else None
        row = existing.get(division.code)
        if row is None:
            new_rows.append({"code": division.code, "name": division.name, "kind": division.kind,
                             "parent_id": parent_id})
            continue
        wanted = {"name": division.name, "kind": division.kind}
        if manage_parent:
            wanted["parent_id"] = parent_id
        changes = {key: value for key, value in wanted.items() if getattr(row, key) != value}
        if changes:
            changed_rows.append({"id": row.id, **changes})
        else:
            counts.unchanged += 1
    # Rows of one executemany must share their keys.
    by_keys: dict[tuple[str, ...], list[dict]] = {}
    for row in changed_rows:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for rows in by_keys.values():
        db.session.execute(update(Unit), rows)
    if new_rows:
        db.session.execute(insert(Unit), new_rows)
    counts.created += len(new_rows)
    counts.updated += len(changed_rows)


# --- counters and officers from CSV ------------------------------------------------

@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


def read_csv(path: Path | str, required: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> tuple[list[CsvRow], list[RowProblem]]:
    """The file's rows as dicts with stripped, NFC-normalised values.

    UTF-8 with or without the BOM Excel writes. Column order is free but the
    header must name every required column and nothing unknown. Blank lines and
    Excel's all-empty trailing rows are skipped; a row with the wrong number of
    fields is a problem of its own line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportRefused(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ImportRefused(
            f"{path}: line {line} is not UTF-8; save the file as \"CSV UTF-8\" in Excel"
        ) from None

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused(f"{path}: the file is empty; expected the header {','.join(required + optional)}")
        columns = [cell.strip().lower() for cell in header]
        _check_header(path, columns, required, optional)
        rows, problems = [], []
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                problems.append(RowProblem(start, f"expected {len(columns)} fields, found {len(record)}"))
                continue
            values = {col: _text(cell) for col, cell in zip(columns, record)}
            rows.append(CsvRow(start, values))
    except csv.Error as exc:
        raise ImportRefused(f"{path}: line {reader.line_num}: not readable as CSV ({exc})") from None
    return rows, problems


def _check_header(path: Path, columns: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    expected = ",".join(required + optional)
    found = ",".join(columns)
    missing = [c for c in required if c not in columns]
    # Excel leaves an unnamed column behind when a sheet had a stray cell to the right.
    unknown = [c or "(a column without a name)" for c in columns if c not in required + optional]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if not (missing or unknown or duplicated):
        return
    if len(columns) == 1 and ";" in found:
        raise ImportRefused(f"{path}: the fields are separated by ';': save the file with commas "
                            f"(expected header {expected})")
    parts = [f"missing {', '.join(missing)}" if missing else "",
             f"unknown {', '.join(unknown)}" if unknown else "",
             f"repeated {', '.join(duplicated)}" if duplicated else ""]
    raise ImportRefused(
        f"{path}: wrong header {found!r} ({'; '.join(p for p in parts if p)}); expected {expected}"
    )


def _text(value: str) -> str:
    # Text pasted from macOS or some Vietnamese input methods arrives decomposed;
    # "Hòa" in two forms would otherwise be two different names.
    return unicodedata.normalize("NFC", value).strip()


def _max_length(column) -> int:
    return column.type.length


def check_fields(values: dict[str, str], required: Iterable[str], limits: dict[str, int]) -> str | None:
    for name in required:
        if not values.get(name):
            return f"missing field {name}"
    for name, value in values.items():
        if value and has_control(value):
            return f"field {name} contains a control character"
    for name, limit in limits.items():
        if len(values.get(name) or "") > limit:
            return f"field {name} too long ({len(values[name])} characters, at most {limit})"
    return None


def _unit_ids(codes: Collection[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())


def unknown_unit(code: str) -> str:
    """The reason for an unknown unit code, with a hint when Excel dropped its zeros."""
    reason = f"unknown unit {code}"
    if code.isdigit():
        candidates = [code.zfill(width) for width in (PROVINCE_CODE_WIDTH, COMMUNE_CODE_WIDTH) if width > len(code)]
        found = sorted(_unit_ids(candidates))
        if found:
            reason += f" (did you mean {' or '.join(found)}? Excel drops leading zeros: format the column as Text)"
    return reason


def import_counters(path: Path | str) -> CsvReport:
    """Upsert counters keyed by (unit_code, code); the name is updated."""
    rows, problems = read_csv(path, COUNTER_COLUMNS)
    report = CsvReport(problems=problems)
    units = _unit_ids({row.values["unit_code"] for row in rows})
    existing = {
        (c.unit_id, c.code): c
        for c in db.session.scalars(select(Counter).where(Counter.unit_id.in_(units.values())))
    }
    limits = {"unit_code": _max_length(Unit.code), "code": _max_length(Counter.code),
              "name": _max_length(Counter.name)}
    seen: dict[tuple[str, str], int] = {}
    with transaction():
        for row in rows:
            values = row.values
            reason = check_fields(values, COUNTER_COLUMNS, limits)
            key = (values["unit_code"], values["code"])
            if reason is None and key in seen:
                reason = f"duplicate of line {seen[key]} (unit {key[0]}, counter {key[1]})"
            if reason is None and values["unit_code"] not in units:
                reason = unknown_unit(values["unit_code"])
            if reason is not None:
                report.problems.append(RowProblem(row.line, reason))
                continue
            seen[key] = row.line
            unit_id = units[values["unit_code"]]
            counter = existing.get((unit_id, values["code"]))
            if counter is None:
                counter = Counter(unit_id=unit_id, code=values["code"], name=values["name"])
                db.session.add(counter)
                existing[(unit_id, values["code"])] = counter
                report.created += 1
            elif counter.name != values["name"]:
                counter.name = values["name"]
                report.updated += 1
            else:
                report.unchanged += 1
    report.problems.sort(key=lambda p: p.line)
    return report


def import_officers(path: Path | str) -> CsvReport:
    """Upsert officers keyed by code; name, unit and counter are updated.

    An empty or absent counter_code means the officer serves at no counter: an
    officer moving to another unit must not keep a counter of the old one.
    """
    rows, problems = read_csv(path, OFFICER_COLUMNS, OFFICER_OPTIONAL_COLUMNS)
    report = CsvReport(problems=problems)
    units = _unit_ids({row.values["unit_code"] for row in rows})
    counters = {
        (unit_id, code): counter_id
        for counter_id, unit_id, code in db.session.execute(
            select(Counter.id, Counter.unit_id, Counter.code).where(Counter.unit_id.in_(units.values())))
    }
    existing = {
        o.code: o
        for o in db.session.scalars(select(Officer).where(Officer.code.in_({r.values["code"] for r in rows})))
    }
    limits = {"code": _max_length(Officer.code), "name": _max_length(Officer.name),
              "unit_code": _max_length(Unit.code), "counter_code": _max_length(Counter.code)}
    seen: dict[str, int] = {}
    with transaction():
        for row in rows:
            values = row.values
            counter_code = values.get("counter_code") or ""
            reason = check_fields(values, OFFICER_COLUMNS, limits)
            if reason is None and values["code"] in seen:
                reason = f"duplicate of line {seen[values['code']]} (officer {values['code']})"
            if reason is None and values["unit_code"] not in units:
                reason = unknown_unit(values["unit_code"])
            if reason is None and counter_code and (units[values["unit_code"]], counter_code) not in counters:
                reason = f"unknown counter {counter_code} in unit {values['unit_code']}"
            if reason is not None:
                report.problems.append(RowProblem(row.line, reason))
                continue
            seen[values["code"]] = row.line
            unit_id = units[values["unit_code"]]
            wanted = {"name": values["name"], "unit_id": unit_id,
                      "counter_id": counters[(unit_id, counter_code)] if counter_code else None}
            officer = existing.get(values["code"])
            if officer is None:
                db.session.add(Officer(code=values["code"], **wanted))
                report.created += 1
                continue
            changes = {k: v for k, v in wanted.items() if getattr(officer, k) != v}
            for key, value in changes.items():
                setattr(officer, key, value)
            if changes:
                report.updated += 1
            else:
                report.unchanged += 1
    report.problems.sort(key=lambda p: p.line)
    return report

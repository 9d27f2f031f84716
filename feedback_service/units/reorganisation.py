"""`flask units reorganise`: a plan of splits and mergers read from CSV, checked whole, then
recorded whole or not at all.

The plan file has rows `effective_date,old_code,new_code`: several old codes to one new is a
merger, one old code to several new a split. The counters file (`counter_id,new_code`) names
where each counter of a split unit goes; a merged unit's counters go to its one successor,
and `--all-counters-to` names one successor for every counter left unnamed.

Every problem is reported with its file and line and nothing is written while any remains.
A row already recorded exactly so is unchanged, so a second run changes nothing; a recorded
reorganisation is never rewritten by a different plan. What the rules are once recorded
(when a plan takes effect, where ratings go, how history reads) is `succession.py`'s.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from .. import clock
from ..audit import audit
from ..extensions import db
from ..models import Counter, CounterMove, Rating, Unit, UnitSuccession
from ..transactions import transaction
from .importing import CsvRow, check_fields, read_csv, unknown_unit
from .succession import Applied, apply_due, successions_of
from .tree import UNIT_ABOVE, units_above

PLAN_COLUMNS = ("effective_date", "old_code", "new_code")
COUNTER_COLUMNS = ("counter_id", "new_code")
_CODE_MAX = 16
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# The days the service can hold figures for (the API's own bounds).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None  # None: the problem is the command's option, not a line
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


@dataclass
class _Step:
    """One old unit of the plan: its successors (line by new code) and its date."""
    old: Unit
    line: int
    effective_date: date
    new: dict[str, tuple[int, Unit]] = field(default_factory=dict)
    recorded: bool = False  # already recorded exactly so

    @property
    def successors(self) -> list[Unit]:
        return [unit for _, unit in sorted(self.new.values(), key=lambda entry: entry[1].code)]


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    recorded: int = 0
    unchanged: int = 0
    counters_recorded: int = 0
    applied: Applied | None = None
    # Ratings already stored at a moved counter on or after its date: given before the plan
    # was recorded, they stay with the unit they were given to.
    late_ratings: int = 0


def parse_day(text: str) -> date | None:
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def reorganise(plan_file: Path | str, counters_file: Path | str | None = None,
               all_counters_to: str | None = None, actor: str = "cli") -> Outcome:
    """Check the plan and, only if it has no problem at all, record it and apply what is due.
    Raises `ImportRefused` for a file that cannot be read as a whole."""
    outcome = Outcome()
    steps = _read_plan(Path(plan_file), outcome.problems)
    if not steps and not outcome.problems:
        outcome.problems.append(Problem(str(plan_file), None, "no reorganisation in the file: expected rows "
                                                            "effective_date,old_code,new_code under the header"))
    if not outcome.problems:
        _check_against_records(steps, str(plan_file), outcome.problems)
    moves: list[CounterMove] = []
    if not outcome.problems:
        moves = _plan_counters(steps, counters_file, all_counters_to, str(plan_file), outcome.problems)
    if outcome.problems:
        return outcome
    with transaction():
        for step in steps.values():
            if step.recorded:
                outcome.unchanged += len(step.new)
                continue
            for _, new in step.new.values():
                db.session.add(UnitSuccession(old_unit_id=step.old.id, new_unit_id=new.id,
                                              effective_date=step.effective_date, recorded_by=actor))
            outcome.recorded += len(step.new)
            audit(actor, "unit.reorganise", f"unit:{step.old.code}",
                  {"into": [unit.code for unit in step.successors], "effective_date": step.effective_date.isoformat()})
        db.session.add_all(moves)
        outcome.counters_recorded = len(moves)
        db.session.flush()
        outcome.late_ratings = _late_ratings(moves)
        outcome.applied = apply_due(actor)
    return outcome


def _read_plan(path: Path, problems: list[Problem]) -> dict[int, _Step]:
    rows, structural = read_csv(path, PLAN_COLUMNS)
    problems += [Problem(str(path), p.line, p.reason) for p in structural]
    units = _units({row.values[c] for row in rows for c in ("old_code", "new_code")})
    steps: dict[int, _Step] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        reason = _row_problem(row, units, seen)
        if reason:
            problems.append(Problem(str(path), row.line, reason))
            continue
        old, new = units[row.values["old_code"]], units[row.values["new_code"]]
        day = parse_day(row.values["effective_date"])
        step = steps.setdefault(old.id, _Step(old, row.line, day))
        if step.effective_date != day:
            problems.append(Problem(str(path), row.line, (
                f"{old.code} takes effect on {step.effective_date.isoformat()} on line {step.line}: "
                "one old unit has one effective date")))
            continue
        step.new[new.code] = (row.line, new)
    old_ids = set(steps)
    for step in steps.values():
        for line, new in step.new.values():
            if new.id in old_ids:
                problems.append(Problem(str(path), line, (
                    f"{new.code} is an old unit on line {steps[new.id].line} and a new one here: "
                    "record each date's reorganisation in a file of its own, in date order")))
    return steps


def _row_problem(row: CsvRow, units: dict[str, Unit], seen: dict[tuple[str, str], int]) -> str | None:
    values = row.values
    reason = check_fields(values, PLAN_COLUMNS, {"old_code": _CODE_MAX, "new_code": _CODE_MAX})
    if reason:
        return reason
    day = parse_day(values["effective_date"])
    if day is None:
        return f"effective_date {values['effective_date']!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"effective_date {day.isoformat()} is outside {FIRST_DAY.isoformat()}…{LAST_DAY.isoformat()}"
    for column in ("old_code", "new_code"):
        if values[column] not in units:
            return unknown_unit(values[column])
    if values["old_code"] == values["new_code"]:
        return f"{values['old_code']} cannot succeed itself"
    pair = (values["old_code"], values["new_code"])
    if pair in seen:
        return f"repeats line {seen[pair]}"
    seen[pair] = row.line
    return None


def _check_against_records(steps: dict[int, _Step], file: str, problems: list[Problem]) -> None:
    """Each old unit is new to reorganisation, or recorded exactly as the plan says."""
    for step in steps.values():
        old, recorded = step.old, successions_of(step.old.id)
        if recorded:
            same = ({row.new_unit.code for row in recorded} == set(step.new)
                    and all(row.effective_date == step.effective_date for row in recorded))
            if not same:
                problems.append(Problem(file, step.line, (
                    f"{old.code} was already reorganised on {recorded[0].effective_date.isoformat()} into "
                    f"{', '.join(row.new_unit.code for row in recorded)}; a recorded reorganisation is not changed")))
            step.recorded = same
            continue
        if old.successor_id is not None and [u.id for u in step.successors] != [old.successor_id]:
            problems.append(Problem(file, step.line, f"{old.code} was already merged into another unit"))
            continue
        for line, new in step.new.values():
            reason = _successor_problem(old, new)
            if reason:
                problems.append(Problem(file, line, reason))
        if len(step.new) > 1:
            below = list(db.session.scalars(select(Unit.code).where(
                UNIT_ABOVE == old.id, Unit.successor_id.is_(None)).order_by(Unit.code)))
            if below:
                problems.append(Problem(file, step.line, (
                    f"{old.code} has units below it ({', '.join(below[:5])}): a split cannot divide them; "
                    "reorganise them first")))


def _successor_problem(old: Unit, new: Unit) -> str | None:
    if new.successor_id is not None or db.session.scalar(
            select(UnitSuccession.id).where(UnitSuccession.old_unit_id == new.id).limit(1)) is not None:
        return f"{new.code} was itself reorganised; name the unit it went into"
    if old.id in units_above(new.id):
        return f"{new.code} is inside {old.code}: the tree would loop"
    return None


def _plan_counters(steps: dict[int, _Step], counters_file: Path | str | None, all_counters_to: str | None,
                   plan_file: str, problems: list[Problem]) -> list[CounterMove]:
    """The counter moves to record: named in the counters file, else `--all-counters-to`, else
    a merged unit's one successor. A split unit's active counter left unnamed is a problem."""
    named: dict[int, tuple[int, Unit]] = {}
    if counters_file is not None:
        named = _read_counters(Path(counters_file), steps, problems)
    if all_counters_to is not None and not any(all_counters_to in step.new for step in steps.values()):
        problems.append(Problem("--all-counters-to", None, f"{all_counters_to} is no successor in this plan"))
    moves: list[CounterMove] = []
    for step in steps.values():
        if step.recorded:
            continue
        unnamed = []
        # Its active counters, and any retired one the counters file names.
        for counter in db.session.scalars(select(Counter).where(
                Counter.unit_id == step.old.id, Counter.active.is_(True) | Counter.id.in_(list(named) or [0]))
                .order_by(Counter.id)):
            if counter.id in named:
                target = named[counter.id][1]
            elif all_counters_to in step.new:
                target = step.new[all_counters_to][1]
            elif len(step.new) == 1:
                target = step.successors[0]
            else:
                unnamed.append(counter)
                continue
            moves.append(CounterMove(counter_id=counter.id, from_unit_id=step.old.id, to_unit_id=target.id,
                                     effective_date=step.effective_date))
        if unnamed:
            problems.append(Problem(plan_file, step.line, (
                f"{step.old.code} is split into {', '.join(u.code for u in step.successors)}: name the successor of "
                f"its counters {', '.join(f'{c.id} ({c.code})' for c in unnamed)} in the counters file "
                "(counter_id,new_code) or with --all-counters-to")))
    return moves


def _read_counters(path: Path, steps: dict[int, _Step], problems: list[Problem]) -> dict[int, tuple[int, Unit]]:
    rows, structural = read_csv(path, COUNTER_COLUMNS)
    problems += [Problem(str(path), p.line, p.reason) for p in structural]
    named: dict[int, tuple[int, Unit]] = {}
    for row in rows:
        reason, target = _counter_row(row, steps, named)
        if reason:
            problems.append(Problem(str(path), row.line, reason))
        elif target is not None:
            named[int(row.values["counter_id"])] = (row.line, target)
    return named


def _counter_row(row: CsvRow, steps: dict[int, _Step], named: dict[int, tuple[int, Unit]]
                 ) -> tuple[str | None, Unit | None]:
    values = row.values
    reason = check_fields(values, COUNTER_COLUMNS, {"new_code": _CODE_MAX})
    if reason:
        return reason, None
    if not values["counter_id"].isdigit() or len(values["counter_id"]) > 9:
        return f"counter_id {values['counter_id']!r} is not a counter number", None
    counter_id = int(values["counter_id"])
    if counter_id in named:
        return f"counter {counter_id} is already named on line {named[counter_id][0]}", None
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        return f"no counter {counter_id}", None
    # A move already recorded out of one of the plan's old units: this is the plan run again.
    recorded = db.session.scalar(select(CounterMove).where(
        CounterMove.counter_id == counter_id, CounterMove.from_unit_id.in_(list(steps))).limit(1))
    step = steps.get(recorded.from_unit_id if recorded else counter.unit_id)
    if step is None:
        return f"counter {counter_id} ({counter.code}) is not a counter of an old unit in the plan", None
    if values["new_code"] not in step.new:
        return (f"{values['new_code']} is not a successor of {step.old.code} "
                f"(its successors: {', '.join(u.code for u in step.successors)})"), None
    target = step.new[values["new_code"]][1]
    if step.recorded:
        if recorded is None or recorded.to_unit_id != target.id:
            return f"counter {counter_id}: {step.old.code}'s reorganisation is recorded and not changed", None
        return None, None  # recorded exactly so: unchanged
    return None, target


def _units(codes: set[str]) -> dict[str, Unit]:
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return {unit.code: unit for unit in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}


def _late_ratings(moves: list[CounterMove]) -> int:
    """Ratings stored at a moving counter on or after its effective date, before this plan."""
    total = 0
    for move in moves:
        if move.effective_date <= clock.local_today():
            total += db.session.scalar(select(func.count(Rating.id)).where(
                Rating.counter_id == move.counter_id, Rating.local_day >= move.effective_date,
                Rating.unit_id == move.from_unit_id)) or 0
    return total

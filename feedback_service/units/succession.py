"""Dated splits and mergers: when they take effect, where a counter's ratings go, and
how each unit's history reads afterwards.

**Merger** (an old unit with one successor): from its effective date the old unit
answers to its successor (`tree.record_merger`), so every walk of the tree puts its
whole history inside the successor, where it counts and is shown as merged.

**Split** (an old unit with several successors): nothing says which part of the old
unit's past belongs to which new unit, so none of it is divided. The old unit stays
where it stood in the tree (under its parent, which keeps counting it) and becomes
inactive; each successor shows its figures as shared history, counted in neither
successor's own figures.

**Counters** go where the operator named (`CounterMove`). A rating takes its counter's
unit on the rating's own local day (`counter_unit_on`), so ratings before the effective
date stay where they were given and a rating on the day itself goes to the successor
even before the scheduler has applied the move. Dossier ratings stay with the unit that
received the dossier.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from .. import clock
from ..audit import audit
from ..extensions import db
from ..models import Counter, CounterMove, Officer, Unit, UnitSuccession
from .tree import MergerRefused, child_units, record_merger

log = logging.getLogger(__name__)

MERGED, SHARED = "merged", "shared"
MERGER, SPLIT = "merger", "split"


def counter_unit_on(counter: Counter, day: date) -> int:
    """The unit a rating given at `counter` on local `day` belongs to: the one a move due by
    that day names, else the counter's own. Applied moves are already the counter's own."""
    moved_to = db.session.scalar(
        select(CounterMove.to_unit_id)
        .where(CounterMove.counter_id == counter.id, CounterMove.applied_at.is_(None),
               CounterMove.effective_date <= day)
        .order_by(CounterMove.effective_date.desc()).limit(1))
    return moved_to if moved_to is not None else counter.unit_id


@dataclass
class Applied:
    """What `apply_due` changed: the old units it retired, and whether any was merged
    (the summaries must then be rebuilt along the new tree)."""
    old_codes: list[str]
    merged: bool

    @property
    def changed(self) -> bool:
        return bool(self.old_codes)


def apply_due(actor: str, today: date | None = None) -> Applied:
    """Apply every recorded reorganisation whose effective date has come. The caller commits,
    then rebuilds the summaries when `merged` (or bumps their generation otherwise)."""
    today = today or clock.local_today()
    due = list(db.session.scalars(
        select(UnitSuccession).where(UnitSuccession.applied_at.is_(None), UnitSuccession.effective_date <= today)
        .order_by(UnitSuccession.effective_date, UnitSuccession.old_unit_id, UnitSuccession.id)
        # The command and the scheduler may meet here: on PostgreSQL the second waits, then finds
        # the rows applied and skips them (SQLite lets one writer through at a time anyway).
        .with_for_update()))
    by_old: dict[int, list[UnitSuccession]] = {}
    for row in due:
        by_old.setdefault(row.old_unit_id, []).append(row)
    applied, merged = [], False
    for rows in by_old.values():
        old = rows[0].old_unit
        everything = successions_of(old.id)
        try:
            if len(everything) == 1:
                if old.successor_id != everything[0].new_unit_id:
                    record_merger(old, everything[0].new_unit, actor)
                    merged = True
            else:
                audit(actor, "unit.split", f"unit:{old.code}",
                      {"into": [row.new_unit.code for row in everything], "effective_date": rows[0].effective_date.isoformat()})
                old.active = False
        except MergerRefused as refused:
            # The tree changed since the plan was checked; left pending, said in the log.
            log.error("reorganisation of %s not applied: %s", old.code, refused)
            continue
        now = clock.now()
        for row in rows:
            row.applied_at = now
        _move_counters(old, today, now)
        applied.append(old.code)
    return Applied(applied, merged)


def _move_counters(old: Unit, today: date, now) -> None:
    moves = db.session.scalars(select(CounterMove).where(
        CounterMove.from_unit_id == old.id, CounterMove.applied_at.is_(None), CounterMove.effective_date <= today))
    for move in moves:
        counter = move.counter
        taken = set(db.session.scalars(select(Counter.code).where(Counter.unit_id == move.to_unit_id)))
        if counter.code in taken:
            # Two merged communes both had "Quầy 1": the moved one keeps its old unit's code in front.
            move.code_after = f"{old.code}-{counter.code}"[:40]
            counter.code = move.code_after
        counter.unit_id = move.to_unit_id
        # The officers serving at the counter go with it; the others stay until reassigned.
        db.session.execute(update(Officer).where(Officer.counter_id == counter.id).values(unit_id=move.to_unit_id))
        move.applied_at = now
        db.session.flush()


def successions_of(old_unit_id: int) -> list[UnitSuccession]:
    """The recorded successors of an old unit, in code order (empty when it was never reorganised)."""
    return list(db.session.scalars(
        select(UnitSuccession).join(Unit, Unit.id == UnitSuccession.new_unit_id)
        .where(UnitSuccession.old_unit_id == old_unit_id).order_by(Unit.code)))


@dataclass(frozen=True)
class Predecessor:
    """An old unit whose history a successor shows: `merged` (inside the successor's figures)
    or `shared` (a split unit's, counted in no successor's own figures)."""
    unit: Unit
    relation: str
    effective_date: date | None
    # The other units that show the same shared history.
    shared_with: tuple[Unit, ...] = ()

    @property
    def counted(self) -> bool:
        return self.relation == MERGED


def predecessors(unit_id: int) -> list[Predecessor]:
    """The old units whose history `unit_id` shows, applied reorganisations only. A unit merged
    with `flask units merge` (no dated record) is listed as merged, without a date."""
    rows = list(db.session.scalars(select(UnitSuccession).where(
        UnitSuccession.new_unit_id == unit_id, UnitSuccession.applied_at.is_not(None))))
    found: list[Predecessor] = []
    for row in rows:
        siblings = [other.new_unit for other in successions_of(row.old_unit_id) if other.new_unit_id != unit_id]
        if siblings:
            found.append(Predecessor(row.old_unit, SHARED, row.effective_date, tuple(siblings)))
        else:
            found.append(Predecessor(row.old_unit, MERGED, row.effective_date))
    dated = {p.unit.id for p in found}
    undated = db.session.scalars(select(Unit).where(Unit.successor_id == unit_id, Unit.id.not_in(dated or {0})))
    found += [Predecessor(old, MERGED, None) for old in undated]
    return sorted(found, key=lambda p: (p.effective_date or date.min, p.unit.code))


@dataclass(frozen=True)
class Reorganised:
    """What became of a unit that no longer stands on its own."""
    kind: str  # MERGER or SPLIT
    effective_date: date | None
    into: tuple[Unit, ...]


def reorganised(unit: Unit) -> Reorganised | None:
    """Where an old unit went, once applied; None for a unit that still stands."""
    rows = [row for row in successions_of(unit.id) if row.applied_at is not None]
    if rows:
        return Reorganised(MERGER if len(rows) == 1 else SPLIT, rows[0].effective_date,
                           tuple(row.new_unit for row in rows))
    if unit.successor_id is not None:
        return Reorganised(MERGER, None, (db.session.get(Unit, unit.successor_id),))
    return None


@dataclass(frozen=True)
class Record:
    """One old unit's recorded reorganisation, as the admin pages list it."""
    old: Unit
    kind: str
    effective_date: date
    into: tuple[Unit, ...]
    applied: bool
    moves: tuple[CounterMove, ...]


def records_within(unit_ids: list[int]) -> list[Record]:
    """Every recorded reorganisation with an old or new unit among `unit_ids` (a subtree),
    pending ones too, newest first."""
    rows = list(db.session.scalars(select(UnitSuccession).where(
        UnitSuccession.old_unit_id.in_(unit_ids) | UnitSuccession.new_unit_id.in_(unit_ids))))
    records = []
    for old_id in sorted({row.old_unit_id for row in rows}):
        everything = successions_of(old_id)
        moves = tuple(db.session.scalars(select(CounterMove).where(CounterMove.from_unit_id == old_id)
                                         .order_by(CounterMove.counter_id)))
        records.append(Record(everything[0].old_unit, MERGER if len(everything) == 1 else SPLIT,
                              everything[0].effective_date, tuple(row.new_unit for row in everything),
                              all(row.applied_at is not None for row in everything), moves))
    return sorted(records, key=lambda record: (record.effective_date, record.old.code), reverse=True)


def gone_from(unit_id: int) -> Reorganised | None:
    """An old unit's recorded reorganisation, applied or still ahead (None if there is none):
    what a record dated on or after its effective date must name instead of it."""
    rows = successions_of(unit_id)
    if not rows:
        return None
    return Reorganised(MERGER if len(rows) == 1 else SPLIT, rows[0].effective_date, tuple(r.new_unit for r in rows))


def joined_on(counter_ids: list[int]) -> dict[int, date]:
    """The day each moved counter joined its present unit (its latest applied move). A unit's
    pages count a counter from then on: what it took before is its old unit's history."""
    if not counter_ids:
        return {}
    rows = db.session.execute(select(CounterMove.counter_id, CounterMove.effective_date).where(
        CounterMove.counter_id.in_(counter_ids), CounterMove.applied_at.is_not(None)))
    joined: dict[int, date] = {}
    for counter_id, day in rows:
        joined[counter_id] = max(day, joined.get(counter_id, day))
    return joined


def children_standing_through(unit: Unit, last_day: date) -> list[Unit]:
    """The unit's direct children (`tree.child_units`) still standing on `last_day`: those that
    file a report for a period ending then. A child split away on or before that day files
    nothing more; what it holds for the period is read live by the unit above, with its own desk."""
    children = child_units(unit)
    retired = set(db.session.scalars(select(UnitSuccession.old_unit_id).where(
        UnitSuccession.old_unit_id.in_([child.id for child in children]),
        UnitSuccession.effective_date <= last_day)))
    return [child for child in children if child.id not in retired]

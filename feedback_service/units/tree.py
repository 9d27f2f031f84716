"""The unit tree, walked by one rule wherever it is walked.

**The rule.** A unit answers to the unit it was merged into (`successor_id`) when it
was merged, and to its parent otherwise. That one edge ("the unit above") is what
every walk follows, up and down:

- up: the roll-up of figures (a rating counts in its unit and every unit above),
  alert targets (webhooks of the unit and every unit above), and scope ("is this
  unit inside that one's subtree?" for API keys, dashboard users, case managers);
- down: a subtree's units for reading ratings, dossiers, cases, counters and
  officers, and a unit's children in the figures.

So a commune merged into another in the 2025 reorganisation is read, alerted and
scoped exactly where its ratings are folded: inside its successor. Its rows keep
their own unit id, so its history stays attributable to it. A split unit has several
successors and no `successor_id`: it stays under its parent, inside none of them, and
its successors only show its history (`succession.py`).
"""
from __future__ import annotations

from sqlalchemy import func, literal, select

from ..audit import audit
from ..extensions import db
from ..models import Unit

# The edge every walk follows: the successor of a merged unit, else the parent.
UNIT_ABOVE = func.coalesce(Unit.successor_id, Unit.parent_id)


def subtree_ids(unit_id: int) -> list[int]:
    """The unit and every unit that answers to it, at any depth."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    # UNION, not UNION ALL: a cycle in bad data ends the walk instead of looping.
    tree = tree.union(select(Unit.id).where(UNIT_ABOVE == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


# Deeper than any real tree (province → district → commune is 2): a cycle in bad data ends here.
_MAX_TIERS = 10


def tier(unit_id: int) -> int:
    """How many tiers of units standing on their own are below the unit: 0 for a commune
    (nothing below it, or only what was merged into it), 1 for a province over communes."""
    tree = select(Unit.id, literal(0).label("depth")).where(Unit.id == unit_id).cte("tiers", recursive=True)
    tree = tree.union_all(select(Unit.id, tree.c.depth + 1).where(
        UNIT_ABOVE == tree.c.id, Unit.successor_id.is_(None), tree.c.depth < _MAX_TIERS))
    return int(db.session.scalar(select(func.max(tree.c.depth))) or 0)


def tiers() -> dict[int, int]:
    """`tier` of every unit standing on its own, from one read of the tree: each unit
    lifts every unit above it to at least its distance from them."""
    above = dict(db.session.execute(select(Unit.id, UNIT_ABOVE).where(Unit.successor_id.is_(None))).all())
    height = dict.fromkeys(above, 0)
    for unit_id in above:
        current, depth = above[unit_id], 1
        while current in height and depth <= _MAX_TIERS:
            height[current] = max(height[current], depth)
            current, depth = above[current], depth + 1
    return height


def units_above(unit_id: int) -> list[int]:
    """The unit and every unit above it, nearest first."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:  # a cycle is bad data, not a hang
        chain.append(current)
        current = db.session.scalar(select(UNIT_ABOVE).where(Unit.id == current))
    return chain


def in_subtree(root_id: int, unit_id: int) -> bool:
    """Whether `unit_id` is `root_id` or answers to it at any depth."""
    return root_id in units_above(unit_id)


def child_units(unit: Unit) -> list[Unit]:
    """The units directly below `unit` that stand on their own.

    A merged unit is not a child of its successor in the figures: its ratings are
    already inside the successor's own.
    """
    return list(db.session.scalars(
        select(Unit).where(UNIT_ABOVE == unit.id, Unit.successor_id.is_(None)).order_by(Unit.code)
    ))


def subtrees(unit: Unit, children: list[Unit]) -> dict[int, set[int]]:
    """The unit ids under the unit and under each child, from one walk of the tree."""
    members = subtree_ids(unit.id)
    above = dict(db.session.execute(select(Unit.id, UNIT_ABOVE).where(Unit.id.in_(members))).all())
    groups: dict[int, set[int]] = {unit.id: set(members)}
    groups.update({child.id: set() for child in children})
    for member in members:
        current, seen = member, set()
        while current is not None and current != unit.id and current not in seen:
            if current in groups:
                groups[current].add(member)
                break
            seen.add(current)
            current = above.get(current)
    return groups


class RollupMap:
    """Where a unit's ratings roll up to: itself and every unit above it.

    Loaded once per fold batch: a few thousand rows even for the whole country.
    """

    def __init__(self) -> None:
        self._next = dict(db.session.execute(select(Unit.id, UNIT_ABOVE)).all())
        self._chains: dict[int, tuple[int, ...]] = {}

    def chain(self, unit_id: int) -> tuple[int, ...]:
        cached = self._chains.get(unit_id)
        if cached is not None:
            return cached
        chain, seen, current = [], set(), unit_id
        while current is not None and current not in seen:  # a cycle is bad data, not a hang
            chain.append(current)
            seen.add(current)
            current = self._next.get(current)
        self._chains[unit_id] = tuple(chain)
        return self._chains[unit_id]


class MergerRefused(ValueError):
    """A merger that would break the tree; the message says why."""


def record_merger(merged: Unit, successor: Unit, actor: str) -> None:
    """Record that `merged` was merged into `successor` (the 2025 reorganisation).

    From then on every walk puts `merged` inside `successor`. The caller commits,
    then rebuilds the summaries: folded rows were added up along the old tree.
    """
    if merged.id == successor.id:
        raise MergerRefused("a unit cannot be merged into itself")
    if successor.successor_id is not None:
        raise MergerRefused(f"{successor.code} was itself merged; merge into the unit it was merged into")
    if merged.id in units_above(successor.id):
        raise MergerRefused(f"{successor.code} is inside {merged.code}: the tree would loop")
    audit(actor, "unit.merge", f"unit:{merged.code}",
          {"into": successor.code, "previous_successor": merged.successor_id})
    merged.successor_id, merged.active = successor.id, False

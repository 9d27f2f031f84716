"""Walking the unit tree: subtrees for reading, roll-up chains for folding."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Unit


def subtree_ids(unit_id: int) -> list[int]:
    """The unit and every unit below it (by parent), at any depth."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


class RollupMap:
    """Where a unit's ratings roll up to: itself, then its successor if it was
    merged, else its parent, and so on to the root.

    Loaded once per fold batch: a few thousand rows even for the whole country.
    """

    def __init__(self) -> None:
        rows = db.session.execute(select(Unit.id, Unit.parent_id, Unit.successor_id))
        self._next = {uid: (successor or parent) for uid, parent, successor in rows}
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

"""Folding ratings into the summary tables, exactly once.

A fold claims a batch of outbox rows by deleting them, adds the batch's counts
to the summaries with upserts, and commits both together: a fold that runs twice
finds nothing left to claim, one that dies halfway rolls back and leaves its
rows for the next. `rebuild` recomputes everything from the ratings with the
same arithmetic, so it must agree with the incremental figures to the unit.
"""
from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import PendingFold, Rating, SummaryAnswer, SummaryDay
from .unit_tree import RollupMap

DayKey = tuple[str, int, object]  # (scope, scope_id, local day)


class Deltas:
    """Counts to add, gathered over a batch so each summary row is written once."""

    def __init__(self, rollup: RollupMap) -> None:
        self.rollup = rollup
        self.responses: Tally[DayKey] = Tally()
        self.flagged: Tally[DayKey] = Tally()
        self.last_submitted: dict[DayKey, datetime] = {}
        self.answers: Tally[tuple] = Tally()

    def add(self, rating: Rating) -> None:
        scopes = [("unit", uid) for uid in self.rollup.chain(rating.unit_id)]
        if rating.counter_id is not None:
            scopes.append(("counter", rating.counter_id))
        if rating.officer_id is not None:
            scopes.append(("officer", rating.officer_id))
        submitted = as_utc(rating.submitted_at)
        answers = list(answer_pairs(rating))
        for scope, scope_id in scopes:
            key = (scope, scope_id, rating.local_day)
            if rating.flag_reason is not None:
                self.flagged[key] += 1
                continue
            self.responses[key] += 1
            if key not in self.last_submitted or submitted > self.last_submitted[key]:
                self.last_submitted[key] = submitted
            for question, answer in answers:
                self.answers[key + (question, answer)] += 1

    def write(self) -> None:
        day_rows = [
            {
                "scope": scope, "scope_id": scope_id, "day": day,
                "responses": self.responses.get(key, 0),
                "flagged": self.flagged.get(key, 0),
                "last_submitted_at": self.last_submitted.get(key),
            }
            for key in set(self.responses) | set(self.flagged)
            for scope, scope_id, day in [key]
        ]
        answer_rows = [
            {"scope": s, "scope_id": i, "day": d, "question": q, "answer": a, "n": n}
            for (s, i, d, q, a), n in self.answers.items()
        ]
        if day_rows:
            db.session.execute(_upsert_days(), sorted(day_rows, key=_row_order))
        if answer_rows:
            db.session.execute(_upsert_answers(), sorted(answer_rows, key=_row_order))


def answer_pairs(rating: Rating) -> Iterable[tuple[str, str]]:
    yield "overall", str(rating.overall)
    for key, value in (rating.elements or {}).items():
        yield f"element.{key}", str(value)
    for key, value in (rating.conduct or {}).items():
        yield f"conduct.{key}", {True: "yes", False: "no"}.get(value, "unknown")


def fold_batch(batch_size: int) -> int:
    """Fold up to `batch_size` pending ratings in one transaction; returns how many."""
    try:
        rating_ids = claim_pending(batch_size)
        if rating_ids:
            deltas = Deltas(RollupMap())
            for rating in db.session.scalars(select(Rating).where(Rating.id.in_(rating_ids))):
                deltas.add(rating)
            deltas.write()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return len(rating_ids)


def fold_all(batch_size: int) -> int:
    total = 0
    while True:
        folded = fold_batch(batch_size)
        total += folded
        if folded < batch_size:
            return total


def claim_pending(batch_size: int) -> list[int]:
    """Delete a batch of outbox rows and return their rating ids.

    The DELETE is the transaction's first statement, so on SQLite it takes the
    write lock at once (a concurrent fold waits, then sees the rows gone); on
    PostgreSQL SKIP LOCKED lets two folds claim disjoint batches.
    """
    oldest = (
        select(PendingFold.id).order_by(PendingFold.id).limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.execute(
        delete(PendingFold).where(PendingFold.id.in_(oldest)).returning(PendingFold.rating_id)
    )
    return [row[0] for row in claimed]


def rebuild(batch_size: int = 5000) -> int:
    """Recompute every summary from the ratings, in one transaction."""
    try:
        # Writing first takes SQLite's write lock before anything is read.
        db.session.execute(delete(SummaryAnswer))
        db.session.execute(delete(SummaryDay))
        high = db.session.scalar(select(func.max(Rating.id))) or 0
        # Ratings after `high` keep their outbox rows and are folded as usual.
        db.session.execute(delete(PendingFold).where(PendingFold.rating_id <= high))
        rollup, last, count = RollupMap(), 0, 0
        while last < high:
            deltas = Deltas(rollup)
            ratings = db.session.scalars(
                select(Rating).where(Rating.id > last, Rating.id <= high)
                .order_by(Rating.id).limit(batch_size)
            ).all()
            if not ratings:
                break
            for rating in ratings:
                deltas.add(rating)
            deltas.write()
            db.session.expunge_all()
            last, count = ratings[-1].id, count + len(ratings)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return count


def as_utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _row_order(row: dict) -> tuple:
    # A fixed order of upserts keeps two concurrent PostgreSQL folds from deadlocking.
    return tuple(str(row[k]) for k in ("scope", "scope_id", "day", "question", "answer") if k in row)


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)


def _upsert_days():
    stmt = _insert(SummaryDay)
    existing, new = SummaryDay.__table__.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["scope", "scope_id", "day"],
        set_={
            "responses": existing.responses + new.responses,
            "flagged": existing.flagged + new.flagged,
            "last_submitted_at": case(
                (existing.last_submitted_at.is_(None), new.last_submitted_at),
                (new.last_submitted_at > existing.last_submitted_at, new.last_submitted_at),
                else_=existing.last_submitted_at,
            ),
        },
    )


def _upsert_answers():
    stmt = _insert(SummaryAnswer)
    return stmt.on_conflict_do_update(
        index_elements=["scope", "scope_id", "day", "question", "answer"],
        set_={"n": SummaryAnswer.__table__.c.n + stmt.excluded.n},
    )

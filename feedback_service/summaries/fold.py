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
from datetime import datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import as_utc
from ..extensions import db
from ..models import PendingFold, Rating, SummaryAnswer, SummaryTotal
from ..models.summaries import DAY, MONTH
from ..transactions import transaction
from ..units.succession import Applied, apply_due
from ..units.tree import RollupMap
from .keys import CHANNEL_QUESTION, FLAG_QUESTION, VERIFIED_PREFIX
from .read import bump_generation


class Deltas:
    """Counts to add, gathered over a batch so each summary row is written once.

    Ratings are first counted per *origin* (unit, counter, officer, local day):
    a batch has few origins, so spreading them over every scope they roll up to
    and both buckets happens once per origin, not once per rating.
    """

    def __init__(self, rollup: RollupMap) -> None:
        self.rollup = rollup
        self.responses: Tally[tuple] = Tally()
        self.flagged: Tally[tuple] = Tally()
        self.last_submitted: dict[tuple, datetime] = {}
        self.answers: Tally[tuple] = Tally()

    def add(self, rating) -> None:
        """Count one rating (a Row of FOLD_COLUMNS, or a Rating)."""
        origin = (rating.unit_id, rating.counter_id, rating.officer_id, rating.local_day)
        if rating.flag_reason is not None:
            self.flagged[origin] += 1
            # Why it was kept out: period reports list the exclusions with their reasons.
            self.answers[origin + (FLAG_QUESTION, rating.flag_reason)] += 1
            return
        self.responses[origin] += 1
        submitted = as_utc(rating.submitted_at)
        if origin not in self.last_submitted or submitted > self.last_submitted[origin]:
            self.last_submitted[origin] = submitted
        answers = list(answer_pairs(rating))
        if rating.verified:
            # Verified (dossier-linked) ratings are counted again under "v:", so the
            # verified figures and, by difference, the unverified ones can be read.
            answers += [("trust", "verified")] + [(VERIFIED_PREFIX + q, a) for q, a in answers]
        for pair in answers:
            self.answers[origin + pair] += 1

    def _buckets(self, origin: tuple) -> list[tuple]:
        """Every (scope, scope_id, grain, first day) an origin's counts belong to."""
        unit_id, counter_id, officer_id, day = origin
        scopes = [("unit", uid) for uid in self.rollup.chain(unit_id)]
        if counter_id is not None:
            scopes.append(("counter", counter_id))
        if officer_id is not None:
            scopes.append(("officer", officer_id))
        starts = ((DAY, day), (MONTH, day.replace(day=1)))
        return [(scope, scope_id, grain, start) for scope, scope_id in scopes for grain, start in starts]

    def write(self) -> None:
        responses, flagged, last, answers = Tally(), Tally(), {}, Tally()
        for origin in set(self.responses) | set(self.flagged):
            for key in self._buckets(origin):
                responses[key] += self.responses.get(origin, 0)
                flagged[key] += self.flagged.get(origin, 0)
                moment = self.last_submitted.get(origin)
                if moment is not None and (key not in last or moment > last[key]):
                    last[key] = moment
        for (*origin, question, answer), n in self.answers.items():
            for key in self._buckets(tuple(origin)):
                answers[key + (question, answer)] += n
        # Rows in key order: two concurrent PostgreSQL folds then lock summary rows
        # in the same order and cannot deadlock.
        total_rows = [
            {"scope": scope, "scope_id": scope_id, "grain": grain, "day": day,
             "responses": responses[key], "flagged": flagged[key], "last_submitted_at": last.get(key)}
            for key in sorted(responses)
            for scope, scope_id, grain, day in (key,)
        ]
        connection = db.session.connection()
        if total_rows:
            connection.execute(_upsert_totals(), total_rows)
        if answers:
            _write_answers(connection, [key + (answers[key],) for key in sorted(answers)])


def _write_answers(connection, rows: list[tuple]) -> None:
    """Upsert (scope, scope_id, grain, day, question, answer, n) rows.

    The bulk of a fold's writes: sent straight to the driver's executemany, as
    SQLAlchemy's per-row parameter processing costs more than SQLite's work.
    SQLite stores a Date as its ISO text, which is what SQLAlchemy writes too.
    """
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    if dialect.name == "sqlite":
        rows = [row[:3] + (row[3].isoformat(),) + row[4:] for row in rows]
    sql = (
        "INSERT INTO summary_answers (scope, scope_id, grain, day, question, answer, n) "
        f"VALUES ({', '.join([mark] * 7)}) "
        "ON CONFLICT (scope, scope_id, grain, day, question, answer) "
        "DO UPDATE SET n = summary_answers.n + excluded.n"
    )
    connection.exec_driver_sql(sql, rows)


# What a fold reads of a rating: plain rows, not ORM objects, for speed.
FOLD_COLUMNS = (Rating.unit_id, Rating.counter_id, Rating.officer_id, Rating.submitted_at,
                Rating.local_day, Rating.flag_reason, Rating.verified, Rating.overall, Rating.elements,
                Rating.conduct, Rating.channel)


def answer_pairs(rating) -> Iterable[tuple[str, str]]:
    yield CHANNEL_QUESTION, rating.channel
    yield "overall", str(rating.overall)
    for key, value in (rating.elements or {}).items():
        yield f"element.{key}", str(value)
    for key, value in (rating.conduct or {}).items():
        yield f"conduct.{key}", {True: "yes", False: "no"}.get(value, "unknown")


def fold_batch(batch_size: int) -> int:
    """Fold up to `batch_size` pending ratings in one transaction; returns how many."""
    with transaction():
        rating_ids = claim_pending(batch_size)
        if rating_ids:
            deltas = Deltas(RollupMap())
            for rating in db.session.execute(select(*FOLD_COLUMNS).where(Rating.id.in_(rating_ids))):
                deltas.add(rating)
            deltas.write()
    return len(rating_ids)


def fold_all(batch_size: int) -> int:
    total = 0
    while True:
        folded = fold_batch(batch_size)
        total += folded
        if folded < batch_size:
            break
    if total:
        bump_generation()
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
    """Recompute every summary from the ratings, in one transaction.

    On PostgreSQL the transaction is REPEATABLE READ: every statement sees the
    same snapshot, so a rating committed midway is either in the rebuild or left
    pending, never both; a fold committing concurrently makes the rebuild fail
    (run it again) rather than count wrong.
    """
    with transaction():
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.commit()  # the isolation level can only be set on a fresh transaction
            db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # Writing first takes SQLite's write lock before anything is read.
        db.session.execute(delete(SummaryAnswer))
        db.session.execute(delete(SummaryTotal))
        high = db.session.scalar(select(func.max(Rating.id))) or 0
        # Ratings after `high` keep their outbox rows and are folded as usual.
        db.session.execute(delete(PendingFold).where(PendingFold.rating_id <= high))
        rollup, last, count = RollupMap(), 0, 0
        while last < high:
            deltas = Deltas(rollup)
            ratings = db.session.execute(
                select(Rating.id, *FOLD_COLUMNS).where(Rating.id > last, Rating.id <= high)
                .order_by(Rating.id).limit(batch_size)
            ).all()
            if not ratings:
                break
            for rating in ratings:
                deltas.add(rating)
            deltas.write()
            last, count = ratings[-1].id, count + len(ratings)
    bump_generation()
    return count


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model.__table__)


def _upsert_totals():
    stmt = _insert(SummaryTotal)
    existing, new = SummaryTotal.__table__.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["scope", "scope_id", "grain", "day"],
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


def refresh_after(applied: Applied) -> int | None:
    """Bring the summaries in line with a reorganisation that took effect: a merger moved a
    unit's whole history inside its successor, so everything is refolded along the new tree
    (the number of ratings refolded is returned); a split moved no history, so the cached
    figures only need to be read again (they now show the shared history)."""
    if applied.merged:
        return rebuild()
    if applied.changed:
        bump_generation()
    return None


def apply_due_reorganisations(actor: str = "scheduler") -> Applied:
    """Apply every split and merger whose effective date has come, then refresh the figures."""
    with transaction():
        applied = apply_due(actor)
    refresh_after(applied)
    return applied

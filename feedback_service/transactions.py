"""The one way a unit of work is committed: all of it, or none of it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block wrote; on any exception (Ctrl-C and a worker's
    shutdown included) roll it all back and re-raise, so a half-written change is
    never committed by whatever uses the session next."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise

"""Redis outages as the background roles lived through them, for `/metrics`.

An outage cannot be counted in Redis while Redis is down, and a count in process
memory is seen by one process only: the worker or scheduler that loses Redis writes
a row here when it notices, and closes it when Redis answers again. Any web process
reads the counts at scrape time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# The processes that record outages: they hold Redis connections all the time. A web
# process only meets Redis on a request, and skips it a while after a failure
# (redis_breaker.py); `sipas_redis_up` says what it sees at each scrape.
ROLES = ("worker", "scheduler")


class RedisOutage(db.Model):
    __tablename__ = "redis_outages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # "worker" or "scheduler"
    seen_by: Mapped[str] = mapped_column(String(120))  # host:pid of the process
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Null while it lasts, and for ever if the process died during it.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Summary tables the workers fold ratings into: counts per scope and time bucket.

A scope is a unit (its whole subtree: the fold adds a rating to the unit and
every unit above it), a counter or an officer. Every rating is counted twice:
in its local day's bucket and in its month's bucket (`day` = the 1st), so a
year is read as twelve month rows plus the loose days at either end rather
than 365 day rows. Answers are stored long-form (question, answer) → count, so a
new questionnaire version needs no migration.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

SCOPES = ("unit", "counter", "officer")
DAY, MONTH = "day", "month"


class SummaryTotal(db.Model):
    __tablename__ = "summary_totals"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    # The bucket's first local day: the day itself, or the 1st of the month.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    # Flagged ratings are counted here for trust reporting, never in an index.
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    last_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SummaryAnswer(db.Model):
    __tablename__ = "summary_answers"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # "overall", "element.access", "conduct.greet" …
    question: Mapped[str] = mapped_column(String(60), primary_key=True)
    # "1".."5", or "yes" / "no" / "unknown"; the pseudo-questions' channel and flag reason
    # (summaries/keys.py): as wide as ratings.channel and ratings.flag_reason.
    answer: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

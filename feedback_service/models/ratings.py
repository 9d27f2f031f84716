"""Ratings: the durable record of what a citizen said, the fold outbox, and what makes a rating negative."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import local_time
from ..extensions import db
from .units import utcnow

CHANNELS = ("counter_qr", "dossier_qr", "kiosk", "api")

# Why a rating is kept for the record but left out of every figure (at most 20 characters:
# the column's width). Reports list them in this order.
COOLDOWN = "cooldown"  # a repeat from the same browser at the same counter inside the cool-down
HONEYPOT = "honeypot"  # a bot filled the hidden field
OVER_ALLOWANCE = "over_allowance"  # above the counter's ceiling, the last resort against many clients
OVER_OWN_ALLOWANCE = "over_own_allowance"  # above its own client's allowance at the counter
FLAG_REASONS = (COOLDOWN, HONEYPOT, OVER_ALLOWANCE, OVER_OWN_ALLOWANCE)


class Rating(db.Model):
    """One submitted rating. Append-only: corrections are new facts, not edits.

    Unit, counter and officer are copied at submission so the rating stays
    attributed to where it was given even if an officer later moves counter.
    `flag_reason` marks ratings kept for the record but left out of every index
    (one of FLAG_REASONS; see ratings/abuse.py).
    """

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The local (Asia/Ho_Chi_Minh) day, fixed at submission: summaries are per local day.
    local_day: Mapped[date] = mapped_column(Date, index=True)
    # The local hour (0–23), filled from submitted_at on insert (see below): the dashboard's
    # hour × weekday heatmap counts in SQL instead of converting every rating's time.
    local_hour: Mapped[int] = mapped_column(SmallInteger)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    # Set for a dossier-linked (verified) rating; unique: one rating per dossier,
    # enforced by the database, not only by the page.
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    procedure_code: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    instrument_version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    overall: Mapped[int] = mapped_column(SmallInteger)
    # {key: true | false | null} for every conduct item of the instrument.
    conduct: Mapped[dict] = mapped_column(JSON, default=dict)
    # {key: 1..5} for the elements answered.
    elements: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    flag_reason: Mapped[str | None] = mapped_column(String(20))
    # A keyed, daily-rotating hash of the client address: enough to spot a
    # ballot-stuffing burst, useless to identify a person. Never the raw IP.
    client_hash: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_ratings_unit_day_hour", "unit_id", "local_day", "local_hour", "flag_reason"),)

    @property
    def flagged(self) -> bool:
        return self.flag_reason is not None


@event.listens_for(Rating, "before_insert")
def _fix_local_hour(mapper, connection, rating: Rating) -> None:
    # Derived, like local_day, from the moment of submission in the service's time zone;
    # every way a rating is written (form, API, imports, demo, tests) passes through here.
    if rating.local_hour is None:
        moment = rating.submitted_at or utcnow()
        rating.submitted_at = moment
        rating.local_hour = local_time(moment).hour


class PendingFold(db.Model):
    """Outbox: one row per rating not yet folded into the summaries.

    Written in the same transaction as the rating and deleted in the same
    transaction as the summary update, so a fold job that runs twice or dies
    halfway neither double-counts nor drops a rating.
    """

    __tablename__ = "pending_folds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Overall levels 1–2 ("rất không hài lòng", "không hài lòng") make a rating negative.
LOW_OVERALL_MAX = 2


def negative_reasons(rating: Rating) -> list[str]:
    """Why a rating is negative for the alerts (webhooks); empty when it is not.

    Flagged ratings are kept out of every index and never alert either: they would
    let anyone page a unit.
    """
    if rating.flag_reason is not None:
        return []
    return _negative_answers(rating)


def case_reasons(rating: Rating) -> list[str]:
    """Why a rating opens a complaint case; empty when it opens none.

    Every negative rating does unless it is flagged. A flagged one does too when it left
    a call-back number (stored only with consent): a citizen who asked to be called back
    is answered even when someone else's flood, or their own repeat, got the rating
    flagged; the case shows the flag and the rating stays out of the figures. A filled
    honeypot is a bot, never a citizen, and opens nothing.
    """
    if rating.flag_reason is None or (rating.contact_phone and rating.flag_reason != HONEYPOT):
        return _negative_answers(rating)
    return []


def _negative_answers(rating: Rating) -> list[str]:
    reasons = []
    if rating.overall <= LOW_OVERALL_MAX:
        reasons.append("low_overall")
    if any(answer is False for answer in (rating.conduct or {}).values()):
        reasons.append("conduct_no")
    if rating.comment:
        reasons.append("comment")
    return reasons

"""When a reporting period closes: prepare every unit's draft and tell its managers; remind
them before the deadline.

Run by the scheduler (`PREPARE_REPORTS`, every REPORT_SCHEDULE_INTERVAL_SECONDS) and by
hand (`flask reports prepare`). Each run looks at the latest closed period of every kind
in REPORT_SCHEDULED_PERIODS (default: the NĐ 09/2019 official month, quarter, half-year,
nine months and year, which is what communes report upward), and at every earlier one
that closed within REPORT_CATCH_UP_DAYS and still lacks drafts (the scheduler was down
when it closed), and:

1. prepares a draft (a `ReportDraft` row) for every active unit that stands on its own
   (not merged into another); the row is unique per unit and period, inserted with
   ON CONFLICT DO NOTHING, so two schedulers at once, or one run twice, prepare each once.
   The draft itself is the live report (`filing.live_document`): nothing is frozen here.
2. e-mails the unit's own managers (active unit managers and province officers of that
   unit with an e-mail: the people who may submit it) that the draft is ready and when it
   is due, once, up to the unit's deadline (a province's comes after its communes');
3. from the unit's `filing.reminder_day` to its `filing.deadline`, reminds them once if
   the report still stands as a draft or was returned.

Each mail is claimed before it is sent, as complaint notices are (`cases/notices.py`):
an UPDATE … WHERE notified_at IS NULL that exactly one worker wins, committed before
the SMTP conversation. A send that fails releases the claim and raises, so the next run
tries again; a worker killed in the middle of a send leaves the claim, and that mail is
not sent (at most once: a repeated "your draft is ready" is worse than a missing one,
and the board shows what is due). Without SMTP_HOST drafts are prepared all the same and
the log says that nobody was told.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..extensions import db
from ..mail import plain_message, send, smtp_configured
from ..models import ReportDraft, Unit, User
from ..people.permissions import REPORT_MAIL_ROLES, told_of_report
from ..units.tree import tiers
from . import filing
from .periods import KINDS, PeriodInvalid, ReportingPeriod, last_closed

log = logging.getLogger(__name__)

# A reminder goes out while the report still waits for its unit.
REMINDED_STATUSES = ("draft", "returned")


class ScheduleSettingInvalid(ValueError):
    """REPORT_SCHEDULED_PERIODS names something that is not a kind of period."""


def scheduled_kinds(setting: str) -> list[tuple[str, bool]]:
    """(kind, official) pairs from e.g. "month/official, quarter/official, year"."""
    kinds = []
    for item in (part.strip() for part in setting.split(",")):
        if not item:
            continue
        kind, _, flavour = item.partition("/")
        if kind not in KINDS or flavour not in ("", "official"):
            raise ScheduleSettingInvalid(
                f"REPORT_SCHEDULED_PERIODS: {item!r} is not one of {', '.join(KINDS)} (optionally /official)")
        if (kind, flavour == "official") not in kinds:
            kinds.append((kind, flavour == "official"))
    return kinds


def closed_periods(today: date) -> list[ReportingPeriod]:
    """The latest closed period of each scheduled kind, each after the earlier ones of its
    kind that closed within REPORT_CATCH_UP_DAYS and still lack a unit's draft."""
    look_back = int(current_app.config["REPORT_CATCH_UP_DAYS"])
    units = len(reporting_units())
    periods = []
    for kind, official in scheduled_kinds(current_app.config["REPORT_SCHEDULED_PERIODS"]):
        latest = last_closed(today, kind, official)
        missed, period = [], latest
        while True:
            try:
                period = last_closed(period.date_from, kind, official)
            except PeriodInvalid:  # before 2000
                break
            if (today - period.date_to).days >= look_back:
                break
            if _draft_count(period) < units:
                missed.append(period)
        periods += [*reversed(missed), latest]
    return periods


def _draft_count(period: ReportingPeriod) -> int:
    return db.session.scalar(select(func.count()).select_from(ReportDraft).where(ReportDraft.period == period.label))


@dataclass
class PeriodOutcome:
    period: str
    deadline: str
    prepared: list[str] = field(default_factory=list)  # unit codes whose draft this run prepared
    notified: list[str] = field(default_factory=list)  # units whose managers were told it is ready
    reminded: list[str] = field(default_factory=list)
    mailed: bool = True  # False: no SMTP_HOST, or past every unit's deadline

    def as_dict(self) -> dict:
        return {"period": self.period, "deadline": self.deadline, "prepared": self.prepared,
                "notified": self.notified, "reminded": self.reminded, "mailed": self.mailed}


def prepare_closed_periods(periods: list[ReportingPeriod] | None = None) -> list[PeriodOutcome]:
    """Prepare, notify and remind for each period (default: the latest closed ones)."""
    today = clock.local_today()
    outcomes = []
    for period in periods if periods is not None else closed_periods(today):
        outcome = prepare_period(period, today)
        outcomes.append(outcome)
        log.info("report period %s: %d drafts prepared, %d units notified, %d reminded%s",
                 period.label, len(outcome.prepared), len(outcome.notified), len(outcome.reminded),
                 "" if outcome.mailed else " (no e-mail: "
                 + ("SMTP_HOST is not set)" if not smtp_configured() else "past the deadline)"))
    return outcomes


def prepare_period(period: ReportingPeriod, today: date) -> PeriodOutcome:
    if today <= period.date_to:
        raise ValueError(f"the period {period.label} ends on {period.date_to.isoformat()}: "
                         "its draft is prepared once it has closed")
    # The communes' deadline names the period; each unit is mailed by its own tier's.
    outcome = PeriodOutcome(period.label, filing.deadline(period).isoformat())
    outcome.prepared = _prepare_drafts(period)
    if not smtp_configured():
        outcome.mailed = False
        return outcome
    tier_of = tiers()
    dates: dict[int, tuple[date, date]] = {}  # per tier: (reminder day, deadline)
    for level in set(tier_of.values()) | {0}:
        dates[level] = (filing.reminder_day(period, unit_tier=level), filing.deadline(period, unit_tier=level))
    outcome.mailed = today <= max(due for _, due in dates.values())
    if not outcome.mailed:
        return outcome
    for draft in _drafts(period, ReportDraft.notified_at.is_(None)):
        remind_from, due = dates[tier_of.get(draft.unit_id, 0)]
        if today > due:
            continue
        # On or after the reminder day the "ready" mail is the reminder too.
        claim = _claim(draft, ReportDraft.notified_at, also_remind=today >= remind_from)
        if claim is not None:
            _mail(draft, claim, period, due, _ready_message)
            outcome.notified.append(draft.unit.code)
    for draft in _drafts(period, ReportDraft.reminded_at.is_(None)):
        remind_from, due = dates[tier_of.get(draft.unit_id, 0)]
        if not remind_from <= today <= due:
            continue
        if filing.standing(draft.unit, period, today).status not in REMINDED_STATUSES:
            continue
        claim = _claim(draft, ReportDraft.reminded_at)
        if claim is not None:
            _mail(draft, claim, period, due, _reminder_message)
            outcome.reminded.append(draft.unit.code)
    return outcome


def reporting_units() -> list[Unit]:
    """Every unit that files a report of its own: active and not merged into another."""
    return list(db.session.scalars(
        select(Unit).where(Unit.active.is_(True), Unit.successor_id.is_(None)).order_by(Unit.code)))


def _prepare_drafts(period: ReportingPeriod) -> list[str]:
    """Insert the missing drafts; returns the codes of the units this call prepared."""
    units = reporting_units()
    have = set(db.session.scalars(select(ReportDraft.unit_id).where(ReportDraft.period == period.label)))
    missing = [unit for unit in units if unit.id not in have]
    if not missing:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(ReportDraft.__table__)
    now = clock.now()
    # Another scheduler may insert the same rows between the read above and this write:
    # the unique (unit, period) makes its rows win quietly instead of failing this run.
    rows = db.session.execute(
        insert.values([{"unit_id": unit.id, "period": period.label, "prepared_at": now} for unit in missing])
        .on_conflict_do_nothing(index_elements=["unit_id", "period"])
        .returning(ReportDraft.__table__.c.unit_id)).scalars().all()
    db.session.commit()
    mine = set(rows)
    return [unit.code for unit in missing if unit.id in mine]


def _drafts(period: ReportingPeriod, condition) -> list[ReportDraft]:
    return list(db.session.scalars(
        select(ReportDraft).join(Unit, Unit.id == ReportDraft.unit_id)
        .where(ReportDraft.period == period.label, condition, Unit.active.is_(True), Unit.successor_id.is_(None))
        .order_by(Unit.code)))


def _claim(draft: ReportDraft, column, also_remind: bool = False) -> datetime | None:
    """Mark the mail as this run's to send (the moment, which a failed send releases);
    None when another run already has it. The UPDATE … WHERE is the lock."""
    now = clock.now()
    values = {column.key: now, **({"reminded_at": now} if also_remind else {})}
    won = db.session.execute(
        update(ReportDraft).where(ReportDraft.id == draft.id, column.is_(None)).values(**values)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return now if won else None


def managers(unit: Unit) -> list[str]:
    """The e-mail addresses of the people told of the unit's report (`permissions.told_of_report`)."""
    candidates = db.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_(REPORT_MAIL_ROLES), User.unit_id == unit.id,
        User.email.is_not(None), User.email != ""))
    return sorted({user.email for user in candidates if told_of_report(user, unit)})


def _mail(draft: ReportDraft, claim: datetime, period: ReportingPeriod, due: date, compose) -> None:
    to = managers(draft.unit)
    if not to:
        return  # claimed all the same: nobody to tell, and the board shows the report as due
    try:
        send(compose(draft.unit, period, due, to))
    except Exception:
        db.session.rollback()
        for column in (ReportDraft.notified_at, ReportDraft.reminded_at):
            db.session.execute(update(ReportDraft).where(ReportDraft.id == draft.id, column == claim)
                               .values({column.key: None}).execution_options(synchronize_session=False))
        db.session.commit()
        raise


def report_link(unit: Unit, period: ReportingPeriod) -> str:
    """The report's dashboard page (the official label keeps its "/official")."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/dashboard/units/{unit.code}/reports/{period.label}"


def _message(subject: str, body: str, to: list[str]):
    return plain_message(subject, body + "\nThư tự động của hệ thống đánh giá sự hài lòng.\n", to)


def _ready_message(unit: Unit, period: ReportingPeriod, due: date, to: list[str]):
    return _message(
        f"Báo cáo {period.title} đã có bản nháp — {unit.name}",
        f"Bản nháp báo cáo {period.title} của {unit.name} "
        f"(từ {period.date_from:%d/%m/%Y} đến {period.date_to:%d/%m/%Y}) đã sẵn sàng.\n\n"
        f"Hạn nộp: {due:%d/%m/%Y}.\nXem và nộp báo cáo (cần đăng nhập): {report_link(unit, period)}\n", to)


def _reminder_message(unit: Unit, period: ReportingPeriod, due: date, to: list[str]):
    return _message(
        f"Nhắc nộp báo cáo {period.title} — hạn {due:%d/%m/%Y}",
        f"Báo cáo {period.title} của {unit.name} chưa được nộp.\n\n"
        f"Hạn nộp: {due:%d/%m/%Y}; sau ngày này báo cáo ghi là chưa báo cáo.\n"
        f"Xem và nộp báo cáo (cần đăng nhập): {report_link(unit, period)}\n", to)


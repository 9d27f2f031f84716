"""Filing a report upward: drafts, submitted versions, the province's review, deadlines.

A report is a *draft* (built live, or for a unit with children compiled from their
accepted snapshots: `report_now`) until the unit's manager submits it. Submitting
freezes a snapshot: that document with `version`, `submitted_at` and
`submitted_by`, hashed (`integrity.py`) and stored as text. The province then
*accepts* it or *returns* it with a comment; a returned report is submitted again as
a new version, and every version is kept. After the deadline (communes first, each tier
above a few working days later) an unsubmitted report of an official period is
*not_reported*; calendar periods are for reading, nobody must file them.

Who may do what is asked of `people/permissions.py` (`may_submit_report`,
`may_review_report`): a unit's own manager (a unit manager or province officer whose unit
it is) submits it; a province officer, or an admin, reviews the reports of the units
below their own, never their own.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, working_calendar
from ..audit import audit
from ..extensions import db
from ..models import ReportVersion, Unit, User
from ..people.permissions import may_review_report, may_submit_report
from ..summaries.read import cached
from ..transactions import transaction
from ..units.succession import children_standing_through
from ..units.tree import tier
from . import integrity
from .compiled import compiled_report
from .document import build_report
from .periods import ReportingPeriod

STATUSES = ("draft", "submitted", "accepted", "returned", "not_reported")
COMMENT_MAX = 2000


class FilingRefused(Exception):
    """The action is not allowed now; the message says why, in the user's language (shown to them)."""


def deadline(period: ReportingPeriod, unit: Unit | None = None, *, unit_tier: int | None = None) -> date:
    """The last local day on which the unit's report for the period is on time: communes
    first (REPORT_DEADLINE_WORKING_DAYS after the period), each tier above
    REPORT_DEADLINE_TIER_WORKING_DAYS later, so a province has its communes' reports in
    hand before its own is due. No unit: a commune's. `unit_tier` spares reading the
    tree when the caller knows the unit's `units.tree.tier`."""
    return _working_days_after(period, _deadline_days(unit, unit_tier))


def reminder_day(period: ReportingPeriod, unit: Unit | None = None, *, unit_tier: int | None = None) -> date:
    """The working day on which managers who have not submitted are reminded."""
    before = _deadline_days(unit, unit_tier) - int(current_app.config["REPORT_REMINDER_WORKING_DAYS"])
    return _working_days_after(period, max(before, 0))


def _deadline_days(unit: Unit | None, unit_tier: int | None) -> int:
    config = current_app.config
    if unit_tier is None:
        unit_tier = tier(unit.id) if unit is not None else 0
    return int(config["REPORT_DEADLINE_WORKING_DAYS"]) + unit_tier * int(config["REPORT_DEADLINE_TIER_WORKING_DAYS"])


def _working_days_after(period: ReportingPeriod, days: int) -> date:
    return working_calendar.current().add_working_days(period.date_to, days)


def versions(unit: Unit, period: ReportingPeriod) -> list[ReportVersion]:
    return list(db.session.scalars(
        select(ReportVersion).where(ReportVersion.unit_id == unit.id, ReportVersion.period == period.label)
        .order_by(ReportVersion.version)))


def latest(unit: Unit, period: ReportingPeriod) -> ReportVersion | None:
    return db.session.scalar(
        select(ReportVersion).where(ReportVersion.unit_id == unit.id, ReportVersion.period == period.label)
        .order_by(ReportVersion.version.desc()).limit(1))


@dataclass(frozen=True)
class Standing:
    """Where a unit's report for a period stands today."""

    status: str
    version: ReportVersion | None
    deadline: date
    late: bool  # submitted (first) after the deadline, or not at all and the deadline is past

    @property
    def label(self) -> str:
        return self.status


def standing(unit: Unit, period: ReportingPeriod, today: date | None = None) -> Standing:
    """Where the report stands. Only the official periods (NĐ 09/2019) must be filed: a
    calendar period's report is never *not_reported* nor late, whatever the day."""
    today = today or clock.local_today()
    due = deadline(period, unit)
    current = latest(unit, period)
    if current is None:
        overdue = period.official and today > due
        return Standing("not_reported" if overdue else "draft", None, due, overdue)
    first = db.session.scalar(
        select(func.min(ReportVersion.submitted_at))
        .where(ReportVersion.unit_id == unit.id, ReportVersion.period == period.label))
    return Standing(current.status, current, due, period.official and clock.local_day(first) > due)


def snapshot_of(version: ReportVersion) -> dict:
    """The version as submitted, with its current status and review."""
    document = json.loads(version.document)
    document["sha256"] = version.sha256
    document["status"] = version.status
    if version.reviewed_at is not None:
        document["review"] = {
            "at": clock.as_utc(version.reviewed_at).isoformat(timespec="seconds"),
            "by": _person(version.reviewed_by),
            "comment": version.review_comment,
        }
    return document


@dataclass(frozen=True)
class ChildFiling:
    """Where a child unit's report for a period stands, with its latest version as
    submitted (`snapshot_of`) while that version is submitted or accepted."""

    unit: Unit
    standing: Standing
    snapshot: dict | None

    @property
    def accepted(self) -> bool:
        return self.standing.status == "accepted" and self.snapshot is not None


def child_filings(unit: Unit, period: ReportingPeriod, today: date | None = None) -> list[ChildFiling]:
    """Every filing child's filing (`succession.children_standing_through` the period's last
    day), in code order."""
    today = today or clock.local_today()
    filings = []
    for child in children_standing_through(unit, period.date_to):
        state = standing(child, period, today)
        held = state.version is not None and state.status in ("submitted", "accepted")
        filings.append(ChildFiling(child, state, snapshot_of(state.version) if held else None))
    return filings


def filings_stamp(unit: Unit, period: ReportingPeriod) -> str | None:
    """A short text that changes whenever a child submits or is reviewed: what a compiled
    draft rests on beside the day. None for a unit without children."""
    children = [child.id for child in children_standing_through(unit, period.date_to)]
    if not children:
        return None
    rows = db.session.execute(
        select(ReportVersion.unit_id, ReportVersion.version, ReportVersion.status)
        .where(ReportVersion.unit_id.in_(children), ReportVersion.period == period.label)
        .order_by(ReportVersion.unit_id, ReportVersion.version)).all()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]


def report_now(unit: Unit, period: ReportingPeriod, cache_live: bool = False) -> dict:
    """The report as it would be frozen now: for a unit with children, compiled from
    their accepted snapshots (`compiled.py`); for a unit without, live (`document.py`),
    from the cache when `cache_live` (`live_report`)."""
    filings = child_filings(unit, period)
    if filings:
        return compiled_report(unit, period, filings)
    if cache_live:
        return cached(f"report-live:{unit.id}:{period.label}", lambda: build_report(unit, period))
    return build_report(unit, period)


def live_report(unit: Unit, period: ReportingPeriod) -> dict:
    """The report's figures now (`report_now`). A live report is built once per fold
    generation whoever asks (the API's JSON, the CSV and XLSX exports, the province's board).

    Cached like a summary (`summaries.read.cached`): a province-year takes seconds to
    build, and every fold, rebuild or dossier write bumps the generation, so a cached
    report is never older than the last of those (at most SUMMARY_CACHE_SECONDS when a
    bump was lost, or for a change that bumps nothing, such as a complaint case answered).
    A submission does not read it: it folds and freezes the records as they are.

    A compiled report is never cached: a child's submission or review changes it without
    bumping the fold generation, and it only reads the children's snapshots.
    """
    return report_now(unit, period, cache_live=True)


def live_document(unit: Unit, period: ReportingPeriod, today: date | None = None) -> dict:
    """The report as the records say now, marked with where it stands."""
    document = live_report(unit, period)
    state = standing(unit, period, today)
    document["status"] = "not_reported" if state.status == "not_reported" else "draft"
    document["version"] = (state.version.version + 1) if state.version else 1
    document["deadline"] = state.deadline.isoformat()
    return document


def served_document(unit: Unit, period: ReportingPeriod, version: int | None = None) -> dict:
    """What the API and the exports serve: a named version as submitted; else the latest
    submitted version as submitted; else the live draft."""
    if version is not None:
        row = db.session.scalar(select(ReportVersion).where(
            ReportVersion.unit_id == unit.id, ReportVersion.period == period.label, ReportVersion.version == version))
        if row is None:
            raise LookupError(f"no version {version} of this report")
        return snapshot_of(row)
    current = latest(unit, period)
    return snapshot_of(current) if current is not None else live_document(unit, period)


def submit(unit: Unit, period: ReportingPeriod, user: User) -> ReportVersion:
    """Freeze the report as it stands now (`report_now`) as the next version. Refused before the period has
    ended, and while the latest version waits for review or has been accepted."""
    if not may_submit_report(user, unit):
        raise FilingRefused(_("Chỉ lãnh đạo của chính đơn vị mới nộp được báo cáo này."))
    today = clock.local_today()
    if today <= period.date_to:
        raise FilingRefused(_("Kỳ báo cáo kết thúc ngày %(day)s; chỉ nộp được sau ngày đó.",
                               day=period.date_to.strftime("%d/%m/%Y")))
    current = latest(unit, period)
    if current is not None and current.status == "submitted":
        raise FilingRefused(_("Phiên bản %(version)s đã nộp và đang chờ cấp trên xem xét.", version=current.version))
    if current is not None and current.status == "accepted":
        raise FilingRefused(_("Phiên bản %(version)s đã được cấp trên tiếp nhận.", version=current.version))
    from ..summaries.fold import fold_all  # every stored rating counted before freezing
    fold_all(int(current_app.config["AGGREGATION_BATCH_SIZE"]))
    document = report_now(unit, period)
    number = (current.version + 1) if current else 1
    moment = clock.now().replace(microsecond=0)
    document.update(version=number, submitted_at=moment.isoformat(), submitted_by=_person(user))
    document.pop("status", None)
    sha = integrity.digest(document)
    try:
        with transaction():
            row = ReportVersion(unit_id=unit.id, period=period.label, version=number, status="submitted",
                                document=integrity.canonical(document), sha256=sha, submitted_at=moment,
                                submitted_by_id=user.id)
            db.session.add(row)
            audit(user.actor, "report.submit", f"report:{unit.code}:{period.label}",
                  {"period": period.label, "version": number, "sha256": sha})
    except IntegrityError:
        # Two submissions at once: the database keeps one version per number, the other is told.
        raise FilingRefused(_("Phiên bản %(version)s vừa được nộp cùng lúc; hãy tải lại trang.", version=number)) from None
    return row


def review(version: ReportVersion, user: User, accept: bool, comment: str = "") -> None:
    """Accept the latest submitted version, or return it with a comment."""
    if not may_review_report(user, version.unit):
        raise FilingRefused(_("Chỉ cấp trên của đơn vị mới tiếp nhận hoặc trả lại báo cáo."))
    newest = db.session.scalar(select(func.max(ReportVersion.version)).where(
        ReportVersion.unit_id == version.unit_id, ReportVersion.period == version.period))
    if version.version != newest:
        raise FilingRefused(_("Chỉ xem xét được phiên bản mới nhất."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise FilingRefused(_("Trả lại báo cáo cần nêu lý do."))
    if len(comment) > COMMENT_MAX:
        raise FilingRefused(_("Ý kiến dài tối đa %(count)s ký tự.", count=COMMENT_MAX))
    seen = version.status
    if seen not in ("submitted", "accepted") or (accept and seen == "accepted"):
        raise FilingRefused(_("Phiên bản này không còn chờ xem xét."))
    with transaction():
        # The UPDATE … WHERE status = what this reviewer saw is the lock: of two reviews at
        # once (an accept and a return, or two returns) the database lets exactly one change
        # the row; the other changes nothing, writes no audit entry and is told.
        changed = db.session.execute(
            update(ReportVersion).where(ReportVersion.id == version.id, ReportVersion.status == seen)
            .values(status="accepted" if accept else "returned", reviewed_at=clock.now(), reviewed_by_id=user.id,
                    review_comment=comment or None)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise FilingRefused(_("Phiên bản này không còn chờ xem xét."))
        audit(user.actor, "report.accept" if accept else "report.return",
              f"report:{version.unit.code}:{version.period}", {"version": version.version, "comment": comment or None})
    db.session.refresh(version)


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.display_name or user.username, "role": user.role}

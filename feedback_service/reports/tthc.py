"""The dossier side of a period report: the TTHC results table (Biểu II.06a of
TT 01/2020/TT-VPCP) and the QĐ 766 indicators, from one pass over the dossiers.

Definitions (stated again in every report's `method`); whether a dossier is early, on
time, late, overdue or has no due date is `dossiers.timeliness`, the one definition the
summary API and the dossier page use too:
- days are local days; a dossier is counted once, by its own dates, never by today;
- resolved: done in the period, by the e-system's finish date, else its return
  (REPORT_RESOLVED_BY); early / on time / late, or no due date (counted apart);
- received: received in the period, split online / in person (post counts with in
  person, as the form's column does); carried over: received before the period and not
  done when it began; `received.total` = the three together
  = resolved + pending + cancelled;
- pending: received by the period's last day and not done by then: within time,
  overdue (judged at the period's end, or today while it runs), or no due date;
- cancelled: cancelled in the period, from the desk; a dossier cancelled before the
  period began is not in it, one cancelled after it ended is counted as it stood then,
  so the pending of one period is the next one's carried over, whatever is cancelled;
- handled = resolved + pending: the dossiers the unit had on its desk in the period.
  overdue % = (resolved late + pending overdue) ÷ handled; complained % = negative
  ratings received in the period (its local day: counted once, in one period) on the
  group's dossiers, not flagged (overall at or below REPORT_NEGATIVE_OVERALL_MAX, or a
  "6 biết" behaviour answered no) ÷ handled; on-time % = (early + on time) ÷ (early +
  on time + late);
- TTHC satisfaction % = 100 − (overdue % + complained %), not below 0; its points =
  REPORT_766_TTHC_POINTS × min(1, TTHC satisfaction % ÷ REPORT_766_FULL_AT_PCT).
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Text, and_, case, cast, func, or_, select

from .. import clock
from ..extensions import db
from ..dossiers import timeliness
from ..models import Dossier, Rating
from .periods import ReportingPeriod

RECEIVED = ("total", "online", "in_person", "carried_over")
RESOLVED = ("total", "early", "on_time", "late", "no_due_date")
PENDING = ("total", "within_time", "overdue", "no_due_date")
# A dossier registered without a field: its row in the JSON, the files and the page.
OTHER_FIELD = "Khác"


class Tally:
    """Biểu II.06a counts for one row (a unit, a child, a procedure), plus what QĐ 766 needs."""

    __slots__ = ("received", "resolved", "pending", "cancelled", "complained", "rated")

    def __init__(self) -> None:
        self.received = dict.fromkeys(RECEIVED, 0)
        self.resolved = dict.fromkeys(RESOLVED, 0)
        self.pending = dict.fromkeys(PENDING, 0)
        self.cancelled = 0
        self.complained = 0
        # Unflagged ratings received in the period on these dossiers: the answers `complained`
        # rests on (the small-cell rule withholds it, and what gives it back, below 5).
        self.rated = 0

    def table(self) -> dict:
        return {"received": dict(self.received), "resolved": dict(self.resolved), "pending": dict(self.pending),
                "cancelled": self.cancelled}

    def indicators(self) -> dict:
        config = current_app.config
        resolved, pending = self.resolved["total"], self.pending["total"]
        handled = resolved + pending
        overdue = self.resolved["late"] + self.pending["overdue"]
        on_time = self.resolved["early"] + self.resolved["on_time"]
        on_time_pct = _pct(on_time, on_time + self.resolved["late"])
        overdue_pct = _pct(overdue, handled)
        complained_pct = _pct(self.complained, handled)
        satisfaction = points = None
        if handled:
            satisfaction = max(0.0, 100.0 - 100.0 * (overdue + self.complained) / handled)
            full_at = float(config["REPORT_766_FULL_AT_PCT"])
            points = float(config["REPORT_766_TTHC_POINTS"]) * min(1.0, satisfaction / full_at)
        return {
            "handled": handled,
            "overdue": overdue,
            "complained": self.complained,
            "rated": self.rated,
            "on_time_pct": on_time_pct,
            "overdue_pct": overdue_pct,
            "complained_pct": complained_pct,
            "tthc_satisfaction_pct": _round(satisfaction),
            "points": _round(points),
            "points_max": float(config["REPORT_766_TTHC_POINTS"]),
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def is_negative(overall: int | None, conduct: dict | None) -> bool:
    if overall is None:
        return False
    if overall <= int(current_app.config["REPORT_NEGATIVE_OVERALL_MAX"]):
        return True
    return any(answer is False for answer in (conduct or {}).values())


def judged_before(period: ReportingPeriod) -> date:
    """The day whose start a period's pending work is judged at: the day after the
    period, or today while it still runs (a due day that is today has not passed)."""
    return min(period.date_to + timedelta(days=1), clock.local_today())


class DossierTallies(NamedTuple):
    """What `tally_dossiers` counts: per group, per procedure code and per field code
    (None: dossiers sent without a field), with the names of procedures and fields."""

    by_group: dict  # group key (a unit id, or what group_of names) → Tally
    by_procedure: dict[str, Tally]
    names: dict[str, str]
    by_field: dict[str | None, Tally]
    field_names: dict[str, str]


def tally_dossiers(unit_ids: Iterable[int], period: ReportingPeriod, group_of: dict[int, list]
                   ) -> DossierTallies:
    """Counts per group (`group_of` maps a unit id to the groups it belongs to), per
    procedure code and per field (Biểu II.06a's rows) over all of `unit_ids`, and the
    names of each procedure and field.

    Counted by the database (a province-year is 300,000 dossiers): one GROUP BY over
    the dossiers on the desk, classified by local days in SQL, and one query for the
    few ratings received in the period that may be negative, checked here by `is_negative`.
    """
    by_group: dict = defaultdict(Tally)
    by_procedure: dict[str, Tally] = defaultdict(Tally)
    names: dict[str, str] = {}
    by_field: dict[str | None, Tally] = defaultdict(Tally)
    field_names: dict[str, str] = {}
    unit_ids = list(unit_ids)
    on_desk = _on_desk(unit_ids, period)
    column, section, key = _classified(period)
    rows = db.session.execute(
        select(Dossier.unit_id, Dossier.procedure_code, func.min(Dossier.procedure_name), Dossier.field_code,
               func.min(Dossier.field_name), column, section, key, func.count())
        .where(*on_desk).group_by(Dossier.unit_id, Dossier.procedure_code, Dossier.field_code, column, section, key))
    for unit_id, code, name, field, field_name, column_name, section_name, key_name, n in rows:
        names[code] = min(names.get(code, name), name)
        if field is not None:
            shown = field_name or field
            field_names[field] = min(field_names.get(field, shown), shown)
        for tally in [by_group[group] for group in group_of.get(unit_id, ())] + [by_procedure[code], by_field[field]]:
            tally.received[column_name] += n
            tally.received["total"] += n
            if section_name == "cancelled":
                tally.cancelled += n
                continue
            counts = getattr(tally, section_name)
            counts[key_name] += n
            counts["total"] += n
    for unit_id, code, name in _complained(unit_ids, period):
        names.setdefault(code, name)
        for tally in [by_group[group] for group in group_of.get(unit_id, ())] + [by_procedure[code]]:
            tally.complained += 1
    for unit_id, code, name, n in _rated(unit_ids, period):
        names.setdefault(code, name)
        for tally in [by_group[group] for group in group_of.get(unit_id, ())] + [by_procedure[code]]:
            tally.rated += n
    return DossierTallies(by_group, by_procedure, names, by_field, field_names)


def _on_desk(unit_ids: list[int], period: ReportingPeriod) -> list:
    """Everything on the desk in the period: received by its end, not done before it
    began, not cancelled before it began."""
    done = timeliness.done_day_column()
    return [Dossier.unit_id.in_(unit_ids), Dossier.received_day <= period.date_to,
            or_(done.is_(None), done >= period.date_from),
            timeliness.not_cancelled_by(period.date_from - timedelta(days=1))]


def _classified(period: ReportingPeriod) -> tuple:
    """The received column, the section (resolved / pending / cancelled) and its column, as SQL."""
    done = timeliness.done_day_column()
    column = case((Dossier.received_day < period.date_from, "carried_over"),
                  (Dossier.channel == "online", "online"), else_="in_person")
    section = case((timeliness.cancelled_by(period.date_to), "cancelled"),
                   (and_(done.is_not(None), done <= period.date_to), "resolved"), else_="pending")
    return column, section, timeliness.classified(period.date_to, judged_before(period))


def _rated_on(unit_ids: list[int], period: ReportingPeriod) -> list:
    """Unflagged ratings received on a day of the period, on the units' dossiers not cancelled by its end."""
    return [Dossier.unit_id.in_(unit_ids), timeliness.not_cancelled_by(period.date_to)], and_(
        Rating.dossier_id == Dossier.id, Rating.flag_reason.is_(None),
        Rating.local_day >= period.date_from, Rating.local_day <= period.date_to)


def _rated(unit_ids: list[int], period: ReportingPeriod) -> list[tuple[int, str, str, int]]:
    """(unit id, procedure code, procedure name, ratings) of the ratings `_complained` looks among."""
    where, joined = _rated_on(unit_ids, period)
    return list(db.session.execute(
        select(Dossier.unit_id, Dossier.procedure_code, func.min(Dossier.procedure_name), func.count())
        .join(Rating, joined).where(*where).group_by(Dossier.unit_id, Dossier.procedure_code)))


def _complained(unit_ids: list[int], period: ReportingPeriod) -> list[tuple[int, str, str]]:
    """(unit id, procedure code, procedure name) of each dossier that drew a negative rating on a day of
    the period: counted in the period the rating was received in, and in no other. The
    database narrows to the candidates (a low overall, or a "no" somewhere in the
    behaviours); `is_negative` decides."""
    threshold = int(current_app.config["REPORT_NEGATIVE_OVERALL_MAX"])
    where, joined = _rated_on(unit_ids, period)
    rows = db.session.execute(
        select(Dossier.unit_id, Dossier.procedure_code, Dossier.procedure_name, Rating.overall, Rating.conduct)
        .join(Rating, joined)
        .where(*where, or_(Rating.overall <= threshold, cast(Rating.conduct, Text).like("%false%"))))
    return [(unit_id, code, name) for unit_id, code, name, overall, conduct in rows if is_negative(overall, conduct)]


def procedure_rows(by_procedure: dict[str, Tally], names: dict[str, str]) -> list[dict]:
    return [{"procedure_code": code, "procedure_name": names.get(code, ""), **by_procedure[code].table(),
             "indicators_766": by_procedure[code].indicators()}
            for code in sorted(by_procedure)]


def field_rows(by_field: dict[str | None, Tally], names: dict[str, str]) -> list[dict]:
    """`tthc_results.fields`: a row per field, by name, then "Khác" for dossiers without one
    (the rows of Biểu II.06a, in the order `files/tthc_form.py` lays them out)."""
    named = sorted((code for code in by_field if code is not None),
                   key=lambda code: (alphabetical(names.get(code, code)), code))
    rows = [{"field_code": code, "field_name": names.get(code, code), **by_field[code].table()} for code in named]
    if None in by_field:
        rows.append({"field_code": None, "field_name": OTHER_FIELD, **by_field[None].table()})
    return rows


def alphabetical(name: str) -> tuple[str, str]:
    """A sort key close to Vietnamese alphabetical order: letters without their marks
    first (Python's order puts "Đất đai" after "Hộ tịch"), then the name itself."""
    folded = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    return "".join(c for c in folded if not unicodedata.combining(c)), name

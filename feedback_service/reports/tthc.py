"""The dossier side of a period report: the TTHC results table (Biểu II.06a of
TT 01/2020/TT-VPCP) and the QĐ 766 indicators, from one pass over the dossiers.

Definitions (stated again in every report's `method`):
- days are local days; a dossier is counted once, by its own dates, never by today;
- received: not cancelled, received in the period, split online / in person (post
  counts with in person, as the form's column does); carried over: received before the
  period and not yet returned when it began; `received.total` = the three together;
- resolved: returned to the citizen in the period. Late as the e-system flags it,
  else returned after its due day; of the rest, early = returned on a day before the
  due day, on time = on the due day (or with no due date recorded);
- pending: received by the period's last day and not returned by then; overdue when
  its due day ended without a return: a due day up to the period's last day, or, while
  the period still runs, before today; or when the e-system flags it late while it is
  still out (a flag set when it came back after the period is not about the period);
- handled = resolved + pending: the dossiers the unit had on its desk in the period.
  overdue % = (resolved late + pending overdue) ÷ handled; complained % = handled
  dossiers whose rating, given by the period's end and not flagged, was negative
  (overall at or below REPORT_NEGATIVE_OVERALL_MAX, or a "6 biết" behaviour answered
  no) ÷ handled; on-time % = (early + on time) ÷ resolved;
- TTHC satisfaction % = 100 − (overdue % + complained %), not below 0; its points =
  REPORT_766_TTHC_POINTS × min(1, TTHC satisfaction % ÷ REPORT_766_FULL_AT_PCT).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Text, and_, case, cast, func, or_, select

from .. import clock
from ..extensions import db
from ..models import Dossier, Rating
from .periods import ReportingPeriod

RECEIVED = ("total", "online", "in_person", "carried_over")
RESOLVED = ("total", "early", "on_time", "late")
PENDING = ("total", "within_time", "overdue")


class Tally:
    """Biểu II.06a counts for one row (a unit, a child, a procedure), plus what QĐ 766 needs."""

    __slots__ = ("received", "resolved", "pending", "complained")

    def __init__(self) -> None:
        self.received = dict.fromkeys(RECEIVED, 0)
        self.resolved = dict.fromkeys(RESOLVED, 0)
        self.pending = dict.fromkeys(PENDING, 0)
        self.complained = 0

    def table(self) -> dict:
        return {"received": dict(self.received), "resolved": dict(self.resolved), "pending": dict(self.pending)}

    def indicators(self) -> dict:
        config = current_app.config
        resolved, pending = self.resolved["total"], self.pending["total"]
        handled = resolved + pending
        overdue = self.resolved["late"] + self.pending["overdue"]
        on_time_pct = _pct(self.resolved["early"] + self.resolved["on_time"], resolved)
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

    by_group: dict[int, Tally]
    by_procedure: dict[str, Tally]
    names: dict[str, str]
    by_field: dict[str | None, Tally]
    field_names: dict[str, str]


def tally_dossiers(unit_ids: Iterable[int], period: ReportingPeriod, group_of: dict[int, list[int]]
                   ) -> DossierTallies:
    """Counts per group (`group_of` maps a unit id to the groups it belongs to), per
    procedure code and per field (Biểu II.06a's rows) over all of `unit_ids`, and the
    names of each procedure and field.

    Counted by the database (a province-year is 300,000 dossiers): one GROUP BY over
    the dossiers on the desk, classified by local days in SQL, and one query for the
    few dossiers whose rating may be negative, checked here by `is_negative`.
    """
    by_group: dict[int, Tally] = defaultdict(Tally)
    by_procedure: dict[str, Tally] = defaultdict(Tally)
    names: dict[str, str] = {}
    by_field: dict[str | None, Tally] = defaultdict(Tally)
    field_names: dict[str, str] = {}
    on_desk = _on_desk(list(unit_ids), period)
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
            counts = getattr(tally, section_name)
            counts[key_name] += n
            counts["total"] += n
    for unit_id, code in _complained(on_desk, period):
        for tally in [by_group[group] for group in group_of.get(unit_id, ())] + [by_procedure[code]]:
            tally.complained += 1
    return DossierTallies(by_group, by_procedure, names, by_field, field_names)


def _on_desk(unit_ids: list[int], period: ReportingPeriod) -> list:
    """Everything on the desk in the period: received by its end, not returned before it began."""
    return [Dossier.unit_id.in_(unit_ids), Dossier.cancelled.is_(False), Dossier.received_day <= period.date_to,
            or_(Dossier.returned_day.is_(None), Dossier.returned_day >= period.date_from)]


def _classified(period: ReportingPeriod) -> tuple:
    """The received column, the section (resolved / pending) and its column, as SQL."""
    start, end, cutoff = period.date_from, period.date_to, judged_before(period)
    has_due = Dossier.due_day.is_not(None)
    column = case((Dossier.received_day < start, "carried_over"), (Dossier.channel == "online", "online"),
                  else_="in_person")
    resolved = and_(Dossier.returned_day.is_not(None), Dossier.returned_day <= end)
    section = case((resolved, "resolved"), else_="pending")
    # Late as the e-system flags it (its flag wins both ways), else returned after the due day.
    late = or_(Dossier.late.is_(True),
               and_(Dossier.late.is_(None), has_due, Dossier.returned_day > Dossier.due_day))
    # Judged at the period's end: a late flag set when the result came back after it says
    # nothing about then; one on a dossier still out may (the e-system knows of supplement
    # requests), so it counts.
    overdue = or_(and_(Dossier.late.is_(True), Dossier.returned_day.is_(None)),
                  and_(has_due, Dossier.due_day < cutoff))
    key = case(
        (and_(resolved, late), "late"),
        (and_(resolved, has_due, Dossier.returned_day < Dossier.due_day), "early"),
        (resolved, "on_time"),
        (overdue, "overdue"),
        else_="within_time")
    return column, section, key


def _complained(on_desk: list, period: ReportingPeriod) -> list[tuple[int, str]]:
    """(unit id, procedure code) of each dossier on the desk that drew a negative rating
    by the period's end. The database narrows to the candidates (a low overall, or a
    "no" somewhere in the behaviours); `is_negative` decides."""
    threshold = int(current_app.config["REPORT_NEGATIVE_OVERALL_MAX"])
    rows = db.session.execute(
        select(Dossier.unit_id, Dossier.procedure_code, Rating.overall, Rating.conduct)
        .join(Rating, and_(Rating.dossier_id == Dossier.id, Rating.flag_reason.is_(None),
                           Rating.local_day <= period.date_to))
        .where(*on_desk, or_(Rating.overall <= threshold, cast(Rating.conduct, Text).like("%false%"))))
    return [(unit_id, code) for unit_id, code, overall, conduct in rows if is_negative(overall, conduct)]


def procedure_rows(by_procedure: dict[str, Tally], names: dict[str, str]) -> list[dict]:
    return [{"procedure_code": code, "procedure_name": names.get(code, ""), **by_procedure[code].table(),
             "indicators_766": by_procedure[code].indicators()}
            for code in sorted(by_procedure)]


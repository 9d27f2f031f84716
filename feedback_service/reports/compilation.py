"""Adding up report snapshots: the figures of a report compiled from its units' accepted
versions, and what the live records say differently since a snapshot was submitted.

Compiling adds up counts only and works every percentage out again from the sums, by
the same rules as a live report (`summaries.scoring.compose`, `tthc.Tally`): an average
of the units' percentages would weigh a commune of ten dossiers like one of a thousand.
The counts are: responses, answers per level (overall and each element), each "6 biết"
behaviour's yes / no / unknown, ratings by channel, excluded ratings by reason, the
verified responses, every Biểu II.06a column (for each unit, procedure and field), the
dossiers that drew a complaint, and complaint cases. A snapshot carries the verified and
unverified ratings' headline figures, not their counts, so only their responses add up.

A difference is a leaf of `satisfaction`, `indicators_766` or `tthc_results` whose
submitted value is not what the records give today: a dossier returned later than
first recorded, a rating folded after the submission. Timestamps of the reading itself
(`as_of`, `generated_at`) are left out: they always differ. So is a key only one side
has: a snapshot filed before the report carried `tthc_results.fields` lacks it, which
is a newer layout, not a correction of the records.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask import current_app

from ..cases import timeliness as case_timeliness
from ..models.ratings import CHANNELS
from ..ratings.instrument import CONDUCT_ANSWERS, current_instrument
from ..summaries.scoring import LEVELS, compose
from . import integrity
from .satisfaction import FLAG_REASONS
from .tthc import PENDING, RECEIVED, RESOLVED, Tally, field_rows, procedure_rows


COMPARED_SECTIONS = ("satisfaction", "indicators_766", "tthc_results")
# Moments of the reading, not figures: they differ on every reading.
NOT_COMPARED = frozenset({"as_of", "generated_at"})
COMPLAINT_COUNTS = ("received", *case_timeliness.STANDINGS)
TABLE = (("received", RECEIVED), ("resolved", RESOLVED), ("pending", PENDING))
# What a sum cannot give back: the verified / unverified percentages rest on counts a snapshot does not carry.
TRUST_FIGURES = ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score")


def compile_snapshots(snapshots: Iterable[dict], own: dict | None = None) -> dict:
    """The report sections summed over the given snapshots (the units' accepted
    versions): `units` (code, name, version, sha256 of each), `satisfaction`,
    `indicators_766` (with `complaints`) and `tthc_results` (the Biểu II.06a columns,
    with a row per unit in `children`, per procedure and per field).

    `own`, when given, is the compiling unit's own desk in the same shape (read live:
    `compiled.own_desk`): counted in every sum and shown as `tthc_results.own`, so the
    children's rows and the own row add up to the unit, never listed as a source."""
    snapshots = list(snapshots)
    counted = snapshots + ([own] if own is not None else [])
    total = Tally()
    by_procedure: dict[str, Tally] = defaultdict(Tally)
    by_field: dict[str | None, Tally] = defaultdict(Tally)
    names: dict[str, str] = {}
    field_names: dict[str, str] = {}
    units, children = [], []
    complaints = dict.fromkeys(COMPLAINT_COUNTS, 0)
    for snapshot in counted:
        unit = snapshot.get("unit") or {}
        row = tally_of(snapshot)
        _add(total, row)
        if snapshot is not own:
            units.append({"code": unit.get("code"), "name": unit.get("name"),
                          "version": snapshot.get("version"), "sha256": snapshot.get("sha256")})
            children.append({"code": unit.get("code"), "name": unit.get("name"), **row.table()})
        results = snapshot.get("tthc_results") or {}
        for row in results.get("procedures") or []:
            code, name = row.get("procedure_code"), row.get("procedure_name") or ""
            names[code] = min(names.get(code, name), name)
            _add(by_procedure[code], _tally(row, row.get("indicators_766")))
        fields = results.get("fields")
        if fields is None:
            # Filed before dossiers carried a field: every dossier in it is "Khác", as its form prints it.
            fields = [{"field_code": None, **results}]
        for row in fields:
            code = row.get("field_code")
            if code is not None:
                shown = row.get("field_name") or code
                field_names[code] = min(field_names.get(code, shown), shown)
            _add(by_field[code], _tally(row))
        for name in COMPLAINT_COUNTS:
            complaints[name] += _count(((snapshot.get("indicators_766") or {}).get("complaints") or {}).get(name))
    complaints["on_time_pct"] = case_timeliness.on_time_pct(complaints)
    results = {**total.table(), "children": children, "procedures": procedure_rows(by_procedure, names),
               "fields": field_rows(by_field, field_names)}
    if own is not None:
        unit = own.get("unit") or {}
        results["own"] = {"code": unit.get("code"), "name": unit.get("name"), **tally_of(own).table()}
    return {
        "units": units,
        "satisfaction": satisfaction_of(snapshot.get("satisfaction") or {} for snapshot in counted),
        "indicators_766": {**total.indicators(), "complaints": complaints},
        "tthc_results": results,
    }


def tally_of(snapshot: dict) -> Tally:
    """A snapshot's own Biểu II.06a row, complained dossiers and their ratings, as a tally."""
    return _tally(snapshot.get("tthc_results") or {}, snapshot.get("indicators_766"))


def satisfaction_of(sections: Iterable[dict]) -> dict:
    """One `satisfaction` section from several: counts summed, figures worked out again."""
    responses = verified = excluded = 0
    answers: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    channels: dict[str, int] = defaultdict(int)
    reasons: dict[str, int] = defaultdict(int)
    latest: datetime | None = None
    for section in sections:
        responses += _count(section.get("responses"))
        for level, n in (section.get("overall") or {}).items():
            answers["overall"][level] += _count(n)
        for key, element in (section.get("elements") or {}).items():
            for level, n in (element.get("counts") or {}).items():
                answers[f"element.{key}"][level] += _count(n)
        for key, behaviour in (section.get("conduct") or {}).items():
            for answer in CONDUCT_ANSWERS:
                answers[f"conduct.{key}"][answer] += _count(behaviour.get(answer))
        for channel, n in (section.get("by_channel") or {}).items():
            channels[channel] += _count(n)
        excluded += _count((section.get("excluded") or {}).get("total"))
        for reason, n in ((section.get("excluded") or {}).get("reasons") or {}).items():
            reasons[reason] += _count(n)
        verified += _count((section.get("verified") or {}).get("responses"))
        if section.get("as_of"):
            moment = datetime.fromisoformat(section["as_of"])
            latest = moment if latest is None or moment > latest else latest
    instrument = current_instrument()
    figures = compose(responses, answers, instrument.element_keys, instrument.conduct_keys,
                      int(current_app.config["SATISFIED_MIN_LEVEL"]))
    for key, element in figures["elements"].items():
        element["counts"] = {level: answers.get(f"element.{key}", {}).get(level, 0) for level in LEVELS}
    return {
        **figures,
        "by_channel": {channel: channels.get(channel, 0) for channel in (*CHANNELS, *sorted(set(channels) - set(CHANNELS)))},
        "verified": {"responses": verified, **dict.fromkeys(TRUST_FIGURES)},
        "unverified": {"responses": responses - verified, **dict.fromkeys(TRUST_FIGURES)},
        "verified_share_pct": _round(100.0 * verified / responses if responses else None),
        "excluded": {"total": excluded,
                     "reasons": {reason: reasons.get(reason, 0)
                                 for reason in (*FLAG_REASONS, *sorted(set(reasons) - set(FLAG_REASONS)))}},
        "as_of": latest.isoformat() if latest else None,
    }


def differences_since(snapshot: dict, live: dict) -> list[tuple[str, object, object]]:
    """(path, submitted, live) for every compared figure that has changed since the
    snapshot was taken, e.g. ("tthc_results.resolved.late", 1, 2)."""
    found = []
    for section in COMPARED_SECTIONS:
        if section in snapshot and section in live:
            submitted, current = _shared(snapshot[section], live[section])
            found.extend(integrity.differences(submitted, current, section))
    return found


def _shared(submitted: object, current: object) -> tuple[object, object]:
    """Both values cut to the keys both have, without the reading's own timestamps, at any depth."""
    if isinstance(submitted, dict) and isinstance(current, dict):
        pairs = {key: _shared(submitted[key], current[key])
                 for key in submitted if key in current and key not in NOT_COMPARED}
        return {key: pair[0] for key, pair in pairs.items()}, {key: pair[1] for key, pair in pairs.items()}
    if isinstance(submitted, list) and isinstance(current, list) and len(submitted) == len(current):
        pairs = [_shared(left, right) for left, right in zip(submitted, current)]
        return [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    return submitted, current


def _tally(row: dict, indicators: dict | None = None) -> Tally:
    """A row's Biểu II.06a counts, with its QĐ 766 `complained` and `rated` when given. A
    snapshot built before it counted `rated` adds none: the sum is then low, so the
    small-cell rule withholds more, never less."""
    tally = Tally()
    for section, columns in TABLE:
        counts = getattr(tally, section)
        for column in columns:
            counts[column] = _count((row.get(section) or {}).get(column))
    tally.cancelled = _count(row.get("cancelled"))
    tally.complained = _count((indicators or {}).get("complained"))
    tally.rated = _count((indicators or {}).get("rated"))
    return tally


def _add(into: Tally, other: Tally) -> None:
    for section, columns in TABLE:
        counts, more = getattr(into, section), getattr(other, section)
        for column in columns:
            counts[column] += more[column]
    into.cancelled += other.cancelled
    into.complained += other.complained
    into.rated += other.rated


def _count(value: object) -> int:
    return int(value or 0)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)

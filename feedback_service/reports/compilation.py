"""The province's report compiled from its units' accepted snapshots, and what the
live records say differently since each snapshot was submitted.

Compiling adds up counts only (responses, answers per level, the Biểu II.06a columns,
the dossiers that drew a complaint, complaint cases) and works every percentage out
again from the sums, by the same rules as a live report (`summaries.scoring`,
`tthc.Tally`): an average of the units' percentages would weigh a commune of ten
dossiers like one of a thousand.

A difference is a leaf of `satisfaction`, `indicators_766` or `tthc_results` whose
submitted value is not what the records give today: a dossier returned later than
first recorded, a rating folded after the submission. Timestamps of the reading
itself (`as_of`, `generated_at`) are left out: they always differ, and so are figures
the snapshot does not have at all (added to the report after it was filed).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from ..cases import timeliness as case_timeliness
from ..summaries.scoring import LEVELS, mean_score, satisfaction_pct
from . import integrity
from .tthc import PENDING, RECEIVED, RESOLVED, Tally

COMPARED_SECTIONS = ("satisfaction", "indicators_766", "tthc_results")
# Moments of the reading, not figures: they differ on every reading.
NOT_COMPARED = frozenset({"as_of", "generated_at"})
COMPLAINT_COUNTS = ("received", *case_timeliness.STANDINGS)


def compile_snapshots(snapshots: Iterable[dict]) -> dict:
    """One report's headline sections summed over the given snapshots (the units'
    accepted versions): `units` (code, name, version, sha256 of each), `satisfaction`
    (responses, overall, satisfaction_pct, mean_score), `tthc_results` (the
    Biểu II.06a columns) and `indicators_766` (with `complaints`)."""
    units, responses, excluded = [], 0, 0
    overall = dict.fromkeys(LEVELS, 0)
    tally = Tally()
    complaints = dict.fromkeys(COMPLAINT_COUNTS, 0)
    for snapshot in snapshots:
        units.append({"code": snapshot["unit"]["code"], "name": snapshot["unit"]["name"],
                      "version": snapshot.get("version"), "sha256": snapshot.get("sha256")})
        satisfaction = snapshot.get("satisfaction") or {}
        responses += int(satisfaction.get("responses") or 0)
        excluded += int((satisfaction.get("excluded") or {}).get("total") or 0)
        for level in LEVELS:
            overall[level] += int((satisfaction.get("overall") or {}).get(level) or 0)
        table = snapshot.get("tthc_results") or {}
        for section, columns in (("received", RECEIVED), ("resolved", RESOLVED), ("pending", PENDING)):
            counts = getattr(tally, section)
            for column in columns:
                counts[column] += int((table.get(section) or {}).get(column) or 0)
        tally.cancelled += int(table.get("cancelled") or 0)
        indicators = snapshot.get("indicators_766") or {}
        tally.complained += int(indicators.get("complained") or 0)
        for name in COMPLAINT_COUNTS:
            complaints[name] += int((indicators.get("complaints") or {}).get(name) or 0)
    complaints["on_time_pct"] = case_timeliness.on_time_pct(complaints)
    min_level = int(current_app.config["SATISFIED_MIN_LEVEL"])
    return {
        "units": units,
        "satisfaction": {"responses": responses, "overall": overall,
                         "satisfaction_pct": _round(satisfaction_pct(overall, min_level)),
                         "mean_score": _round(mean_score(overall)), "excluded": excluded},
        "tthc_results": tally.table(),
        "indicators_766": {**tally.indicators(), "complaints": complaints},
    }


def differences_since(snapshot: dict, live: dict) -> list[tuple[str, object, object]]:
    """(path, submitted, live) for every compared figure that has changed since the
    snapshot was taken, e.g. ("tthc_results.resolved.late", 1, 2)."""
    found = []
    for section in COMPARED_SECTIONS:
        submitted = _figures(snapshot.get(section))
        found.extend(integrity.differences(submitted, _known_to(submitted, _figures(live.get(section))), section))
    return found


def _known_to(submitted: object, live: object) -> object:
    """The live value without the keys the snapshot never had (figures added to the report
    after it was filed, e.g. `resolved.no_due_date`): a new column is not a correction."""
    if isinstance(submitted, dict) and isinstance(live, dict):
        return {key: _known_to(submitted[key], item) if key in submitted else item
                for key, item in live.items() if key in submitted}
    if isinstance(submitted, list) and isinstance(live, list) and len(submitted) == len(live):
        return [_known_to(old, new) for old, new in zip(submitted, live)]
    return live


def _figures(value: object) -> object:
    """The value without the reading's own timestamps, at any depth."""
    if isinstance(value, dict):
        return {key: _figures(item) for key, item in value.items() if key not in NOT_COMPARED}
    if isinstance(value, list):
        return [_figures(item) for item in value]
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)

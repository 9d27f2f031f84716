"""The public ranking of a unit's direct children by satisfaction, with what the data
can and cannot tell: each share with its 95% Wilson score interval, and a band of ranks
instead of one place where the intervals overlap.

Every figure is the unit summary's (`read.unit_summary`) as the summary API publishes it
(`disclosure.publish`): nothing is recomputed here but the interval and the band, and the
small-cell rule is asked (`disclosure.may_rank`), never re-derived. The method, in words,
is `METHOD`; the page and the API both show it.
"""
from __future__ import annotations

import math

from flask import current_app

from ..models import Unit
from ..reports.periods import ReportingPeriod
from .disclosure import may_rank, publish
from .read import unit_summary
from .scoring import MIN_ANSWERS, answered, satisfied

CONFIDENCE = 0.95
# How long a reader's cache or a proxy may keep a ranking (API answer or page): figures
# change only with a fold, and a closed period's hardly ever.
MAX_AGE_SECONDS = 300
# The standard normal quantile for a two-sided 95% interval.
Z = 1.959963984540054

RANK_RULE = ("Units are listed by satisfaction share, highest first (ties by code). A unit's band of ranks "
             "runs from 1 + the number of units whose interval lies wholly above its own (their low end above "
             "its high end) to the number of units whose interval does not lie wholly below its own (their "
             "high end at or above its low end, the unit itself included). Units whose intervals overlap "
             "therefore share ranks; a band of one rank (from = to) means the data tells that unit apart from "
             "every other. Intervals are compared as published, in percent to 2 decimals.")
INTERVAL_RULE = ("The 95% Wilson score interval for the share of overall answers at the satisfied level or "
                 "above, in percent to 2 decimals: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), "
                 "z = 1.96, n the overall answers, p the share satisfied.")
WITHHELD_RULE = (f"A unit with fewer than {MIN_ANSWERS} answers is listed by code and name only: its figures, "
                 "interval and rank are null, and it is placed after the ranked units.")


def wilson_interval(satisfied_n: int, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval for a share of `satisfied_n` out of `n`, as shares (0–1)."""
    p = satisfied_n / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def rank_bands(intervals: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """The band of ranks (from, to) of each unit from the (low, high) of every interval (`RANK_RULE`)."""
    bands = {}
    for code, (low, high) in intervals.items():
        above = sum(1 for other_low, _ in intervals.values() if other_low > high)
        not_below = sum(1 for _, other_high in intervals.values() if other_high >= low)
        bands[code] = (1 + above, not_below)
    return bands


def method() -> dict:
    """How the ranking is made, in words and in its settings."""
    return {
        "satisfied_min_level": current_app.config["SATISFIED_MIN_LEVEL"],
        "min_answers": MIN_ANSWERS,
        "confidence": CONFIDENCE,
        "interval": INTERVAL_RULE,
        "rank": RANK_RULE,
        "withheld": WITHHELD_RULE,
    }


def unit_ranking(unit: Unit, period: ReportingPeriod) -> dict:
    """The ranking of the unit's direct children (`tree.child_units`, as the summary lists them)
    over the period, each child once, ranked ones first."""
    summary = publish(unit_summary(unit, period.date_from, period.date_to))
    min_level = current_app.config["SATISFIED_MIN_LEVEL"]
    ranked, unranked, intervals = [], [], {}
    for child in summary["children"]:
        if not may_rank(child["responses"], child["satisfaction_pct"]):
            unranked.append(_name_only(child))
            continue
        low, high = wilson_interval(satisfied(child["overall"], min_level), answered(child["overall"]))
        intervals[child["code"]] = (round(100 * low, 2), round(100 * high, 2))
        ranked.append(child)
    bands = rank_bands(intervals)
    entries = [_ranked(child, intervals[child["code"]], bands[child["code"]]) for child in ranked]
    entries.sort(key=lambda entry: (-entry["satisfaction_pct"], entry["rank"]["from"], entry["code"]))
    return {"unit": {"code": unit.code, "name": unit.name}, "period": period.as_dict(), "method": method(),
            "units": entries + unranked}


def _ranked(child: dict, interval: tuple[float, float], band: tuple[int, int]) -> dict:
    return {"code": child["code"], "name": child["name"], "responses": child["responses"],
            "satisfaction_pct": child["satisfaction_pct"], "interval": {"low": interval[0], "high": interval[1]},
            "rank": {"from": band[0], "to": band[1]}, "verified_share_pct": child["verified_share_pct"],
            "response_rate": child["response_rate"]}


def _name_only(child: dict) -> dict:
    return {"code": child["code"], "name": child["name"], "responses": None, "satisfaction_pct": None,
            "interval": None, "rank": None, "verified_share_pct": None, "response_rate": None}

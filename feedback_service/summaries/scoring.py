"""Index arithmetic: pure functions from answer counts to the published figures.

The method (documented in the README, configurable where SIPAS is silent):
- satisfaction % of a question = answers at level >= SATISFIED_MIN_LEVEL (default 4)
  among the valid answers to it;
- mean score = mean of the 1–5 answers;
- element index = satisfaction % of that element; `sipas_index` = unweighted mean
  of the element indices that have answers;
- conduct `pct` = yes / (yes + no); a behaviour not answered counts as unknown;
  `conduct_score` = mean of the `pct`s that exist;
- percentages are 0–100 rounded to 2 decimals, means to 2 decimals, computed from
  unrounded parts; `None` (JSON null) where nothing was answered;
- a figure resting on fewer than MIN_ANSWERS answers is not shown anywhere; `disclosure.py`
  is the one place that decides it, for every way out.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

LEVELS = ("1", "2", "3", "4", "5")
# No figure resting on fewer answers is shown, on the dashboard or in the public API (NHS FFT
# practice: small numbers suppressed), so one citizen's answers cannot be read off a summary.
MIN_ANSWERS = 5
Distribution = Mapping[str, int]


def answered(dist: Distribution) -> int:
    """How many valid (1–5) answers a distribution holds."""
    return sum(dist.get(level, 0) for level in LEVELS)


def satisfied(dist: Distribution, min_level: int = 4) -> int:
    """How many of them are at SATISFIED_MIN_LEVEL or above."""
    return sum(dist.get(level, 0) for level in LEVELS if int(level) >= min_level)


def satisfaction_pct(dist: Distribution, min_level: int = 4) -> float | None:
    total = answered(dist)
    if total == 0:
        return None
    return 100.0 * satisfied(dist, min_level) / total


def mean_score(dist: Distribution) -> float | None:
    total = sum(dist.get(level, 0) for level in LEVELS)
    if total == 0:
        return None
    return sum(int(level) * dist.get(level, 0) for level in LEVELS) / total


def conduct_pct(yes: int, no: int) -> float | None:
    return 100.0 * yes / (yes + no) if yes + no else None


def mean_of_present(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def compose(
    responses: int,
    answers: Mapping[str, Distribution],
    element_keys: Iterable[str],
    conduct_keys: Iterable[str],
    min_level: int = 4,
) -> dict:
    """The summary figures for one scope and period from its folded counts.

    `answers` maps a question ("overall", "element.access", "conduct.greet") to
    its answer counts. Keys listed by the instrument appear even when empty, and
    keys only older instrument versions asked still appear when they have data.
    """
    overall = answers.get("overall", {})
    element_keys = _with_extra(element_keys, answers, "element.")
    conduct_keys = _with_extra(conduct_keys, answers, "conduct.")

    elements = {}
    for key in element_keys:
        dist = answers.get(f"element.{key}", {})
        pct = satisfaction_pct(dist, min_level)
        elements[key] = {
            "responses": sum(dist.get(level, 0) for level in LEVELS),
            "satisfaction_pct": pct,
            "mean": mean_score(dist),
        }

    conduct = {}
    for key in conduct_keys:
        dist = answers.get(f"conduct.{key}", {})
        yes, no, unknown = dist.get("yes", 0), dist.get("no", 0), dist.get("unknown", 0)
        conduct[key] = {"yes": yes, "no": no, "unknown": unknown, "pct": conduct_pct(yes, no)}

    sipas_index = mean_of_present(e["satisfaction_pct"] for e in elements.values())
    conduct_score = mean_of_present(c["pct"] for c in conduct.values())

    for figures in elements.values():
        figures["satisfaction_pct"] = _round(figures["satisfaction_pct"])
        figures["mean"] = _round(figures["mean"])
    for figures in conduct.values():
        figures["pct"] = _round(figures["pct"])

    return {
        "responses": responses,
        "overall": {level: overall.get(level, 0) for level in LEVELS},
        "satisfaction_pct": _round(satisfaction_pct(overall, min_level)),
        "mean_score": _round(mean_score(overall)),
        "elements": elements,
        "sipas_index": _round(sipas_index),
        "conduct": conduct,
        "conduct_score": _round(conduct_score),
    }


def _with_extra(keys: Iterable[str], answers: Mapping[str, Distribution], prefix: str) -> list[str]:
    ordered = list(keys)
    for question in sorted(answers):
        if question.startswith(prefix) and question[len(prefix):] not in ordered:
            ordered.append(question[len(prefix):])
    return ordered

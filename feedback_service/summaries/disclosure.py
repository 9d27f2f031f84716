"""Small cells: what the API publishes of a summary, so no figure gives away one citizen.

A counter's summary for one day with one rating would show that citizen's answers and,
through `as_of`, the moment of their visit. The rule, the dashboard's rule with its one
threshold (`scoring.MIN_ANSWERS`, 5):

- a figure resting on 1 to MIN_ANSWERS - 1 answers is withheld: it reads `null` and its
  name is listed in the `withheld` list of the object that holds it (every figures object
  has that list, empty when nothing is withheld). A figure resting on no answer at all is
  already `null` and gives nothing away, so it is not listed;
- what each figure rests on: the overall distribution, `satisfaction_pct` and `mean_score`
  on the overall answers; an element's `satisfaction_pct` and `mean` on its answers; a
  behaviour's `yes`, `no`, `unknown` and `pct` on its yes + no answers; `verified_share_pct`
  on the ratings; `on_time_pct` on the on-time + late dossiers; `response_rate` on the returned
  dossiers; a timeliness `satisfaction_pct` on its ratings;
- a composite is withheld when any part it is computed from is (`sipas_index` with any
  element, `conduct_score` with any behaviour), or the part could be read back from it;
- two parts that make up a published whole are withheld together (verified / unverified,
  on-time / late satisfaction), or the small one could be read back by difference;
- `as_of` is given to the minute, and withheld with the overall figures.

Counts of ratings and dossiers (`responses`, `flagged`, `dossiers_*`) are not answers and stay.
The rule is the same for every caller, API key or not: the dashboard's own users see no
small cell either. Summaries are cached whole; this runs on each answer, on a copy.
"""
from __future__ import annotations

import copy
from datetime import datetime

from .scoring import MIN_ANSWERS

WITHHELD = "withheld"
_HEADLINE = ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score")


def small(n: int) -> bool:
    """Whether a figure resting on `n` answers is withheld."""
    return 0 < n < MIN_ANSWERS


def _withhold(figures: dict, names: tuple[str, ...] | list[str]) -> None:
    for name in names:
        figures[name] = None
        if name not in figures[WITHHELD]:
            figures[WITHHELD].append(name)


def to_the_minute(moment: str | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromisoformat(moment).replace(second=0, microsecond=0).isoformat()


def publish(summary: dict) -> dict:
    """The summary (unit, counter or officer, with its `children` if any) as the API shows it."""
    published = copy.deepcopy(summary)
    _scope(published)
    for child in published.get("children", []):
        _scope(child)
    published["min_answers"] = MIN_ANSWERS
    return published


def _scope(figures: dict) -> None:
    """One scope's figures, in place."""
    figures[WITHHELD] = []
    figures["as_of"] = to_the_minute(figures.get("as_of"))
    answered = sum((figures.get("overall") or {}).values())
    if small(answered):
        _withhold(figures, ("overall", "satisfaction_pct", "mean_score", "as_of"))

    elements_small = False
    for element in figures["elements"].values():
        element[WITHHELD] = []
        if small(element["responses"]):
            elements_small = True
            _withhold(element, ("satisfaction_pct", "mean"))
    conduct_small = False
    for behaviour in figures["conduct"].values():
        behaviour[WITHHELD] = []
        if small(behaviour["yes"] + behaviour["no"]):
            conduct_small = True
            _withhold(behaviour, ("yes", "no", "unknown", "pct"))
    if elements_small:
        _withhold(figures, ("sipas_index",))
    if conduct_small:
        _withhold(figures, ("conduct_score",))

    if small(figures["responses"]):
        _withhold(figures, ("verified_share_pct",))
    _pair(figures["verified"], figures["unverified"], _HEADLINE)

    if "on_time_pct" in figures:  # the dossier figures (trust.py)
        if small(figures["dossiers_on_time"] + figures["dossiers_late"]):
            _withhold(figures, ("on_time_pct",))
        if small(figures["dossiers_returned"]):
            _withhold(figures, ("response_rate",))
        timeliness = figures["satisfaction_by_timeliness"]
        _pair(timeliness["on_time"], timeliness["late"], ("satisfaction_pct",))


def _pair(first: dict, second: dict, names: tuple[str, ...]) -> None:
    """Two parts of one whole: both withheld when either rests on too few answers."""
    first[WITHHELD], second[WITHHELD] = [], []
    if small(first["responses"]) or small(second["responses"]):
        for part in (first, second):
            if part["responses"]:
                _withhold(part, names)


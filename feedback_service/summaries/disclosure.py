"""What a reader may see of every figure: the one home of the small-cell rule.

A counter's summary for one day with one rating would show that citizen's answers and,
through `as_of`, the moment of their visit. Every way out asks this module: the summary
API (`publish`), the published copy of a report and its files (`disclose_section`,
`disclose_child`), the dashboard pages and the officers' CSV (`for_pages`,
`rows_for_pages`, `too_few`, `may_rank`), the responses sheet's times (`to_the_hour`).
Nothing else compares a count with MIN_ANSWERS.

The rule, with its one threshold (`scoring.MIN_ANSWERS`, 5):

- a figure resting on 1 to MIN_ANSWERS - 1 answers is withheld: in the API it reads
  `null`, in a published report, a file or a page it reads "<5" (`SMALL`); its name is
  listed in the `withheld` list of the object that holds it (every figures object has
  that list, empty when nothing is withheld). A figure on no answer at all is already
  empty and gives nothing away, so it is not listed;
- what each figure rests on: the overall distribution, `satisfaction_pct` and
  `mean_score` on the overall answers; an element's distribution (`counts`),
  `satisfaction_pct` and `mean` on its answers; a behaviour's `yes`, `no`, `unknown` and
  `pct` on its yes + no answers; `verified_share_pct` on the ratings; `on_time_pct` on
  the on-time + late dossiers; `response_rate` on the returned dossiers; a timeliness
  `satisfaction_pct` on its ratings. A distribution is shown or withheld whole, never
  level by level: a single hidden level comes back as the total minus the others, and a
  hidden count comes back from the percentage beside it;
- a composite is withheld when any part it is computed from is (`sipas_index` with any
  element, `conduct_score` with any behaviour): the part could be read back from it;
- two parts that make up a published whole are withheld together (verified /
  unverified, on-time / late satisfaction), or the small one comes back by difference;
- `as_of` is given to the minute, and withheld with the overall figures; the responses
  sheet gives each rating's time to the hour.

Counts of ratings and dossiers (`responses`, an element's `responses`, `flagged`,
`by_channel`, `excluded`, `dossiers_*`) say how many answered, not what: they stay.
The rule is the same for every reader: the dashboard's own users see no small cell on
a page either; only the internal copy of a report (`reports/audience.py`) carries them.
Not covered: a reader can still subtract overlapping periods, or a unit's shown children
from the unit itself.
"""
from __future__ import annotations

import copy
from datetime import datetime

from .scoring import MIN_ANSWERS

WITHHELD = "withheld"
# What a withheld figure reads in a published report, its files and the pages.
SMALL = f"<{MIN_ANSWERS}"
# A scope's headline figures: those of verified / unverified, and of a report's child row
# (whose QĐ 766 figures rest on dossiers, not answers).
_HEADLINE = ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score")


def too_few(n: object) -> bool:
    """Whether `n` answers are too few for a figure on them to be shown (none included).
    A figure already withheld (its count reads SMALL) is too few as well."""
    return not isinstance(n, int) or isinstance(n, bool) or n < MIN_ANSWERS


def small(n: int) -> bool:
    """Whether a figure resting on `n` answers is withheld (on none, there is nothing to withhold)."""
    return 0 < n < MIN_ANSWERS


def is_withheld(value: object) -> bool:
    return isinstance(value, str) and value == SMALL


def may_rank(responses: object, pct: float | None) -> bool:
    """Whether a unit or officer with `responses` ratings is placed in a ranking by `pct`."""
    return pct is not None and not too_few(responses)


def to_the_minute(moment: str | None) -> str | None:
    if moment is None or is_withheld(moment):
        return moment
    return datetime.fromisoformat(moment).replace(second=0, microsecond=0).isoformat()


def to_the_hour(day_number: float) -> float:
    """A moment as a spreadsheet day number, cut to the hour it fell in (read to the
    nearest second first: a day number carries float error either way of the hour)."""
    return (round(day_number * 86400) // 3600) / 24


def publish(summary: dict) -> dict:
    """The summary (unit, counter or officer, with its `children` if any) as the API
    shows it: withheld figures read null."""
    return _disclosed(summary, None)


def for_pages(summary: dict) -> dict:
    """The same summary as a dashboard page shows it: withheld figures read SMALL."""
    return _disclosed(summary, SMALL)


def rows_for_pages(rows: list[dict]) -> list[dict]:
    """Table rows of summary figures (counters, officers), each disclosed by the rule."""
    return [_disclosed(row, SMALL) for row in rows]


def _disclosed(summary: dict, mark: object) -> dict:
    shown = {key: copy.deepcopy(value) if isinstance(value, (dict, list)) else value for key, value in summary.items()}
    _scope(shown, mark)
    for row in shown.get("children", []) + shown.get("history", []):
        _scope(row, mark)
    shown["min_answers"] = MIN_ANSWERS
    return shown


def disclose_section(section: dict) -> None:
    """A report's satisfaction section as a published copy shows it, in place."""
    _scope(section, SMALL)
    section["min_answers"] = MIN_ANSWERS


def small_cells(section: dict) -> list[str]:
    """Which of a unit's headline figures its satisfaction section withholds: what a
    report's child row (headline figures only) must withhold when published."""
    probe = copy.deepcopy(section)
    _scope(probe, SMALL)
    return [name for name in _HEADLINE if name in probe[WITHHELD]]


def disclose_child(row: dict) -> None:
    """A report's child row as a published copy shows it, in place. The row names its
    own small cells (`small_cells`, written when the report was built); a row from a
    report built before rows named them withholds both composites, whose parts it
    cannot see."""
    names = row.pop("small_cells", None)
    if names is None:
        names = [n for n in _HEADLINE if too_few(row.get("responses", 0)) or n in ("sipas_index", "conduct_score")]
    row[WITHHELD] = []
    if not row.get("responses"):
        return
    _withhold(row, [n for n in names if row.get(n) is not None], SMALL)


# QĐ 766 figures that rest on the ratings given on dossiers (`rated`): how many drew a
# complaint, its share, and the TTHC satisfaction and points worked out from it beside the
# overdue share, which is shown (100 − overdue % − complained % gives it back).
RATED_FIGURES = ("complained", "complained_pct", "tthc_satisfaction_pct", "points")


def disclose_indicators(indicators: dict, mark: object = SMALL) -> None:
    """QĐ 766 indicators (a report's, a procedure's, a child row's) as a published copy or
    a page shows them, in place: what rests on 1 to MIN_ANSWERS - 1 ratings is withheld (one
    citizen's rating of their dossier would read off `complained`). Indicators from a
    report built before they counted their ratings (no `rated`) withhold them whatever
    the count, which they cannot see."""
    if not isinstance(indicators, dict) or "complained" not in indicators and "complained_pct" not in indicators:
        return
    indicators.setdefault(WITHHELD, [])
    rated = indicators.get("rated")
    known = isinstance(rated, int) and not isinstance(rated, bool)
    if not known or small(rated):
        _withhold(indicators, [name for name in RATED_FIGURES if indicators.get(name) is not None], mark)


def _withhold(figures: dict, names: tuple[str, ...] | list[str], mark: object) -> None:
    for name in names:
        value = figures.get(name)
        # A distribution keeps its levels, each withheld, where the mark is a text ("<5").
        figures[name] = {key: mark for key in value} if isinstance(value, dict) and mark is not None else mark
        if name not in figures[WITHHELD]:
            figures[WITHHELD].append(name)


def _scope(figures: dict, mark: object) -> None:
    """One scope's figures, in place."""
    figures[WITHHELD] = []
    if "as_of" in figures:
        figures["as_of"] = to_the_minute(figures["as_of"])
    if "overall" in figures:
        answered = sum(n for n in (figures["overall"] or {}).values() if isinstance(n, int))
    else:  # a table row (an officer's): every rating answers the overall question
        answered = figures.get("responses") or 0
    if small(answered):
        _withhold(figures, [name for name in ("overall", "satisfaction_pct", "mean_score", "as_of") if name in figures],
                  mark)

    elements_small = False
    for element in figures.get("elements", {}).values():
        element[WITHHELD] = []
        if small(element["responses"]):
            elements_small = True
            _withhold(element, ("satisfaction_pct", "mean") + (("counts",) if "counts" in element else ()), mark)
    conduct_small = False
    for behaviour in figures.get("conduct", {}).values():
        behaviour[WITHHELD] = []
        if small(behaviour["yes"] + behaviour["no"]):
            conduct_small = True
            _withhold(behaviour, ("yes", "no", "unknown", "pct"), mark)
    if elements_small and "sipas_index" in figures:
        _withhold(figures, ("sipas_index",), mark)
    if conduct_small and "conduct_score" in figures:
        _withhold(figures, ("conduct_score",), mark)

    if "verified_share_pct" in figures and small(figures["responses"]):
        _withhold(figures, ("verified_share_pct",), mark)
    if isinstance(figures.get("verified"), dict) and isinstance(figures.get("unverified"), dict):
        _pair(figures["verified"], figures["unverified"], _HEADLINE, mark)

    if "on_time_pct" in figures:  # the dossier figures (trust.py)
        if small(figures["dossiers_on_time"] + figures["dossiers_late"]):
            _withhold(figures, ("on_time_pct",), mark)
        if small(figures["dossiers_returned"]):
            _withhold(figures, ("response_rate",), mark)
        timeliness = figures["satisfaction_by_timeliness"]
        _pair(timeliness["on_time"], timeliness["late"], ("satisfaction_pct",), mark)


def _pair(first: dict, second: dict, names: tuple[str, ...], mark: object) -> None:
    """Two parts of one whole: both withheld when either rests on too few answers."""
    first[WITHHELD], second[WITHHELD] = [], []
    if small(first["responses"]) or small(second["responses"]):
        for part in (first, second):
            if part["responses"]:
                _withhold(part, [name for name in names if name in part], mark)

"""The outward copy of a report: what may be published beyond the units that file it.

A report goes upward whole (officers and small figures included: the province needs
them to act). A copy that leaves the administration, a province's portal or a press
release, is made here:
- the officers' table is removed;
- every count of ratings from 1 to 4, and every percentage or mean resting on fewer
  than MIN_ANSWERS answers, reads "<5" (NHS FFT practice; the same rule as the
  dashboard and the public summary API), so one citizen's answer cannot be read off it;
- dossier counts (Biểu II.06a) stay: they count files, not people's answers;
- the copy is no longer the submitted snapshot, so its `sha256` moves to
  `derived_from_sha256` and `published` is true.
"""
from __future__ import annotations

import copy

from ..summaries.scoring import MIN_ANSWERS

SMALL = f"<{MIN_ANSWERS}"
HEADLINE = ("satisfaction_pct", "mean_score", "sipas_index", "conduct_score")


def small(count: object) -> object:
    return SMALL if isinstance(count, int) and not isinstance(count, bool) and 0 < count < MIN_ANSWERS else count


def _withhold(figures: dict, base: int, names: tuple[str, ...]) -> None:
    if base < MIN_ANSWERS:
        for name in names:
            if figures.get(name) is not None:
                figures[name] = SMALL


def _satisfaction(section: dict) -> None:
    responses = section.get("responses", 0)
    _withhold(section, responses, HEADLINE + ("verified_share_pct",))
    section["overall"] = {level: small(n) for level, n in section.get("overall", {}).items()}
    for element in section.get("elements", {}).values():
        _withhold(element, element.get("responses", 0), ("satisfaction_pct", "mean"))
        element["counts"] = {level: small(n) for level, n in element.get("counts", {}).items()}
        element["responses"] = small(element.get("responses"))
    for behaviour in section.get("conduct", {}).values():
        _withhold(behaviour, behaviour.get("yes", 0) + behaviour.get("no", 0), ("pct",))
        for name in ("yes", "no", "unknown"):
            behaviour[name] = small(behaviour.get(name))
    for name in ("verified", "unverified"):
        if isinstance(section.get(name), dict):
            _withhold(section[name], section[name].get("responses", 0), HEADLINE)
            section[name]["responses"] = small(section[name].get("responses"))
    section["by_channel"] = {channel: small(n) for channel, n in section.get("by_channel", {}).items()}
    excluded = section.get("excluded")
    if isinstance(excluded, dict):
        excluded["reasons"] = {reason: small(n) for reason, n in excluded.get("reasons", {}).items()}
        excluded["total"] = small(excluded.get("total"))
    section["responses"] = small(responses)


def published(document: dict) -> dict:
    """The copy of `document` that may leave the administration (see the module docstring)."""
    public = copy.deepcopy(document)
    public.pop("officers", None)
    if "sha256" in public:
        public["derived_from_sha256"] = public.pop("sha256")
    public["published"] = True
    if isinstance(public.get("satisfaction"), dict):
        _satisfaction(public["satisfaction"])
    for child in public.get("children", []):
        _withhold(child, child.get("responses", 0), HEADLINE)
        child["responses"] = small(child.get("responses"))
    return public

"""The published copy of a report: what may be read beyond the people who file it.

A report goes upward whole (officers, usernames and every figure: the province needs
them to act), as its *internal copy*. Every other reader, and anything that leaves the
administration (a province's portal, a press release), gets the copy made here:
- the officers' table is removed;
- every figure the small-cell rule withholds (`summaries.disclosure`, the same rule as
  the summary API and the pages) reads "<5" and is named in its object's `withheld` list,
  the QĐ 766 figures that rest on the ratings of dossiers (`complained` …) included;
  counts of ratings and of dossiers (Biểu II.06a) stay: they count, they do not answer;
- people are named by their role, never by username or name (`submitted_by`, `review.by`):
  a username is enough to lock that account by failing its logins near a deadline;
- no hash of the internal copy: with the small cells hidden, a hash of what they hid
  would let anyone confirm a guess of them. The copy says `published: true` and the
  version it was made from.
"""
from __future__ import annotations

import copy

from ..summaries import disclosure

def published(document: dict) -> dict:
    """The copy of `document` that readers of the published copy get (see the module docstring)."""
    public = copy.deepcopy(document)
    public.pop("officers", None)
    public.pop("sha256", None)
    public.pop("derived_from_sha256", None)  # older published copies carried it
    public["published"] = True
    if "submitted_by" in public:
        public["submitted_by"] = role_only(public["submitted_by"])
    if isinstance(public.get("review"), dict):
        public["review"]["by"] = role_only(public["review"].get("by"))
    if isinstance(public.get("satisfaction"), dict):
        disclosure.disclose_section(public["satisfaction"])
    for child in public.get("children", []):
        disclosure.disclose_child(child)
    _indicators(public)
    return public


def _indicators(document: dict) -> None:
    """Every set of QĐ 766 indicators in the document through the small-cell rule: the
    report's, each child row's and each procedure's (`complained` rests on ratings)."""
    disclosure.disclose_indicators(document.get("indicators_766"))
    for child in document.get("children", []):
        disclosure.disclose_indicators(child)
    for procedure in (document.get("tthc_results") or {}).get("procedures", []):
        disclosure.disclose_indicators(procedure.get("indicators_766"))


def role_only(person: object) -> dict | None:
    """A person as the published copy names them: by role alone."""
    if not isinstance(person, dict):
        return None
    return {"role": person.get("role")}


def page_copy(document: dict) -> dict:
    """Either copy as a dashboard page shows it: no page shows a small cell, to anyone
    (`summaries.disclosure`); what else the copy holds (officers, names, the hash of an
    internal copy) stays as the copy has it."""
    if document.get("published"):
        return document  # already through the rule
    page = copy.deepcopy(document)
    if isinstance(page.get("satisfaction"), dict):
        disclosure.disclose_section(page["satisfaction"])
    for child in page.get("children", []):
        disclosure.disclose_child(child)
    _indicators(page)
    if isinstance(page.get("officers"), list):
        page["officers"] = disclosure.rows_for_pages(page["officers"])
    return page

"""GET `/counters/<id>/poster`: the printable A4 poster that stands on the desk.

For the desk's operators only (`operators.py`): the QR it shows carries the counter's
token. Anonymous callers are sent to the login and come back here after it; a counter
outside the caller's subtree is the same 404 as one that does not exist. The QR is
inlined as SVG, so the page prints whole from one request and needs no script, font or
image from elsewhere.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..extensions import db
from ..i18n import pick
from ..models import Counter
from ..people.operators import UnknownKey, current_operator
from ..ratings import qr
from ..ratings.instrument import current_instrument
from ..ratings.tokens import counter_url
from . import citizen


def _conduct_items() -> list[tuple[str, str]]:
    """The conduct code of the questionnaire as (short name, explanation).

    Labels read "Biết chào — chào hỏi khi tiếp đón"; a province's own code may
    have no explanation part, then the whole label is the name.
    """
    items: list[tuple[str, str]] = []
    for item in current_instrument()["conduct"]["items"]:
        name, _dash, explanation = pick(item["label"]).partition(" — ")
        items.append((name.strip(), explanation.strip()))
    return items


def _conduct_title(items: list[tuple[str, str]]) -> str:
    # "6 biết" names itself by counting its items; another code gets a neutral title.
    if items and all(name.lower().startswith("biết ") for name, _explanation in items):
        return _("Cán bộ thực hiện “%(count)s biết”", count=len(items))
    return _("Cán bộ một cửa cam kết")


@citizen.get("/counters/<id:counter_id>/poster")
def counter_poster(counter_id: int):
    try:
        operator = current_operator()
    except UnknownKey:
        abort(401)
    if operator is None:
        return redirect(url_for("accounts.login", next=request.full_path))
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active or not operator.may_handle(counter.unit_id):
        abort(404)
    conduct = _conduct_items()
    return render_template(
        "citizen/poster.html",
        counter=counter,
        unit=counter.unit,
        parent=counter.unit.parent,
        feedback_url=counter_url(counter),
        qr_svg=Markup(qr.inline_svg(counter)),  # our own drawing, not user input
        conduct=conduct,
        conduct_title=_conduct_title(conduct),
        scale=current_instrument()["scale"],
    )

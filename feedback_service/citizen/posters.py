"""GET `/counters/<id>/poster`: the printable A4 poster that stands on the desk.

For the desk's operators only (`operators.py`): the QR it shows carries the counter's
token. Anonymous callers are sent to the login and come back here after it; a counter
outside the caller's subtree is the same 404 as one that does not exist. The QR is
inlined as SVG, so the page prints whole from one request and needs no script, font or
image from elsewhere.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from markupsafe import Markup

from ..extensions import db
from ..models import Counter
from ..people.operators import UnknownKey, current_operator
from ..ratings import qr
from ..ratings.poster_sheets import conduct_items, conduct_title
from ..ratings.instrument import current_instrument
from ..ratings.tokens import counter_url
from . import citizen


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
    conduct = conduct_items()
    return render_template(
        "citizen/poster.html",
        counter=counter,
        unit=counter.unit,
        parent=counter.unit.parent,
        feedback_url=counter_url(counter),
        qr_svg=Markup(qr.inline_svg(counter)),  # our own drawing, not user input
        conduct=conduct,
        conduct_title=conduct_title(conduct),
        scale=current_instrument()["scale"],
    )

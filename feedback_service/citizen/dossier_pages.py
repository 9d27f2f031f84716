"""GET/POST `/d/<token>`: rate one dossier, once, from the QR printed beside its receipt.

The same form as a counter's page, with the receipt's facts shown above it. The
rating is attributed from the dossier (officer, counter, procedure), never chosen
by the citizen, and is `verified`. One rating per dossier is the database's job
(`ratings.dossier_id` is unique); the check before inserting only spares the
citizen a form they cannot send.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..clock import as_utc, local_day
from ..dossiers import timeliness as dossier_timeliness
from ..dossiers.tokens import dossier_from_token
from ..extensions import db, limiter
from ..models import Dossier, Rating
from ..ratings.abuse import HONEYPOT, HONEYPOT_FIELD, client_address, limit_per_ip
from ..ratings.instrument import current_instrument
from ..ratings.submission import store_rating, validate_submission
from ..ratings.tokens import TokenInvalid
from . import citizen
from .form import form_errors, form_to_body

CHANNEL = "dossier_qr"


def _dossier_or_404(token: str) -> Dossier:
    try:
        return dossier_from_token(token)
    except TokenInvalid:
        abort(404)


def rating_days() -> int:
    return int(current_app.config["DOSSIER_RATING_DAYS"])


def rating_closes_at(dossier: Dossier) -> datetime | None:
    """When the rating window ends; None while the result is not returned yet (still open)."""
    if dossier.returned_at is None:
        return None
    return as_utc(dossier.returned_at) + timedelta(days=rating_days())


def closed_reason(dossier: Dossier, now: datetime) -> str | None:
    """'cancelled' or 'expired' when the dossier can no longer be rated, else None.

    The window opens at receipt; a rating a little before `received_at` is only
    clock skew between the e-system and us, so it is not refused.
    """
    if dossier.cancelled:
        return "cancelled"
    closes = rating_closes_at(dossier)
    if closes is not None and now > closes:
        return "expired"
    return None


def timeliness(dossier: Dossier, today: date) -> str | None:
    """'on_time', 'late', or None when not known yet (still within time, or no due date).

    By `dossiers.timeliness`, the definition the summary API and the reports use: local
    days, the e-system's `late` flag winning both ways, an unreturned dossier late once
    its due day has passed."""
    kind = dossier_timeliness.of_dossier(dossier, today)
    if kind in dossier_timeliness.ON_TIME_KINDS:
        return "on_time"
    if kind in (dossier_timeliness.LATE, dossier_timeliness.OVERDUE):
        return "late"
    return None


def already_rated(dossier: Dossier) -> bool:
    return db.session.scalar(select(Rating.id).where(Rating.dossier_id == dossier.id).limit(1)) is not None


def _day(moment: datetime) -> str:
    return local_day(moment).strftime("%d/%m/%Y")


def _form_page(dossier: Dossier, values, errors: dict, status: int = 200):
    now = clock.now()
    page = render_template(
        "citizen/dossier_form.html", dossier=dossier, counter=dossier.counter, officers=[],
        instrument=current_instrument(), values=values, errors=errors, honeypot=HONEYPOT_FIELD,
        received=dossier.received_day.strftime("%d/%m/%Y"), timeliness=timeliness(dossier, local_day(now)),
        form_action=url_for("citizen.dossier_submit", token=request.view_args["token"]),
    )
    return page, status


def _rated_page():
    return render_template("citizen/dossier_rated.html"), 200


def _closed_page(dossier: Dossier, reason: str):
    closes = rating_closes_at(dossier)
    return render_template("citizen/dossier_closed.html", dossier=dossier, reason=reason,
                           days=rating_days(), closed_on=_day(closes) if closes else None), 410


def _refusal(dossier: Dossier):
    """The page for a dossier that cannot take a rating now, or None when it can."""
    # Already rated comes first: a thank-you is truer than "expired" to whoever rated it.
    if already_rated(dossier):
        return _rated_page()
    reason = closed_reason(dossier, clock.now())
    return _closed_page(dossier, reason) if reason else None


@citizen.get("/d/<token>")
def dossier_form(token: str):
    dossier = _dossier_or_404(token)
    return _refusal(dossier) or _form_page(dossier, values={}, errors={})


@citizen.post("/d/<token>")
# No counter allowance here (see abuse.counter_allowance_flag): a dossier takes one rating,
# enforced by the database, so its page cannot flood a counter; junk on a leaked receipt
# must not silence the other receipts at that counter.
@limiter.limit(limit_per_ip, key_func=client_address)
def dossier_submit(token: str):
    dossier = _dossier_or_404(token)
    refusal = _refusal(dossier)
    if refusal:
        return refusal
    instrument = current_instrument()
    answers, errors = validate_submission(form_to_body(request.form, token, instrument), instrument)
    if errors:
        return _form_page(dossier, values=request.form, errors=form_errors(errors), status=422)

    common = dict(channel=CHANNEL, instrument=instrument, language=str(get_locale()),
                  client_address=client_address(), procedure_code=dossier.procedure_code,
                  unit_id=dossier.unit_id)
    if request.form.get(HONEYPOT_FIELD):
        # A bot: kept for the record, out of every index, and NOT linked to the
        # dossier, so a leaked receipt scraped by a bot cannot use up the citizen's rating.
        store_rating(answers, dossier.counter, dossier.officer, flag_reason=HONEYPOT, **common)
    else:
        try:
            store_rating(answers, dossier.counter, dossier.officer, dossier=dossier, verified=True,
                         **common)
        except IntegrityError:
            # store_rating has rolled back. Lost a race with another submission for
            # this dossier? Then it is simply already rated; anything else is a real error.
            if already_rated(dossier):
                return _rated_page()
            raise
    return redirect(url_for("citizen.thanks", lang=str(get_locale())), code=303)

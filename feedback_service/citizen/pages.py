"""GET/POST `/q/<token>`: show the form, store the rating, thank the citizen."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import limiter
from ..models import Counter, Officer
from ..ratings.abuse import (HONEYPOT, HONEYPOT_FIELD, client_address, cooldown_flag, counter_allowance_flag,
                             limit_per_ip)
from ..ratings.instrument import current_instrument
from ..ratings.submission import store_rating, validate_submission
from ..ratings.tokens import TokenInvalid, counter_from_token
from . import citizen
from .form import form_errors, form_to_body


def _counter_or_404(token: str) -> Counter:
    try:
        return counter_from_token(token)
    except TokenInvalid:
        abort(404)


def _officers(counter: Counter) -> list[Officer]:
    return sorted((o for o in counter.officers if o.active), key=lambda o: o.name)


@citizen.get("/")
def home():
    return render_template("citizen/home.html")


@citizen.get("/q/<token>")
def rating_form(token: str):
    counter = _counter_or_404(token)
    return render_template("citizen/form.html", counter=counter, officers=_officers(counter),
                           instrument=current_instrument(), values={}, errors={},
                           honeypot=HONEYPOT_FIELD)


@citizen.post("/q/<token>")
@limiter.limit(limit_per_ip, key_func=client_address)
def submit_rating(token: str):
    counter = _counter_or_404(token)
    instrument = current_instrument()
    officers = _officers(counter)
    answers, errors = validate_submission(form_to_body(request.form, token, instrument), instrument)
    officer, officer_error = _chosen_officer(officers)
    if errors or officer_error:
        messages = form_errors(errors)
        if officer_error:
            messages["officer"] = officer_error
        page = render_template("citizen/form.html", counter=counter, officers=officers,
                               instrument=instrument, values=request.form, errors=messages,
                               honeypot=HONEYPOT_FIELD)
        return page, 422

    channel = _channel()
    # A filled honeypot is a bot: keep the rating for the record, out of every index.
    # Only a rating that would count uses up its client's allowance and the counter's (abuse.py).
    flag = (HONEYPOT if request.form.get(HONEYPOT_FIELD) else
            cooldown_flag(counter.id, channel) or counter_allowance_flag(counter.id))
    store_rating(answers, counter, officer, channel=channel, instrument=instrument,
                 language=str(get_locale()), flag_reason=flag, client_address=client_address())
    return redirect(url_for("citizen.thanks", lang=str(get_locale())), code=303)


def _channel() -> str:
    """'kiosk' when the page was opened as `/q/<token>?channel=kiosk` (a device at the
    office that citizens share; the form posts back to the same address), else 'counter_qr'.
    Anything else in `channel` is ignored: a citizen's phone is a counter QR scan."""
    return "kiosk" if request.args.get("channel") == "kiosk" else "counter_qr"


def _chosen_officer(officers: list[Officer]) -> tuple[Officer | None, str | None]:
    """The officer the citizen picked, the counter's only officer, or nobody."""
    raw = request.form.get("officer", "")
    if not raw:
        return (officers[0] if len(officers) == 1 else None), None
    chosen = next((o for o in officers if str(o.id) == raw), None)
    return (chosen, None) if chosen else (None, _("Lựa chọn không hợp lệ."))


@citizen.get("/thanks")
def thanks():
    return render_template("citizen/thanks.html")

"""Checking and storing a rating: the one path every channel goes through.

The JSON API validates its body against `submission_schema`; the citizen form
maps its fields into the same shape first, so both refuse exactly the same
things. A rating is committed with its outbox row before anyone is told
"thank you"; only then is aggregation nudged.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from flask import current_app
from jsonschema import Draft202012Validator
from sqlalchemy import insert

from .. import clock
from ..cases.notices import enqueue_notification
from ..cases.workflow import open_case
from ..clock import local_day
from ..extensions import db
from ..jobs import nudge_aggregation
from ..models import Counter, Dossier, Officer, PendingFold, Rating
from ..transactions import transaction
from ..units.succession import counter_unit_on
from ..validation import CONTROL_CODE, CONTROL_MESSAGE, FieldError, StrictValidator, has_control, nfc, schema_errors
from ..webhooks.alerts import add_alert_deliveries, alert_targets, send_alerts
from .instrument import Instrument

# ASCII digits only: "\d" would also take "٩" or "９", which no phone can dial.
PHONE_PATTERN = re.compile(r"^(?:\+84|0)[0-9]{9,10}$")
_PHONE_NOISE = re.compile(r"[\s.\-()]")
# Control characters other than newline and tab have no place in a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Answers:
    """A validated, normalised rating, ready to store."""

    overall: int
    conduct: dict[str, bool | None]
    elements: dict[str, int]
    comment: str | None = None
    contact_phone: str | None = None
    extra: dict = field(default_factory=dict)


def submission_schema(instrument: Instrument) -> dict:
    level = {"type": "integer", "minimum": 1, "maximum": 5}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["token", "overall"],
        "properties": {
            "token": {"type": "string", "minLength": 1, "maxLength": 200},
            "overall": level,
            "conduct": {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: {"type": ["boolean", "null"]} for k in instrument.conduct_keys},
            },
            "elements": {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: level for k in instrument.element_keys},
            },
            "comment": {"type": ["string", "null"]},
            "contact": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "required": ["phone", "consent"],
                "properties": {"phone": {"type": "string"}, "consent": {"type": "boolean"}},
            },
            "officer_code": {"type": ["string", "null"], "maxLength": 60},
            "language": {"enum": ["vi", "en"]},
        },
    }


@lru_cache(maxsize=8)
def _validator(instrument: Instrument) -> Draft202012Validator:
    # Building a validator costs more than validating: one per instrument version.
    return StrictValidator(submission_schema(instrument))


def validate_submission(body: object, instrument: Instrument) -> tuple[Answers | None, list[FieldError]]:
    """Every error in the body at once, or the normalised answers."""
    errors = schema_errors(_validator(instrument), body)
    if errors:
        return None, errors
    return normalise(body, instrument)


def normalise(body: dict, instrument: Instrument) -> tuple[Answers | None, list[FieldError]]:
    """Domain checks past the types: comment length, phone shape, consent."""
    errors: list[FieldError] = []
    comment = clean_comment(body.get("comment"))
    if comment is not None and len(comment) > instrument.comment_max_length:
        errors.append(FieldError("comment", f"at most {instrument.comment_max_length} characters", "too_long"))
    phone = None
    contact = body.get("contact")
    if contact:
        phone = _PHONE_NOISE.sub("", contact.get("phone") or "")
        if not contact.get("consent"):
            errors.append(FieldError("contact.consent", "a call-back number needs explicit consent", "consent_required"))
        elif not PHONE_PATTERN.fullmatch(phone):
            errors.append(FieldError("contact.phone", "not a Vietnamese phone number", "invalid_phone"))
    officer_code = body.get("officer_code")
    if officer_code is not None:
        officer_code = nfc(officer_code)
        if has_control(officer_code):
            errors.append(FieldError("officer_code", CONTROL_MESSAGE, CONTROL_CODE))
    if errors:
        return None, errors
    conduct = {key: (body.get("conduct") or {}).get(key) for key in instrument.conduct_keys}
    return Answers(
        overall=body["overall"],
        conduct=conduct,
        elements=dict(body.get("elements") or {}),
        comment=comment,
        contact_phone=phone or None,
        extra={"officer_code": officer_code},
    ), []


def clean_comment(text: str | None) -> str | None:
    if text is None:
        return None
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    return text or None


def client_hash(address: str | None, moment: datetime) -> str | None:
    """Keyed hash of the client address that changes every local day."""
    if not address:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{local_day(moment).isoformat()}|{address}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def store_rating(answers: Answers, counter: Counter | None, officer: Officer | None, *, channel: str,
                 instrument: Instrument, language: str = "vi", flag_reason: str | None = None,
                 client_address: str | None = None, dossier: Dossier | None = None,
                 verified: bool = False, procedure_code: str | None = None,
                 unit_id: int | None = None) -> Rating:
    """Commit the rating and its outbox row together, then nudge the workers.

    A dossier rating may have no counter (an online dossier): `unit_id` then says
    where it belongs (the unit that received the dossier, reorganised since or not). With a `dossier`, the database's unique `dossier_id` refuses a
    second rating with an IntegrityError, raised after the rollback.
    """
    now = clock.now()
    if unit_id is None:
        if counter is None:
            raise ValueError("a rating needs a counter or a unit_id")
        # A counter moved by a split or merger rates for its new unit from the effective date.
        unit_id = counter_unit_on(counter, local_day(now))
    rating = Rating(
        submitted_at=now,
        local_day=local_day(now),
        unit_id=unit_id,
        counter_id=counter.id if counter else None,
        officer_id=officer.id if officer else None,
        dossier_id=dossier.id if dossier else None,
        procedure_code=procedure_code,
        channel=channel,
        verified=verified,
        instrument_version=instrument.version,
        language=language,
        overall=answers.overall,
        conduct=answers.conduct,
        elements=answers.elements,
        comment=answers.comment,
        contact_phone=answers.contact_phone,
        flag_reason=flag_reason,
        client_hash=client_hash(client_address, now),
    )
    # Reads first: on SQLite the write lock is held from the first INSERT to the
    # commit, which bounds how many ratings a second all workers share.
    targets = alert_targets(rating)
    with transaction():
        db.session.add(rating)
        db.session.flush()
        db.session.execute(insert(PendingFold).values(rating_id=rating.id, created_at=now))
        # Only a negative rating adds anything here: its alert rows, committed with it.
        alerts = add_alert_deliveries(rating, targets)
        case = open_case(rating)  # a negative rating's complaint case, committed with it
    nudge_aggregation()
    send_alerts(alerts)
    if case is not None:
        enqueue_notification(case.id)
    return rating

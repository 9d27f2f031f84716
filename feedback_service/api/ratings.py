"""`POST /api/v1/ratings`: a rating from a kiosk or an app, strictly checked."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db, limiter
from ..models import Officer
from ..ratings.abuse import client_address, cooldown_flag, counter_allowance_flag, limit_per_ip
from ..ratings.instrument import current_instrument
from ..ratings.submission import store_rating, validate_submission
from ..ratings.tokens import TokenInvalid, counter_from_token
from . import api

CHANNELS_ACCEPTED = ("api", "kiosk")


@api.post("/ratings")
@limiter.limit(limit_per_ip, key_func=client_address)
def create_rating():
    if not request.is_json:
        raise ApiError(415, "send the rating as application/json")
    # Reading the body enforces MAX_CONTENT_LENGTH (413) before anything is parsed.
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object", details=[
            {"field": "(body)", "code": "wrong_type", "message": "expected an object"}])
    channel = request.args.get("channel", "api")
    if channel not in CHANNELS_ACCEPTED:
        raise ApiError(422, "invalid query parameters", details=[
            {"field": "channel", "code": "invalid", "message": f"one of {', '.join(CHANNELS_ACCEPTED)}"}])

    instrument = current_instrument()
    answers, errors = validate_submission(body, instrument)
    if errors:
        raise ApiError(422, "the rating has invalid fields", details=[e.as_dict() for e in errors])
    try:
        counter = counter_from_token(body["token"])
    except TokenInvalid:
        raise ApiError(404, "unknown or revoked token") from None

    officer = _officer(counter, answers.extra.get("officer_code"))
    # Only a rating that would count uses up its client's allowance and the counter's (abuse.py).
    flag = cooldown_flag(counter.id, channel) or counter_allowance_flag(counter.id)
    rating = store_rating(
        answers, counter, officer, channel=channel, instrument=instrument,
        language=body.get("language", "vi"), flag_reason=flag, client_address=client_address(),
    )
    return jsonify({"id": rating.id, "flagged": rating.flagged,
                    "instrument_version": rating.instrument_version}), 201


def _officer(counter, officer_code: str | None):
    """The officer a rating is about: the one named, else the counter's only officer."""
    officers = [o for o in counter.officers if o.active]
    if officer_code:
        officer = db.session.scalar(select(Officer).where(Officer.code == officer_code))
        if officer is None or officer.unit_id != counter.unit_id or not officer.active:
            raise ApiError(422, "the rating has invalid fields", details=[
                {"field": "officer_code", "code": "unknown_officer",
                 "message": "no active officer with this code in the counter's unit"}])
        return officer
    return officers[0] if len(officers) == 1 else None

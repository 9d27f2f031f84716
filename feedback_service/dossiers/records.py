"""Registering dossiers and recording what happens to them: the checks and the writes.

The API (one dossier or a batch) and the CSV import of historical dossiers all
go through `check_registration` and `register`, so they accept and refuse
exactly the same things. Registration is idempotent by receipt code within its
unit: the same facts again change nothing, different facts are a conflict, never
an update (a receipt, once printed, does not change; what happens next is a PATCH).
Codes are unique per unit, so one unit's client can never block another's.

Times are stored in UTC: SQLite keeps no offset, so an aware time stored as is
would come back as a wrong wall-clock time.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..clock import local_day
from ..extensions import db
from ..models import Counter, Dossier, Officer, Unit
from ..models.dossiers import DOSSIER_CHANNELS
from ..audit import audit
from ..units.succession import SPLIT, Reorganised, gone_from
from ..validation import CONTROL_CODE, CONTROL_MESSAGE, FieldError, StrictValidator, has_control, nfc, schema_errors

# TT 01/2018/TT-VPCP: agency code (V1V2V3.Z1Z2.Y1Y2.MX1X2, e.g. H15.50.05.13, or
# the QĐ 20/2020 order 000.00.17.H15), receipt date YYMMDD, daily sequence.
# Provinces print agency codes of two to four segments; DOSSIER_CODE_PATTERN
# replaces this for systems that print something else.
DEFAULT_CODE_PATTERN = (
    r"[A-Z0-9]{2,3}(?:\.[A-Z0-9]{2,3}){1,3}"
    r"-\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"-\d{4,6}"
)
BATCH_MAX_ITEMS = 1000

_TIME = {"type": ["string", "null"], "minLength": 1, "maxLength": 40}

REGISTRATION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "unit_code", "procedure", "received_at", "channel"],
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 60},
        "unit_code": {"type": "string", "minLength": 1, "maxLength": 16},
        "counter_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1},
        "officer_code": {"type": ["string", "null"], "maxLength": 60},
        "procedure": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "name"],
            "properties": {
                "code": {"type": "string", "minLength": 1, "maxLength": 60},
                "name": {"type": "string", "minLength": 1, "maxLength": 500},
                # The field (lĩnh vực) the procedure belongs to: a row of Biểu II.06a.
                "field_code": {"type": "string", "minLength": 1, "maxLength": 60},
                "field_name": {"type": "string", "minLength": 1, "maxLength": 500},
            },
            # A field is named and coded together: the form prints the name, rows group by the code.
            "dependentRequired": {"field_code": ["field_name"], "field_name": ["field_code"]},
        },
        "received_at": {"type": "string", "minLength": 1, "maxLength": 40},
        "due_at": _TIME,
        "channel": {"enum": list(DOSSIER_CHANNELS)},
    },
}

UPDATE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "resolved_at": _TIME,
        "returned_at": _TIME,
        "late": {"type": ["boolean", "null"]},
        "apology_issued_at": _TIME,
        "new_due_at": _TIME,
        "cancelled": {"type": "boolean"},
        # When it was cancelled (default: now); it changes periods from that day on only.
        "cancelled_at": _TIME,
    },
}
UPDATE_TIMES = ("resolved_at", "returned_at", "apology_issued_at", "new_due_at", "cancelled_at")

# Stored column → the field the caller sent, for naming what conflicts.
_COMPARED = {
    "unit_id": "unit_code", "counter_id": "counter_id", "officer_id": "officer_code",
    "procedure_code": "procedure.code", "procedure_name": "procedure.name",
    "field_code": "procedure.field_code", "field_name": "procedure.field_name",
    "channel": "channel", "received_at": "received_at", "due_at": "due_at",
}


class DossierInvalid(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class DossierForbidden(Exception):
    """The dossier's unit is outside the caller's scope."""


@dataclass(frozen=True)
class Registration:
    """A checked registration, with codes resolved to ids and times in UTC."""

    code: str
    unit_id: int
    counter_id: int | None
    officer_id: int | None
    procedure_code: str
    procedure_name: str
    channel: str
    received_at: datetime
    due_at: datetime | None
    field_code: str | None = None
    field_name: str | None = None


@dataclass
class Outcome:
    status: str  # created | unchanged | conflict
    dossier: Dossier
    differing: list[str]


class Lookups:
    """Units, counters and officers by the codes callers use, read once per batch or file."""

    def __init__(self) -> None:
        self._units: dict[str, int | None] = {}
        self._counters: dict[int, int | None] = {}
        self._counter_codes: dict[tuple[int, str], int | None] = {}
        self._officers: dict[str, tuple[int, int] | None] = {}
        self._gone: dict[int, Reorganised | None] = {}

    def unit_id(self, code: str) -> int | None:
        if code not in self._units:
            self._units[code] = db.session.scalar(select(Unit.id).where(Unit.code == code))
        return self._units[code]

    def gone(self, unit_id: int) -> Reorganised | None:
        if unit_id not in self._gone:
            self._gone[unit_id] = gone_from(unit_id)
        return self._gone[unit_id]

    def counter_unit(self, counter_id: int) -> int | None:
        if counter_id not in self._counters:
            self._counters[counter_id] = db.session.scalar(select(Counter.unit_id).where(Counter.id == counter_id))
        return self._counters[counter_id]

    def counter_id(self, unit_id: int, code: str) -> int | None:
        key = (unit_id, code)
        if key not in self._counter_codes:
            self._counter_codes[key] = db.session.scalar(
                select(Counter.id).where(Counter.unit_id == unit_id, Counter.code == code))
        return self._counter_codes[key]

    def officer(self, code: str) -> tuple[int, int] | None:
        """(officer id, unit id) of the officer with this code."""
        if code not in self._officers:
            row = db.session.execute(select(Officer.id, Officer.unit_id).where(Officer.code == code)).first()
            self._officers[code] = (row[0], row[1]) if row else None
        return self._officers[code]


@lru_cache(maxsize=1)
def _validators() -> tuple[Any, Any]:
    return StrictValidator(REGISTRATION_SCHEMA), StrictValidator(UPDATE_SCHEMA)


@lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def code_pattern() -> re.Pattern[str]:
    # No pattern configured (None) means the official TT 01/2018 shape.
    configured = current_app.config["DOSSIER_CODE_PATTERN"]
    return _compiled(configured if configured else DEFAULT_CODE_PATTERN)


def parse_time(value: str | None, name: str, errors: list[FieldError]) -> datetime | None:
    """An ISO 8601 time with its offset, in UTC; a time without offset is refused
    because nobody can tell whether it meant Hà Nội or UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, "not an ISO 8601 time, e.g. 2026-10-08T08:30:00+07:00", "invalid_time"))
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        errors.append(FieldError(name, "the time needs an offset, e.g. +07:00", "naive_time"))
        return None
    return moment.astimezone(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands it back naive), None kept."""
    return None if moment is None else clock.as_utc(moment)


def check_registration(body: object, lookups: Lookups, allowed: Callable[[int], bool] | None = None,
                       counter_code: str | None = None) -> Registration:
    """The registration a body describes, or DossierInvalid with every error, or
    DossierForbidden. The scope is checked before the counter and officer, so a
    caller learns nothing about another unit's counters or officers.

    `counter_code` names the counter within the unit instead of `counter_id`
    (the CSV import knows counters by code).
    """
    registration_validator, _ = _validators()
    body = _nfc_names(body)
    errors = schema_errors(registration_validator, body) + _control_errors(body, counter_code)
    if errors:
        # Still report what is wrong with the fields of the right type, but look
        # nothing up: the scope has not been checked.
        if isinstance(body, dict):
            _check_code_and_times(body, {e.field for e in errors}, errors)
        raise DossierInvalid(sorted(errors, key=lambda e: e.field))
    assert isinstance(body, dict)

    unit_id = lookups.unit_id(body["unit_code"])
    if unit_id is not None and allowed is not None and not allowed(unit_id):
        raise DossierForbidden(body["unit_code"])
    if unit_id is None:
        errors.append(FieldError("unit_code", f"no unit with code {body['unit_code']!r}", "unknown_unit"))
    received_at, due_at = _check_code_and_times(body, set(), errors)
    if unit_id is not None and received_at is not None:
        went = lookups.gone(unit_id)
        if went is not None and local_day(received_at) >= went.effective_date:
            # A dossier received after a split or merger belongs to a new unit; which one, only the sender knows.
            errors.append(FieldError("unit_code", (
                f"unit {body['unit_code']} no longer stands from {went.effective_date.isoformat()} "
                f"({'split into' if went.kind == SPLIT else 'merged into'} "
                f"{', '.join(u.code for u in went.into)}): send the new unit's code"), "reorganised_unit"))

    counter_id = body.get("counter_id")
    officer_id = None
    if unit_id is not None:
        if counter_code:
            counter_id = lookups.counter_id(unit_id, counter_code)
            if counter_id is None:
                errors.append(FieldError("counter_code", f"no counter {counter_code!r} in this unit", "unknown_counter"))
        elif counter_id is not None and lookups.counter_unit(counter_id) != unit_id:
            errors.append(FieldError("counter_id", "no counter with this id in this unit", "unknown_counter"))
        if body.get("officer_code"):
            officer = lookups.officer(body["officer_code"])
            if officer is None or officer[1] != unit_id:
                errors.append(FieldError("officer_code", "no officer with this code in this unit", "unknown_officer"))
            else:
                officer_id = officer[0]
    if errors:
        raise DossierInvalid(sorted(errors, key=lambda e: e.field))
    assert unit_id is not None and received_at is not None
    return Registration(
        code=body["code"], unit_id=unit_id, counter_id=counter_id, officer_id=officer_id,
        procedure_code=body["procedure"]["code"], procedure_name=body["procedure"]["name"],
        channel=body["channel"], received_at=received_at, due_at=due_at,
        field_code=body["procedure"].get("field_code"), field_name=body["procedure"].get("field_name"),
    )


# The names and codes of a registration: compared and looked up, so one spelling each.
_NAMES = (("code",), ("unit_code",), ("officer_code",), ("procedure", "code"), ("procedure", "name"),
          ("procedure", "field_code"), ("procedure", "field_name"))


def _nfc_names(body: object) -> object:
    """A copy of the body with its names and codes in NFC; anything else as sent."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    if isinstance(body.get("procedure"), dict):
        body["procedure"] = dict(body["procedure"])
    for path in _NAMES:
        holder = body if len(path) == 1 else body.get(path[0])
        if isinstance(holder, dict) and isinstance(holder.get(path[-1]), str):
            holder[path[-1]] = nfc(holder[path[-1]])
    return body


def _control_errors(body: object, counter_code: str | None) -> list[FieldError]:
    """Names and codes with a control character, refused before anything is looked up
    (a NUL byte sent to PostgreSQL is a driver error, not a miss)."""
    if not isinstance(body, dict):
        return []
    errors = []
    for path in _NAMES:
        holder = body if len(path) == 1 else body.get(path[0])
        value = holder.get(path[-1]) if isinstance(holder, dict) else None
        if isinstance(value, str) and has_control(value):
            errors.append(FieldError(".".join(path), CONTROL_MESSAGE, CONTROL_CODE))
    if counter_code and has_control(counter_code):
        errors.append(FieldError("counter_code", CONTROL_MESSAGE, CONTROL_CODE))
    return errors


def _check_code_and_times(body: dict, bad: set[str],
                          errors: list[FieldError]) -> tuple[datetime | None, datetime | None]:
    """Check the code's shape and parse the times, skipping fields already refused."""
    code = body.get("code")
    if "code" not in bad and isinstance(code, str) and not code_pattern().fullmatch(code):
        errors.append(FieldError("code", "not a receipt code of the form H15.50.05.13-261008-0975", "invalid_code"))
    times = [body.get(name) if name not in bad and isinstance(body.get(name), str) else None
             for name in ("received_at", "due_at")]
    received_at = parse_time(times[0], "received_at", errors)
    due_at = parse_time(times[1], "due_at", errors)
    if received_at and due_at and due_at < received_at:
        errors.append(FieldError("due_at", "the due time is before the receipt time", "before_received"))
    return received_at, due_at


def differing_fields(dossier: Dossier, registration: Registration) -> list[str]:
    """The caller's names of the fields where a registration disagrees with the stored dossier."""
    names = []
    for column, name in _COMPARED.items():
        stored = getattr(dossier, column)
        if column in ("received_at", "due_at"):
            stored = as_utc(stored)
        if stored != getattr(registration, column):
            names.append(name)
    return names


DossierKey = tuple[int, str]  # (unit id, receipt code): unique per unit, not nationwide


def existing_dossiers(codes: list[str]) -> dict[DossierKey, Dossier]:
    """The stored dossiers with these codes, by (unit id, code)."""
    if not codes:
        return {}
    found = db.session.scalars(select(Dossier).where(Dossier.code.in_(set(codes))))
    return {(d.unit_id, d.code): d for d in found}


def register(registration: Registration, existing: dict[DossierKey, Dossier], actor: str,
             client_id: int | None = None) -> Outcome:
    """Add the dossier to the session unless its unit has it; the caller commits.

    `existing` maps (unit id, code) to stored dossiers and learns the new one, so a
    code repeated within one batch or file compares with its first occurrence. Only
    the same unit's dossier can conflict: another unit's code is none of the caller's
    business, and the conflict's details name fields of a dossier the caller can see.
    """
    key = (registration.unit_id, registration.code)
    stored = existing.get(key)
    if stored is not None:
        differing = differing_fields(stored, registration)
        return Outcome("conflict" if differing else "unchanged", stored, differing)
    dossier = Dossier(
        code=registration.code, unit_id=registration.unit_id, counter_id=registration.counter_id,
        officer_id=registration.officer_id, procedure_code=registration.procedure_code,
        procedure_name=registration.procedure_name, field_code=registration.field_code,
        field_name=registration.field_name, channel=registration.channel,
        received_at=registration.received_at, received_day=local_day(registration.received_at),
        due_at=registration.due_at, cancelled=False, client_id=client_id,
    )
    db.session.add(dossier)
    existing[key] = dossier
    audit(actor, "dossier.create", f"dossier:{registration.code}", {
        "unit_id": registration.unit_id, "procedure_code": registration.procedure_code,
        "channel": registration.channel, "received_at": registration.received_at.isoformat()})
    return Outcome("created", dossier, [])


def check_update(body: object, received_at: datetime | None, cancelled: bool = False) -> dict[str, Any]:
    """The changes a PATCH body asks for, parsed, or DossierInvalid with every error.
    `received_at` is the dossier's: nothing is resolved, returned or cancelled before it.
    `cancelled` is whether it is cancelled now: a cancellation's date is set with
    `cancelled: true` (by default it is now) or corrected on a cancelled dossier."""
    _, update_validator = _validators()
    errors = schema_errors(update_validator, body)
    if not isinstance(body, dict):
        raise DossierInvalid(errors)
    bad = {e.field for e in errors}
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in UPDATE_TIMES and name not in bad and isinstance(value, str):
            changes[name] = parse_time(value, name, errors)
        elif name not in UPDATE_TIMES:
            changes[name] = value
        else:
            changes[name] = None
    received_at = as_utc(received_at)
    for name in ("resolved_at", "returned_at", "cancelled_at"):
        moment = changes.get(name)
        if moment is not None and received_at is not None and moment < received_at:
            errors.append(FieldError(name, "before the dossier was received", "before_received"))
    if changes.get("cancelled_at") is not None and not changes.get("cancelled", cancelled):
        errors.append(FieldError("cancelled_at", "a cancellation date needs \"cancelled\": true", "not_cancelled"))
    if "cancelled_at" in changes and changes["cancelled_at"] is None and changes.get("cancelled", cancelled) \
            and not any(e.field == "cancelled_at" for e in errors):
        errors.append(FieldError("cancelled_at", "a cancelled dossier keeps its cancellation date", "required"))
    if errors:
        raise DossierInvalid(sorted(errors, key=lambda e: e.field))
    return changes


def apply_update(dossier: Dossier, changes: dict[str, Any], actor: str) -> dict[str, Any]:
    """Set what differs (and the local return day), audit it; the caller commits.
    Returns the changed fields; nothing changed means nothing is audited."""
    changed: dict[str, Any] = {}
    for name, value in changes.items():
        current = getattr(dossier, name)
        if name in UPDATE_TIMES:
            current = as_utc(current)
        if current != value:
            setattr(dossier, name, value)
            changed[name] = value.isoformat() if isinstance(value, datetime) else value
    if "returned_at" in changed:
        dossier.returned_day = local_day(changes["returned_at"]) if changes["returned_at"] else None
    # Cancelling has a date (now, unless the e-system says when); un-cancelling drops it.
    if "cancelled" in changed and dossier.cancelled and "cancelled_at" not in changes:
        dossier.cancelled_at = clock.now().replace(microsecond=0)
        changed["cancelled_at"] = dossier.cancelled_at.isoformat()
    if "cancelled" in changed and not dossier.cancelled and dossier.cancelled_at is not None:
        dossier.cancelled_at = None
        changed["cancelled_at"] = None
    if changed:
        audit(actor, "dossier.update", f"dossier:{dossier.code}", changed)
    return changed

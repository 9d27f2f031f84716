"""Changes to a unit's counters and officers: create, rename, (de)activate, assign, rotate a QR.

Each change is validated first (a refused change touches nothing), then written together
with its AuditEntry in one transaction. The summary cache generation is bumped after the
commit whenever names or the set of active counters/officers shown beside figures change.
No request code here: the dashboard (and any CLI) pass in the actor and the rows.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Counter, Officer, Unit
from ..audit import audit
from ..summaries.read import bump_generation
from ..validation import has_control, nfc

# Mirror the column sizes, so a long value is a message rather than a database error.
COUNTER_CODE_MAX = 40
OFFICER_CODE_MAX = 60
NAME_MAX = 200


class ManagementError(Exception):
    """A refused change; `message` is shown to the user as is (lazily translated)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _clean(value: str | None) -> str:
    # Control characters are refused before whitespace is folded: split() would
    # silently turn some of them (\x1c–\x1f) into spaces.
    text = nfc(value or "")
    if has_control(text.replace("\t", " ")):
        raise ManagementError(_l("Tên và mã không được chứa ký tự điều khiển."))
    return text


def _name(value: str | None) -> str:
    name = " ".join(_clean(value).split())
    if not name:
        raise ManagementError(_l("Tên không được để trống."))
    if len(name) > NAME_MAX:
        raise ManagementError(_l("Tên dài quá %(n)s ký tự.", n=NAME_MAX))
    return name


def _code(value: str | None, limit: int) -> str:
    # Codes carry no spaces (they are typed into other systems) and no "/" (an officer code is a URL segment).
    code = _clean(value).strip()
    if not code or "/" in code or any(ch.isspace() for ch in code):
        raise ManagementError(_l("Mã không được để trống, không được chứa khoảng trắng hay dấu /."))
    if len(code) > limit:
        raise ManagementError(_l("Mã dài quá %(n)s ký tự.", n=limit))
    return code


def _commit(bump: bool = True) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent change took the code between check and commit
        db.session.rollback()
        raise ManagementError(_l("Mã đã được dùng.")) from exc
    if bump:
        bump_generation()


def _counter_target(counter: Counter) -> str:
    return f"counter:{counter.id}"


def _officer_target(officer: Officer) -> str:
    return f"officer:{officer.id}"


# --- counters -------------------------------------------------------------------------

def create_counter(actor: str, unit: Unit, code: str | None, name: str | None) -> Counter:
    code, name = _code(code, COUNTER_CODE_MAX), _name(name)
    taken = db.session.scalar(select(Counter.id).where(Counter.unit_id == unit.id, Counter.code == code))
    if taken is not None:
        raise ManagementError(_l("Đơn vị đã có quầy mã %(code)s.", code=code))
    counter = Counter(unit_id=unit.id, code=code, name=name)
    db.session.add(counter)
    db.session.flush()
    audit(actor, "counter.create", _counter_target(counter), {"unit": unit.code, "code": code, "name": name})
    _commit()
    return counter


def rename_counter(actor: str, counter: Counter, name: str | None) -> None:
    name = _name(name)
    if name == counter.name:
        return
    audit(actor, "counter.rename", _counter_target(counter), {"from": counter.name, "to": name})
    counter.name = name
    _commit()


def set_counter_active(actor: str, counter: Counter, active: bool) -> None:
    """A deactivated counter's poster stops opening the form (tokens check `active`);
    its ratings stay and still count in the period they were given."""
    if counter.active == active:
        return
    counter.active = active
    audit(actor, "counter.activate" if active else "counter.deactivate", _counter_target(counter), {})
    _commit()


def rotate_counter_qr(actor: str, counter: Counter) -> None:
    """Revokes every poster printed so far: the old token no longer matches `qr_version`."""
    counter.qr_version += 1
    audit(actor, "counter.rotate_qr", _counter_target(counter), {"qr_version": counter.qr_version})
    # Only the poster changes; no figure does.
    _commit(bump=False)


# --- officers -------------------------------------------------------------------------

def _check_counter_of(unit_id: int, counter: Counter | None) -> None:
    if counter is not None and counter.unit_id != unit_id:
        raise ManagementError(_l("Quầy không thuộc đơn vị của cán bộ."))


def create_officer(actor: str, unit: Unit, code: str | None, name: str | None,
                   counter: Counter | None = None) -> Officer:
    code, name = _code(code, OFFICER_CODE_MAX), _name(name)
    _check_counter_of(unit.id, counter)
    # The code is the one-door e-system's, unique nationally: the holder may be in a unit
    # this user cannot see, so the message names no unit.
    if db.session.scalar(select(Officer.id).where(Officer.code == code)) is not None:
        raise ManagementError(_l("Mã cán bộ %(code)s đã được dùng.", code=code))
    officer = Officer(code=code, name=name, unit_id=unit.id, counter_id=counter.id if counter else None)
    db.session.add(officer)
    db.session.flush()
    audit(actor, "officer.create", _officer_target(officer),
          {"unit": unit.code, "code": code, "name": name, "counter": counter.id if counter else None})
    _commit()
    return officer


def rename_officer(actor: str, officer: Officer, name: str | None) -> None:
    name = _name(name)
    if name == officer.name:
        return
    audit(actor, "officer.rename", _officer_target(officer), {"from": officer.name, "to": name})
    officer.name = name
    _commit()


def set_officer_active(actor: str, officer: Officer, active: bool) -> None:
    if officer.active == active:
        return
    officer.active = active
    audit(actor, "officer.activate" if active else "officer.deactivate", _officer_target(officer), {})
    _commit()


def assign_officer(actor: str, officer: Officer, counter: Counter | None) -> None:
    """Seat an officer at a counter of their own unit, or at none."""
    _check_counter_of(officer.unit_id, counter)
    new_id = counter.id if counter else None
    if officer.counter_id == new_id:
        return
    audit(actor, "officer.assign", _officer_target(officer), {"from": officer.counter_id, "to": new_id})
    officer.counter_id = new_id
    _commit()

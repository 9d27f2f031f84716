"""Who may see and change what: a user sees their unit's subtree, an admin everything."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Unit
from ..models.users import ACTING_ROLES
from ..units.tree import in_subtree


def can_see(unit: Unit) -> bool:
    if current_user.role == "admin":
        return True
    return current_user.unit_id is not None and in_subtree(current_user.unit_id, unit.id)


def visible_unit(code: str) -> Unit:
    """The unit named in the URL, or 404 — also when it exists but is outside the
    user's subtree, so a URL reveals nothing about other communes."""
    unit = Unit.by_code(code)
    if unit is None or not can_see(unit):
        abort(404)
    return unit


def require_acting_role() -> None:
    if current_user.role not in ACTING_ROLES:
        abort(403)


def home_unit() -> Unit | None:
    """Where a user lands: their own unit (the first province for an admin)."""
    if current_user.unit is not None:
        return current_user.unit
    return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code).limit(1))

"""The dashboard's gate: the current user's questions to `people/permissions.py`, and the
unit a URL names (404 outside the user's subtree)."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Unit
from ..people import permissions


def can_see(unit: Unit) -> bool:
    return permissions.sees_unit(current_user, unit.id)


def visible_unit(code: str) -> Unit:
    """The unit named in the URL, or 404 — also when it exists but is outside the
    user's subtree, so a URL reveals nothing about other communes."""
    unit = Unit.by_code(code)
    if unit is None or not can_see(unit):
        abort(404)
    return unit


def require_acting_role() -> None:
    if not permissions.may_act(current_user):
        abort(403)


def home_unit() -> Unit | None:
    """Where a user lands: their own unit (the first province for an admin)."""
    if current_user.unit is not None:
        return current_user.unit
    return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code).limit(1))

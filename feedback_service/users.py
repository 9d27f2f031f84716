"""Dashboard accounts: creation, password checks with lockout, resets."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .clients import audit
from .clock import as_utc
from .extensions import db
from .models import Unit, User
from .models.users import ROLES

MIN_PASSWORD_LENGTH = 8
# Checked against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be honoured; the message says why."""


def create_user(username: str, password: str, role: str, unit: Unit | None, actor: str = "cli",
                display_name: str = "", email: str | None = None) -> User:
    username = username.strip()
    if not username:
        raise AccountError("the username is empty")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and unit is None:
        raise AccountError(f"a {role} needs --unit (the subtree they may see)")
    _check_password(password)
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                unit_id=unit.id if unit else None, display_name=display_name or username, email=email)
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.create", user.actor, {"username": username, "role": role, "unit": unit.code if unit else None})
    db.session.commit()
    return user


def reset_password(user: User, password: str, actor: str) -> None:
    """Set a new password; every existing session of the user ends."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    audit(actor, "user.reset_password", user.actor, {})
    db.session.commit()


def authenticate(username: str, password: str) -> tuple[User | None, str | None]:
    """(user, None) on success; (None, reason) with reason "invalid" or "locked"."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None, "invalid"
    now = datetime.now(timezone.utc)
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return None, "locked"
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
            user.failed_logins = 0
            audit("system", "user.locked", user.actor, {})
        db.session.commit()
        return None, "invalid"
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    return user, None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")

"""Dashboard accounts: creation, password checks with lockout, resets, administration.

The admin never learns a password in use: an account made or reset from the dashboard
gets a one-time temporary password, and its holder must choose their own before any
dashboard page opens. Every change is audited and committed with its AuditEntry.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..clock import as_utc
from ..extensions import db
from ..models import Unit, User
from ..models.users import ROLES
from ..audit import audit

MIN_PASSWORD_LENGTH = 8
USERNAME_MAX = 80
EMAIL_MAX = 200
NAME_MAX = 200
# Read aloud over the phone: no 0/O, 1/l/I.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Checked against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be honoured; `message` says why (lazily translated)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def create_user(username: str, password: str | None, role: str, unit: Unit | None, actor: str = "cli",
                display_name: str = "", email: str | None = None) -> tuple[User, str | None]:
    """Create an account. Without a password, one temporary password is made, returned
    once and must be changed at first login: (user, temporary password or None)."""
    username = (username or "").strip()
    if not username or any(ch.isspace() for ch in username):
        raise AccountError(_l("Tên đăng nhập không được để trống hay chứa khoảng trắng."))
    if len(username) > USERNAME_MAX:
        raise AccountError(_l("Tên đăng nhập dài quá %(n)s ký tự.", n=USERNAME_MAX))
    _check_role(role, unit)
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > EMAIL_MAX or any(ch.isspace() for ch in email)):
        raise AccountError(_l("Địa chỉ thư điện tử không hợp lệ."))
    display_name = " ".join((display_name or "").split()) or username
    if len(display_name) > NAME_MAX:
        raise AccountError(_l("Họ tên dài quá %(n)s ký tự.", n=NAME_MAX))
    temporary = password is None
    password = temporary_password() if temporary else password
    _check_password(password, username)
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(_l("Tên đăng nhập %(username)s đã có người dùng.", username=username))
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                unit_id=unit.id if unit else None, display_name=display_name,
                email=email, must_change_password=temporary)
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.create", user.actor, {"username": username, "role": role, "unit": unit.code if unit else None})
    db.session.commit()
    return user, password if temporary else None


def reset_password(user: User, password: str | None, actor: str) -> str | None:
    """Set a new password (a temporary one when none is given, returned once); the
    user's sessions end and any lock is lifted."""
    temporary = password is None
    password = temporary_password() if temporary else password
    _check_password(password, user.username)
    user.password_hash = generate_password_hash(password)
    user.must_change_password = temporary
    _end_sessions(user)
    user.failed_logins, user.locked_until = 0, None
    audit(actor, "user.reset_password", user.actor, {"temporary": temporary})
    db.session.commit()
    return password if temporary else None


def change_own_password(user: User, current: str, new: str, confirmation: str) -> None:
    """The holder's own change: proves the current password, clears a temporary one.
    Other sessions of the user end; the caller logs this one in again."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_l("Mật khẩu hiện tại không đúng."))
    if new != confirmation:
        raise AccountError(_l("Hai lần nhập mật khẩu mới không khớp."))
    if new == current:
        raise AccountError(_l("Mật khẩu mới phải khác mật khẩu hiện tại."))
    _check_password(new, user.username)
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    _end_sessions(user)
    audit(user.actor, "user.change_password", user.actor, {})
    db.session.commit()


def set_active(user: User, active: bool, actor: str) -> None:
    if user.actor == actor and not active:
        raise AccountError(_l("Không thể tự khoá tài khoản của chính mình."))
    if user.active == active:
        return
    user.active = active
    if not active:
        _end_sessions(user)
    audit(actor, "user.activate" if active else "user.deactivate", user.actor, {})
    db.session.commit()


def unlock(user: User, actor: str) -> None:
    user.failed_logins, user.locked_until = 0, None
    audit(actor, "user.unlock", user.actor, {})
    db.session.commit()


def change_role(user: User, role: str, unit: Unit | None, actor: str) -> None:
    """A new role and subtree; the user's sessions end so no page keeps the old scope."""
    if user.actor == actor:
        raise AccountError(_l("Không thể tự đổi vai trò của chính mình."))
    _check_role(role, unit)
    before = {"role": user.role, "unit": user.unit.code if user.unit else None}
    user.role, user.unit_id = role, unit.id if unit else None
    _end_sessions(user)
    audit(actor, "user.change_role", user.actor, {"before": before, "role": role, "unit": unit.code if unit else None})
    db.session.commit()


def log_out(user: User) -> None:
    """End the user's sessions on the server, not only the browser's cookie: a copy of the
    cookie taken before the logout must not open the dashboard. Sessions carry no id of
    their own, so this ends the user's sessions in every browser (as a reset does)."""
    _end_sessions(user)
    db.session.commit()


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > (now or clock.now())


def authenticate(username: str, password: str) -> User | None:
    """The account, when the password is right and the account open; else None.

    A locked, closed, unknown or wrong account all come back alike (and take as long:
    a hash is checked in every case), so the answer never tells which usernames exist.
    """
    username = username.strip()
    # No username holds a NUL (and PostgreSQL refuses one in a query): simply no such account.
    user = db.session.scalar(select(User).where(User.username == username)) if "\x00" not in username else None
    # End the read before counting: the counting transaction must begin with its write
    # (SQLite cannot turn a read snapshot that another login has since changed into a write).
    db.session.commit()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    now = clock.now()
    if not check_password_hash(user.password_hash, password):
        _count_failure(user, now)
        return None
    return user if _record_login(user, now) else None


def _open(now: datetime):
    """The account is not locked at `now` — re-checked by the database inside each write."""
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def _count_failure(user: User, now: datetime) -> None:
    """Count one wrong password in the database itself (`failed_logins + 1`), so failures
    arriving at once all count; the one that reaches the limit locks the account. While it
    is locked nothing is counted (the row no longer matches)."""
    failures = db.session.execute(
        update(User).where(User.id == user.id, _open(now))
        .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
        .execution_options(synchronize_session=False)).scalar()
    if failures is not None and failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        # Still in the counting transaction, which holds the row: no other failure slips between.
        db.session.execute(
            update(User).where(User.id == user.id)
            .values(failed_logins=0, locked_until=now + timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"]))
            .execution_options(synchronize_session=False))
        audit("system", "user.locked", user.actor, {})
    db.session.commit()
    db.session.expire(user, ["failed_logins", "locked_until"])


def _record_login(user: User, now: datetime) -> bool:
    """Clear the failures of a right password — unless a concurrent burst has just locked
    the account, in which case the lock stands and the login is refused."""
    opened = db.session.execute(
        update(User).where(User.id == user.id, _open(now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    db.session.expire(user, ["failed_logins", "locked_until", "last_login_at"])
    return opened


def temporary_password() -> str:
    """Twelve characters in three groups (xxxx-xxxx-xxxx): ~59 bits, easy to dictate."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def _end_sessions(user: User) -> None:
    # Sessions carry the version (User.get_id): bumping it logs every browser out.
    user.session_version += 1


def _check_role(role: str, unit: Unit | None) -> None:
    if role not in ROLES:
        raise AccountError(_l("Vai trò phải là một trong: %(roles)s.", roles=", ".join(ROLES)))
    if role != "admin" and unit is None:
        raise AccountError(_l("Vai trò %(role)s cần một đơn vị (phạm vi được xem).", role=role))


def _check_password(password: str, username: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH))
    if password.strip().lower() == username.strip().lower():
        raise AccountError(_l("Mật khẩu không được trùng tên đăng nhập."))

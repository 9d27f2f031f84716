"""People who log in to the dashboard, and the complaint cases they handle."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import Unit, utcnow

# What each role may do is decided in `people/permissions.py`, and only there.
ROLES = ("admin", "province_officer", "unit_manager", "viewer")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    # werkzeug's scrypt hash (salted, memory-hard).
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # The subtree this user may see; None only for admins.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on every password change, logout, role change and closing: sessions made before
    # it are refused (a session stores it with the id, see get_id).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when an admin issues a temporary password: the holder must choose their own
    # before any dashboard page opens, so the admin never knows a password in use.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The version makes a session die with a password reset.
        return f"{self.id}:{self.session_version}"

    @property
    def actor(self) -> str:
        return f"user:{self.id}"

"""`flask users create|reset-password|list`: dashboard accounts from the command line."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..models.users import ROLES
from ..people.users import AccountError, create_user, reset_password
from .lookup import unit_or_fail


def register(app: Flask) -> None:
    @app.cli.group("users")
    def users() -> None:
        """Dashboard accounts."""

    @users.command("create")
    @click.option("--username", required=True)
    @click.option("--password", default=None,
                  help="At least 8 characters. Without it a temporary password is printed once, "
                       "to be changed at first login.")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--unit", "unit_code", help="Official code of the unit whose subtree the user sees.")
    @click.option("--name", "display_name", default="", help="Name shown in the dashboard.")
    @click.option("--email", default=None, help="Where notifications go.")
    def create_command(username, password, role, unit_code, display_name, email) -> None:
        """Create an account."""
        unit = unit_or_fail(unit_code) if unit_code else None
        try:
            user, temporary = create_user(username, password, role, unit, display_name=display_name, email=email)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"user {user.id} {user.username} ({user.role}{', ' + unit.code if unit else ''}) created")
        if temporary:
            click.echo(f"temporary password (shown once, must be changed at first login): {temporary}")

    @users.command("reset-password")
    @click.option("--username", required=True)
    @click.option("--password", default=None, help="Without it a temporary password is printed once.")
    def reset_command(username, password) -> None:
        """Set a new password (the admin-driven reset); the user's sessions end, a lock is lifted."""
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        try:
            temporary = reset_password(user, password, actor="cli")
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"password of {username} reset")
        if temporary:
            click.echo(f"temporary password (shown once, must be changed at next login): {temporary}")

    @users.command("list")
    def list_command() -> None:
        for user in db.session.scalars(select(User).order_by(User.username)):
            code = user.unit.code if user.unit else "-"
            click.echo(f"{user.username}\t{user.role}\t{code}\t{'active' if user.active else 'inactive'}")

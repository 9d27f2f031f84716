"""`flask clients create|list|revoke`: API keys for the one-door e-system and other machines."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import IntegrationClient, Unit
from ..people.api_clients import SCOPES, create_client, revoke_client
from .lookup import unit_or_fail


def register(app: Flask) -> None:
    @app.cli.group("clients")
    def clients() -> None:
        """Integration clients and their API keys."""

    @clients.command("create")
    @click.option("--unit", "unit_code", required=True, help="Official code of the unit the key is scoped to.")
    @click.option("--name", required=True, help="Who uses the key, e.g. 'Hệ thống một cửa điện tử Cao Bằng'.")
    @click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
                  help="An extra right: 'reports' reads the internal copy of the subtree's reports "
                       "(officers, every figure, the responses). Without it the key reads the published copy.")
    def create_command(unit_code: str, name: str, scopes: tuple[str, ...]) -> None:
        """Create a client; its key is printed once, as the last line."""
        unit = unit_or_fail(unit_code)
        client, key = create_client(unit, name.strip(), scopes=scopes)
        click.echo(f"client {client.id} '{client.name}' scoped to {unit.code} {unit.name}, "
                   f"scope: {_scope_text(client)}")
        click.echo("the key is shown only now; store it in the client's secret store:")
        click.echo(key)

    @clients.command("list")
    def list_command() -> None:
        """List clients (never their keys)."""
        for client, code in db.session.execute(
                select(IntegrationClient, Unit.code).join(Unit).order_by(IntegrationClient.id)):
            state = "revoked" if client.revoked_at else "active"
            click.echo(f"{client.id}\t{code}\t{state}\tscope: {_scope_text(client)}\t{client.name}")

    @clients.command("revoke")
    @click.argument("client_id", type=int)
    def revoke_command(client_id: int) -> None:
        """Revoke a client's key at once."""
        client = db.session.get(IntegrationClient, client_id)
        if client is None:
            raise click.ClickException(f"no client {client_id}")
        revoke_client(client)
        click.echo(f"client {client_id} revoked")


def _scope_text(client: IntegrationClient) -> str:
    """'reports', or what a key without extra rights does."""
    return " ".join(client.scope_names) or "dossiers (published reports only)"

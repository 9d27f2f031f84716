"""`flask webhooks set|list|dead|replay`: where units receive negative-feedback alerts."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import Unit, WebhookDelivery, WebhookEndpoint
from ..webhooks.alerts import enqueue_delivery, replay, set_endpoint
from .lookup import unit_or_fail


def register(app: Flask) -> None:
    @app.cli.group("webhooks")
    def webhooks() -> None:
        """Signed webhooks that alert a unit to negative ratings."""

    @webhooks.command("set")
    @click.option("--unit", "unit_code", required=True, help="Official code of the unit to alert.")
    @click.option("--url", required=True, help="http(s) URL the unit's system receives alerts on.")
    def set_command(unit_code: str, url: str) -> None:
        """Set the unit's endpoint (replacing its old one); the secret is printed once, as the last line."""
        unit = unit_or_fail(unit_code)
        try:
            endpoint, secret = set_endpoint(unit, url)
        except ValueError as exc:
            raise click.ClickException(f"{exc}: the URL must start with http:// or https://") from None
        click.echo(f"endpoint {endpoint.id} for {unit.code} {unit.name}: {endpoint.url}")
        click.echo("the signing secret is shown only now; give it to the receiving system:")
        click.echo(secret)

    @webhooks.command("list")
    def list_command() -> None:
        """List endpoints (never their secrets)."""
        for endpoint, code in db.session.execute(
                select(WebhookEndpoint, Unit.code).join(Unit).order_by(WebhookEndpoint.id)):
            state = "active" if endpoint.active else "inactive"
            click.echo(f"{endpoint.id}\t{code}\t{state}\t{endpoint.url}")

    @webhooks.command("dead")
    def dead_command() -> None:
        """List dead-lettered deliveries: id, message id, unit, rating, attempts, last error."""
        rows = db.session.execute(
            select(WebhookDelivery, Unit.code).join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .join(Unit, WebhookEndpoint.unit_id == Unit.id)
            .where(WebhookDelivery.status == "dead").order_by(WebhookDelivery.id))
        for delivery, code in rows:
            click.echo(f"{delivery.id}\t{delivery.message_id}\t{code}\trating {delivery.rating_id}\t"
                       f"{delivery.attempts} attempts\t{delivery.last_error or ''}")

    @webhooks.command("replay")
    @click.argument("delivery_ids", nargs=-1, type=int)
    @click.option("--all-dead", is_flag=True, help="Replay every dead delivery.")
    def replay_command(delivery_ids: tuple[int, ...], all_dead: bool) -> None:
        """Send dead deliveries again, with the same message id."""
        if all_dead == bool(delivery_ids):
            raise click.UsageError("give delivery ids or --all-dead (not both)")
        if all_dead:
            delivery_ids = tuple(db.session.scalars(select(WebhookDelivery.id).where(
                WebhookDelivery.status == "dead").order_by(WebhookDelivery.id)))
        failed = []
        for delivery_id in delivery_ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                failed.append(f"no delivery {delivery_id}")
                continue
            try:
                replay(delivery)
            except ValueError as exc:
                db.session.rollback()
                failed.append(str(exc))
                continue
            queued = enqueue_delivery(delivery_id)
            click.echo(f"delivery {delivery_id} replayed" + ("" if queued else " (Redis down: the sweep sends it)"))
        if failed:
            raise click.ClickException("; ".join(failed))

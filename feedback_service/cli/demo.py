"""`flask demo load`: Cao Bằng with counters, officers and, on request, ratings."""
from __future__ import annotations

import click
from flask import Flask, current_app

from ..demo.cao_bang import DEMO_DAYS, DemoDataError, first_counter_id, load_demo
from ..extensions import db
from ..models import Counter
from ..ratings.tokens import counter_url
from ..units.importing import ImportRefused
from .units import Refused


def register(app: Flask) -> None:
    @app.cli.group("demo")
    def demo() -> None:
        """Demo data for trying the service out."""

    @demo.command("load")
    @click.option("--ratings/--no-ratings", "with_ratings", default=False, envvar="DEMO_RATINGS",
                  show_envvar=True,
                  help=f"Also generate a few hundred ratings over the last {DEMO_DAYS} days (once).")
    def load_command(with_ratings: bool) -> None:
        """Import Cao Bằng's communes and the counters and officers of config/demo/."""
        try:
            report = load_demo(with_ratings)
        except (ImportRefused, DemoDataError) as exc:
            raise Refused(str(exc)) from None
        click.echo(f"source: {report.divisions.source}")
        click.echo(f"provinces: {report.divisions.provinces.describe()}")
        click.echo(f"communes: {report.divisions.communes.describe()}")
        click.echo(f"counters: {report.counters.describe()}")
        click.echo(f"officers: {report.officers.describe()}")
        if report.ratings_skipped:
            click.echo("ratings: the demo counters already have ratings, none added")
        elif with_ratings:
            dossiers = report.dossiers
            click.echo(f"dossiers: {dossiers.registered} registered, {dossiers.returned} returned, "
                       f"{dossiers.rated} rated from the receipt QR")
            click.echo(f"ratings: {report.ratings_created} at counters + {dossiers.rated} from dossiers created, "
                       f"{report.folded} folded, {report.cases_opened} complaint cases opened")
        else:
            click.echo("ratings: none (use --ratings or DEMO_RATINGS=1)")
        counter_id = first_counter_id()
        if counter_id is not None:
            # The poster is operators' material (a dashboard login opens it); the feedback page
            # its QR leads to is what a citizen sees, so the operator trying the demo gets it here.
            click.echo(f"feedback page: {counter_url(db.session.get(Counter, counter_id))}")
            click.echo(f"poster: {current_app.config['PUBLIC_BASE_URL']}/counters/{counter_id}/poster "
                       "(after logging in at /login; make an account with `flask users create`)")

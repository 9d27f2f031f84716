"""`flask summaries fold|rebuild`: run aggregation by hand."""
from __future__ import annotations

import click
from flask import Flask, current_app

from ..summaries.fold import fold_all, rebuild


def register(app: Flask) -> None:
    @app.cli.group("summaries")
    def summaries() -> None:
        """Fold pending ratings or rebuild every summary from the records."""

    @summaries.command("fold")
    def fold_command() -> None:
        """Fold every pending rating now, without a worker."""
        folded = fold_all(current_app.config["AGGREGATION_BATCH_SIZE"])
        click.echo(f"folded {folded} ratings")

    @summaries.command("rebuild")
    def rebuild_command() -> None:
        """Recompute every summary from the stored ratings."""
        count = rebuild()
        click.echo(f"rebuilt summaries from {count} ratings")

    # `flask rebuild` as the short form the runbook uses.
    app.cli.add_command(rebuild_command, "rebuild")

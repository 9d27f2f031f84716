"""`flask cases backfill`: open complaint cases for ratings stored before cases existed."""
from __future__ import annotations

import click
from flask import Flask

from ..cases.workflow import backfill


def register(app: Flask) -> None:
    @app.cli.group("cases")
    def cases() -> None:
        """Complaint cases opened from negative ratings."""

    @cases.command("backfill")
    def backfill_command() -> None:
        """Open cases for existing ratings that should have one (safe to run again)."""
        click.echo(f"{backfill()} cases opened")

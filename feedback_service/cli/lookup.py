"""Lookups shared by operators' commands: a clear error instead of a traceback."""
from __future__ import annotations

import click

from ..models import Unit


def unit_or_fail(code: str) -> Unit:
    unit = Unit.by_code(code)
    if unit is None:
        raise click.ClickException(f"no unit with code {code!r} (import units first)")
    return unit

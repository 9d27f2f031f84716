"""The landing page and a unit's overview for a period."""
from __future__ import annotations

from flask import abort, redirect, render_template, url_for

from . import dashboard
from .access import home_unit, visible_unit


@dashboard.get("/")
def home():
    unit = home_unit()
    if unit is None:
        abort(404)
    return redirect(url_for("dashboard.unit_overview", code=unit.code))


@dashboard.get("/units/<code>")
def unit_overview(code: str):
    unit = visible_unit(code)
    return render_template("dashboard/overview.html", unit=unit)

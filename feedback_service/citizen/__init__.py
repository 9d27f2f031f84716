"""Pages for citizens: the rating form behind a counter's QR code.

Public by design (no login: the signed token is the only key). Mobile-first,
Vietnamese by default, a plain HTML form that works with JavaScript off.
"""
from flask import Blueprint

citizen = Blueprint("citizen", __name__, template_folder="../templates")

from . import dossier_pages, pages, posters  # noqa: E402,F401  (routes register on import)

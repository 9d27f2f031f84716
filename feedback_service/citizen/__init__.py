"""Pages for citizens: the rating forms behind a counter's and a dossier's QR code.

Public by design (no login: the signed token is the only key). Mobile-first,
Vietnamese by default, a plain HTML form that works with JavaScript off. Modules:
`pages.py` (a counter's form), `dossier_pages.py` (a dossier's), `form.py` (the form's
fields in the API's shape) and `posters.py` (the desk poster, for operators only).
"""
from flask import Blueprint

citizen = Blueprint("citizen", __name__, template_folder="../templates")

from . import dossier_pages, pages, posters  # noqa: E402,F401  (routes register on import)

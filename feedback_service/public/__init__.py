"""Public pages (`/public`): what anyone may read of the figures, without a login.

Public by design: aggregated figures only, passed through the small-cell rule
(`summaries.disclosure`), no comments, no officers, nothing personal. Plain HTML that
reads on a phone and prints, with no script. Modules: `pages.py` (a unit's ranking of
its direct children).
"""
from flask import Blueprint

from ..validation import refuse_nul_characters

public = Blueprint("public", __name__, template_folder="../templates")
public.before_request(refuse_nul_characters)

from . import pages  # noqa: E402,F401  (routes register on import)

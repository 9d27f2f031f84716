"""Poster jobs: draw the PDF of every counter poster of a subtree."""
from __future__ import annotations

from feedback_service.ratings import poster_runs

from . import in_app_context


@in_app_context
def build_sheet(sheet_id: str) -> str:
    """Draw one poster PDF (its row says which unit and layout); progress and the outcome go to the row."""
    return poster_runs.build(sheet_id)

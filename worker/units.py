"""Unit jobs: apply the splits and mergers whose effective date has come."""
from __future__ import annotations

from feedback_service.summaries import fold

from . import in_app_context


@in_app_context
def apply_reorganisations() -> list[str]:
    """Apply due reorganisations (and rebuild after a merger); returns the old units' codes."""
    return fold.apply_due_reorganisations().old_codes

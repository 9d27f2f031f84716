"""Report scheduling job: drafts when a reporting period closes, reminders before its deadline."""
from __future__ import annotations

from feedback_service.reports import schedule

from . import in_app_context


@in_app_context
def prepare_closed_periods() -> list[dict]:
    """Prepare the drafts of the latest closed periods and mail managers once; SMTP errors raise
    (the claim is released, so the next run sends what this one could not)."""
    return [outcome.as_dict() for outcome in schedule.prepare_closed_periods()]

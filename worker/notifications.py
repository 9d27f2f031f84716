"""Notification jobs: e-mail unit managers about new complaint cases."""
from __future__ import annotations

from feedback_service.cases import notices

from . import in_app_context


@in_app_context
def notify_case(case_id: int) -> str:
    """Send a case's notice once (claimed in the database first); SMTP errors raise, so RQ retries."""
    return notices.notify(case_id)


@in_app_context
def sweep_unnotified() -> int:
    """Queue notices for recent cases whose job was lost; returns how many were queued."""
    return notices.sweep_unnotified()

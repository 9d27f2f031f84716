"""Report jobs: build an export file, and sweep the files whose link has expired."""
from __future__ import annotations

from feedback_service.reports.files import export_runs

from . import in_app_context


@in_app_context
def build_export(export_id: str) -> str:
    """Build one export (its row says what); progress and the outcome go to the row."""
    return export_runs.build(export_id)


@in_app_context
def sweep_exports() -> int:
    """Delete expired export files; returns how many were deleted."""
    return export_runs.sweep()

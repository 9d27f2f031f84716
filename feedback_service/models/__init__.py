"""The record store (SQLAlchemy models), one module per domain: `units.py` (units,
counters, officers), `ratings.py`, `summaries.py`, `dossiers.py`, `cases.py`, `users.py`
(dashboard accounts), `integration.py` (API clients, the audit log), `webhooks.py`,
`reports.py` (submitted versions, drafts), `report_exports.py`, `poster_sheets.py`, `reorganisation.py` (dated splits and mergers)
and `outages.py` (Redis outages).
"""
from .cases import Case, CaseEvent
from .dossiers import Dossier
from .integration import AuditEntry, IntegrationClient
from .outages import RedisOutage
from .poster_sheets import PosterSheet
from .ratings import PendingFold, Rating
from .reorganisation import CounterMove, UnitSuccession
from .report_exports import ReportExport
from .reports import ReportDraft, ReportVersion
from .summaries import SummaryAnswer, SummaryTotal
from .units import Counter, Officer, Unit
from .users import User
from .webhooks import WebhookDelivery, WebhookEndpoint

# Ids are INTEGER columns (32-bit on PostgreSQL): a bigger number is no row, and must not
# reach a query, where the driver would overflow.
ROW_ID_MAX = 2**31 - 1

__all__ = ["Unit", "Counter", "Officer", "Rating", "PendingFold", "SummaryTotal", "SummaryAnswer",
           "Dossier", "IntegrationClient", "AuditEntry", "WebhookEndpoint", "WebhookDelivery", "User",
           "Case", "CaseEvent", "RedisOutage", "ReportVersion", "ReportDraft", "ReportExport",
           "PosterSheet", "UnitSuccession", "CounterMove"]

"""Who gets which copy of a report: the one home of that choice.

Two copies exist of every report (the JSON, its files and the dashboard page alike):
- the *internal copy*: the report as filed, with the officers' table, every figure, who
  submitted and reviewed it by name, its `sha256`, and in the XLSX the anonymised
  responses with their comments. For the people who file and review it: the unit's own
  unit managers, province officers of the unit or above it, admins, and API keys created
  with the `reports` scope (`flask clients create … --scope reports`), as
  `people/permissions.reads_internal_copy` decides;
- the *published copy* (`publishing.published`): for every other reader in scope, such
  as viewers and plain dossier-sync API keys.

A reader of the internal copy may ask for the published one (`?audience=public`);
nobody can ask up. Scope (whether the reader may see the unit at all) is checked before.
"""
from __future__ import annotations

from ..models import ReportExport, Unit
from ..people.permissions import reads_internal_copy
from .filing import served_document
from .periods import ReportingPeriod
from .publishing import published

INTERNAL, PUBLIC = "internal", "public"
COPIES = (INTERNAL, PUBLIC)


class AudienceRefused(Exception):
    """The reader asked for a copy it may not read (the internal one, as a reader of the published copy)."""


# The permission under the name this package's readers know.
reads_internal = reads_internal_copy


def copy_for(reader: object, unit: Unit, asked: str | None = None) -> str:
    """The copy `reader` gets: `asked` (INTERNAL or PUBLIC) when it may read it, else
    its own (AudienceRefused when it asks up). None or "" asks for the reader's own."""
    own = INTERNAL if reads_internal_copy(reader, unit) else PUBLIC
    if asked in (None, "") or asked == own:
        return own
    if asked == PUBLIC:
        return PUBLIC
    raise AudienceRefused(f"this reader gets the published copy of {unit.code}'s reports only")


def served_copy(unit: Unit, period: ReportingPeriod, version: int | None, audience: str) -> dict:
    """The document an audience is served (`filing.served_document`, published for PUBLIC)."""
    document = served_document(unit, period, version)
    return document if audience == INTERNAL else published(document)


def copy_of(export: ReportExport) -> str:
    """Which copy of the report an export file holds."""
    return INTERNAL if export.internal else PUBLIC


def may_read_export(reader: object, export: ReportExport) -> bool:
    """Whether `reader` (already in the unit's scope) may poll and download `export`: an
    internal copy only for a reader of the internal copy, whoever asked for it."""
    return copy_of(export) == PUBLIC or reads_internal_copy(reader, export.unit)

"""A cell written to a CSV file that a spreadsheet opens: the one rule that defuses formulas.

Every CSV this service writes goes through `safe_cell` (the dashboard's case and officer
exports, the period report's CSV), because citizens' comments and officers' names reach
those cells, and a spreadsheet runs a cell that starts like a formula. The XLSX files need
no such rule: their text is written as inline strings, which a spreadsheet never evaluates.
"""
from __future__ import annotations

# A leading =, +, -, @ (or a tab/CR before one) makes Excel and LibreOffice evaluate the cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as text a spreadsheet shows, never runs: a formula-like string gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

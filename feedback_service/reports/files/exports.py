"""Export files of a report: XLSX, CSV and JSON, written as a stream to a file object.

- **XLSX**: first Biểu II.06a as the form is filed (`tthc_form`: "Mẫu Biểu II.06a",
  printed on A4 landscape), then a sheet per section (`export_layout.sections`: Tổng
  hợp, Chỉ số 766, Biểu II.06a, Đơn vị trực thuộc, Cán bộ in the internal copy,
  Phương pháp), then, in the internal copy only, the anonymised responses
  (`responses.py`), one row per rating with its time to the hour; past the format's
  1,048,576 rows they go on in "Ý kiến (2)", "Ý kiến (3)"… Every sheet but the form
  opens with the same header block (unit, period, status and version, times in local time).
- **CSV** (UTF-8 with a BOM, for Excel): the header block, Biểu II.06a as the form is
  filed, then the section tables one after another, each under its title. Not the
  responses: a million rows belong in the XLSX, and the CSV stays a file a clerk can
  open and file with the report.
- **JSON**: the served document itself (a submitted version as submitted: its sha256
  verifies with `flask reports verify`).

The section figures always come from the document the JSON API serves for the same
unit, period, version and copy (`audience.served_copy`: the published copy's small cells
read "<5" in every format), so the three agree figure by figure.
The responses are the records as they are now (a snapshot freezes figures, not rows).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from ...summaries.disclosure import to_the_hour
from . import responses, tthc_form
from .cells import safe_cell
from ..audience import INTERNAL
from .export_layout import Section, header_rows, sections
from ..periods import ReportingPeriod
from .xlsx import BOLD, DATETIME, EMPTY, MAX_ROWS, Sheet, Workbook, cell, inline, number

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "json": "application/json"}
RESPONSES_SHEET = "Ý kiến"
# Rows of one responses sheet before "Ý kiến (2)" begins: the format's limit.
RESPONSES_MAX_ROWS = MAX_ROWS
PROGRESS_EVERY = 20_000
# Progress callback: (rows written, rows in total).
Progress = Callable[[int, int], None]


def filename(unit_code: str, period: ReportingPeriod, version: int | None, fmt: str) -> str:
    """`bao-cao-01273-2026-Q3-official-v2.xlsx`: ASCII only, safe in any header."""
    label = period.label.replace("/", "-")
    return f"bao-cao-{unit_code}-{label}{f'-v{version}' if version else ''}.{fmt}"


def write(fmt: str, target: BinaryIO, document: dict, unit_ids: list[int], period: ReportingPeriod,
          exported_at: datetime, zone: str, audience: str, progress: Progress | None = None) -> int:
    """Write the export of `document`, the copy `audience` reads; returns the responses
    written (0 for CSV and JSON, and for the published copy, which has none)."""
    if fmt == "xlsx":
        return write_xlsx(target, document, unit_ids, period, exported_at, zone, audience, progress)
    if fmt == "csv":
        write_csv(target, document, exported_at, zone)
    elif fmt == "json":
        target.write(json.dumps(document, ensure_ascii=False, indent=2).encode())
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return 0


def write_csv(target: BinaryIO, document: dict, exported_at: datetime, zone: str) -> None:
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerows(header_rows(document, exported_at, zone))
    writer.writerow([])
    writer.writerows([safe_cell(value) for value in row.cells] for row in tthc_form.file_grid(document))
    for section in sections(document):
        writer.writerow([])
        writer.writerow([section.sheet, section.title])
        writer.writerow(section.labels)
        writer.writerow(section.keys)
        writer.writerows([safe_cell(value) for value in row] for row in section.rows)
    text.flush()
    text.detach()  # the caller owns the file


def write_xlsx(target: BinaryIO, document: dict, unit_ids: list[int], period: ReportingPeriod,
               exported_at: datetime, zone: str, audience: str, progress: Progress | None = None) -> int:
    header = header_rows(document, exported_at, zone)
    with Workbook(target) as book:
        tthc_form.write_sheet(book, document)
        for section in sections(document):
            sheet = book.sheet(section.sheet, [28, 44] + [16] * max(0, len(section.keys) - 2))
            _write_section(sheet, header, section)
        if audience != INTERNAL:  # one row per rating is one citizen's answers: never published
            if progress:
                progress(0, 0)
            return 0
        return _write_responses(book, header, unit_ids, period, progress)


def _head(sheet: Sheet, header: list[list[str]], title: str) -> None:
    sheet.row([title], BOLD)
    for label, value in header:
        sheet.cells(cell(label, BOLD) + inline(value))
    sheet.row([])


# The rows above a section's table: its title, the header block, an empty row.
def head_height(header: list[list[str]]) -> int:
    return len(header) + 2


def _write_section(sheet: Sheet, header: list[list[str]], section: Section) -> None:
    _head(sheet, header, section.title)
    sheet.row(section.labels, BOLD)
    sheet.row(section.keys)
    for row in section.rows:
        sheet.row(row)


def _write_responses(book: Workbook, header: list[list[str]], unit_ids: list[int], period: ReportingPeriod,
                     progress: Progress | None) -> int:
    columns = responses.columns()
    total = responses.count(unit_ids, period)
    units, counters, officers = responses.codes(unit_ids)
    element_keys = [key.split(".", 1)[1] for _, key in columns if key.startswith("elements.")]
    conduct_keys = [key.split(".", 1)[1] for _, key in columns if key.startswith("conduct.")]
    shared = book.shared
    answer = {True: shared.cell(responses.YES), False: shared.cell(responses.NO)}
    levels = {level: number(level) for level in range(1, 6)}
    unit_cell = {uid: shared.cell(code) for uid, code in units.items()}
    counter_cell = {cid: shared.cell(code) for cid, code in counters.items()}
    officer_cell = {oid: shared.cell(code) for oid, code in officers.items()}
    # A row's repeated parts, each decoded once: (channel, verified, overall) and the
    # answers' JSON texts (a few thousand distinct ones among a million ratings).
    middle: dict[tuple, str] = {}
    elements_cells = AnswerCells(lambda e: "".join(levels.get(e.get(k), EMPTY) for k in element_keys))
    conduct_cells = AnswerCells(lambda c: "".join(answer.get(c.get(k), EMPTY) for k in conduct_keys))
    flag_cell: dict[str | None, str] = {None: EMPTY}
    shift = responses.day_offset()

    def local_day(day: float) -> float:  # to the hour: a second would single a visit out
        return to_the_hour(shift(day))

    style = f' s="{DATETIME}"'

    def new_sheet(number_: int) -> Sheet:
        name = RESPONSES_SHEET if number_ == 1 else f"{RESPONSES_SHEET} ({number_})"
        sheet = book.sheet(name, [20, 10, 10, 12, 12, 10, 10] + [8] * (len(columns) - 9) + [60, 16])
        title = "Ý kiến của người dân (ẩn danh: không số điện thoại, không địa chỉ)"
        _head(sheet, header, title + (f", phần {number_}" if number_ > 1 else ""))
        sheet.row([label for label, _ in columns], BOLD)
        return sheet

    parts, written = 1, 0
    sheet = new_sheet(parts)
    if progress:
        progress(0, total)
    for (when, unit_id, counter_id, officer_id, channel, verified, overall, elements, conduct, comment,
         flag) in responses.stream(unit_ids, period):
        if sheet.rows >= RESPONSES_MAX_ROWS:
            parts += 1
            sheet = new_sheet(parts)
        key = (channel, verified, overall)
        mid = middle.get(key)
        if mid is None:
            mid = middle[key] = (shared.cell(channel) + answer[bool(verified)]
                                 + (levels.get(overall) or cell(overall)))
        flag_ready = flag_cell.get(flag) or flag_cell.setdefault(flag, shared.cell(flag))
        sheet.cells(
            f"<c{style}><v>{local_day(when)!r}</v></c>{unit_cell.get(unit_id, EMPTY)}"
            f"{counter_cell.get(counter_id, EMPTY)}{officer_cell.get(officer_id, EMPTY)}{mid}"
            f"{elements_cells[elements]}{conduct_cells[conduct]}{inline(comment) if comment else EMPTY}{flag_ready}")
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(written, total)
    if progress:
        progress(written, max(total, written))
    return written


class AnswerCells(dict):
    """JSON text of a rating's answers → its ready cells, decoded once per distinct text.
    Bounded: past CACHE_MAX distinct texts (never, with a fixed questionnaire) it decodes
    without remembering, so memory stays flat whatever the data."""

    CACHE_MAX = 50_000

    def __init__(self, render: Callable[[dict], str]) -> None:
        super().__init__()
        self.render = render

    def __missing__(self, raw: str | None) -> str:
        ready = self.render(json.loads(raw) if raw else {})
        if len(self) < self.CACHE_MAX:
            self[raw] = ready
        return ready

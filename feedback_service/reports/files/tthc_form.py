"""Biểu II.06a (TT 01/2020/TT-VPCP) in the layout a unit files it: the one place that
says what the form looks like, for the report page, the XLSX sheet and the CSV alike.

The form: its code (II.06a/VPCP/KSTT) and title; a header naming the reporting unit,
the receiving unit (the unit above, by the tree's one rule) and the period from–to;
"Đơn vị tính: hồ sơ"; a table with a row per field of procedure (lĩnh vực, STT
numbered, dossiers sent without a field under "Khác") and a total row ("Tổng cộng");
numbered columns (1)…(11) under three headings (received: total, online, in person or
by post, carried over; resolved: total, early, on time, late; pending: total, within
time, overdue); then place and date and the sign-off (Người lập biểu; Thủ trưởng đơn
vị, ký tên, đóng dấu). Where the report counts dossiers beside the columns (cancelled
in the period, no due date), notes under the table reconcile the sums. The column order
and numbering follow DOMAIN.md §7; the circular's appendix could not be read here, so a
change to them is made here only.

The counts are the document's (`tthc_results.fields` and the unit's own row), so the
page and the files print exactly what the JSON report says. The place is the
reporting unit's name without its kind ("Phường Thục Phán" → "Thục Phán", the place
name NĐ 30/2020 puts on a document); the date is the day the snapshot was submitted,
or, for a draft, the day its figures were made.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import Unit
from ...units.tree import units_above
from ..tthc import OTHER_FIELD, Tally
from .xlsx import PageSetup, Style, Workbook

FORM_CODE = "II.06a/VPCP/KSTT"
FORM_SHEET = "Mẫu Biểu II.06a"
# Blank for a hand to fill: the top of the tree has no unit above it here.
UNFILLED = "…………………………"

FORM_LABEL = _l("Biểu số %(code)s", code=FORM_CODE)
ISSUED_BY = _l("Ban hành kèm theo Thông tư số 01/2020/TT-VPCP")
TITLE = _l("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
SUBTITLE = _l("tại cơ quan, đơn vị trực tiếp giải quyết thủ tục hành chính")
UNIT_OF_MEASURE = _l("Đơn vị tính: hồ sơ")
NUMBER_HEADING = _l("STT")
FIELD_HEADING = _l("Lĩnh vực")
TOTAL = _l("Tổng cộng")
OTHER_LABEL = _l("Khác")
PREPARED_BY = _l("Người lập biểu")
PREPARED_NOTE = _l("(Ký, ghi rõ họ tên)")
HEAD_OF_UNIT = _l("Thủ trưởng đơn vị")
HEAD_NOTE = _l("(Ký tên, đóng dấu)")
NOTES_HEADING = _l("Ghi chú:")


@dataclass(frozen=True)
class Column:
    """A numbered column of the form: `number`, and where its count sits in the JSON."""

    number: int
    section: str
    key: str
    label: object


GROUPS = (("received", _l("Số hồ sơ nhận giải quyết")), ("resolved", _l("Số hồ sơ đã giải quyết")),
          ("pending", _l("Số hồ sơ đang giải quyết")))
COLUMNS = (
    Column(1, "received", "total", _l("Tổng số")),
    Column(2, "received", "online", _l("Trực tuyến")),
    Column(3, "received", "in_person", _l("Trực tiếp, bưu chính")),
    Column(4, "received", "carried_over", _l("Kỳ trước chuyển sang")),
    Column(5, "resolved", "total", _l("Tổng số")),
    Column(6, "resolved", "early", _l("Trước hạn")),
    Column(7, "resolved", "on_time", _l("Đúng hạn")),
    Column(8, "resolved", "late", _l("Quá hạn")),
    Column(9, "pending", "total", _l("Tổng số")),
    Column(10, "pending", "within_time", _l("Trong hạn")),
    Column(11, "pending", "overdue", _l("Quá hạn")),
)
# STT and lĩnh vực come before the numbered columns.
WIDTH = 2 + len(COLUMNS)


@dataclass
class FormRow:
    number: int | None  # STT; None on the total row
    field_code: str | None
    field_name: str
    counts: list[int]


@dataclass
class Form:
    """Biểu II.06a of one report, ready to print."""

    reporting_unit: str
    receiving_unit: str
    period: str
    place_and_date: str
    # Which version of the report the figures are: a printed form can be checked against it.
    provenance: str
    rows: list[FormRow] = field(default_factory=list)
    total: FormRow | None = None
    # What the report counts beside the eleven columns, said where the columns do not add up.
    notes: list[str] = field(default_factory=list)


def counts_of(row: dict) -> list[int]:
    return [int((row.get(column.section) or {}).get(column.key) or 0) for column in COLUMNS]


def build(document: dict) -> Form:
    """The form for a report document (a live draft or a snapshot as submitted).

    A snapshot submitted before dossiers carried a field has no `fields`: every
    dossier in it was registered without one, so it is all "Khác".
    """
    results, unit, period = document["tthc_results"], document["unit"], document["period"]
    fields = results.get("fields")
    if fields is None:
        fields = [{"field_code": None, "field_name": OTHER_FIELD, **results}]
    day = "%d/%m/%Y"
    span = _("Kỳ báo cáo: %(title)s (từ ngày %(start)s đến ngày %(end)s)", title=period.get("title", period["label"]),
             start=date.fromisoformat(period["from"]).strftime(day), end=date.fromisoformat(period["to"]).strftime(day))
    form = Form(reporting_unit=_("Đơn vị báo cáo: %(name)s", name=unit["name"]),
                receiving_unit=_("Đơn vị nhận báo cáo: %(name)s", name=receiving_unit(unit["code"])),
                period=span, place_and_date=place_and_date(unit, _made_on(document)),
                provenance=provenance(document))
    form.rows = [FormRow(number, row.get("field_code"),
                         row.get("field_name") if row.get("field_code") else str(OTHER_LABEL), counts_of(row))
                 for number, row in enumerate(fields, start=1)]
    form.total = FormRow(None, None, str(TOTAL), counts_of(results))
    form.notes = notes(results, [(row.field_name, source) for row, source in zip(form.rows, fields)])
    return form


def _number(section: str, key: str) -> str:
    return f"({next(c.number for c in COLUMNS if (c.section, c.key) == (section, key))})"


def _apart(row: dict, section: str | None) -> int:
    """A row's dossiers counted beside the columns: cancelled (section None), or those of
    `section` with no due date."""
    if section is None:
        return int(row.get("cancelled") or 0)
    return int((row.get(section) or {}).get("no_due_date") or 0)


def notes(results: dict, fields: list[tuple[str, dict]]) -> list[str]:
    """Lines under the table that reconcile it, one per count the report keeps beside the
    columns, only where that count is not zero (then the columns add up by themselves):
    (1) = (5) + (9) + the dossiers cancelled in the period; (5) = (6) + (7) + (8) + the
    resolved ones with no due date; (9) = (10) + (11) + the pending ones with none. With
    more than one field row, each field's share is named, so every row reconciles too."""
    n = {f"{section}_{key}": _number(section, key) for section, key in
         (("received", "total"), ("resolved", "total"), ("resolved", "early"), ("resolved", "on_time"),
          ("resolved", "late"), ("pending", "total"), ("pending", "within_time"), ("pending", "overdue"))}
    said = []
    for section, text in (
            (None, _("%(received_total)s = %(resolved_total)s + %(pending_total)s + %(n)s hồ sơ đã hủy trong "
                      "kỳ%(where)s.")),
            ("resolved", _("Trong %(resolved_total)s có %(n)s hồ sơ không có hạn giải quyết, không thuộc "
                            "%(resolved_early)s, %(resolved_on_time)s, %(resolved_late)s: %(resolved_total)s = "
                            "%(resolved_early)s + %(resolved_on_time)s + %(resolved_late)s + %(n)s%(where)s.")),
            ("pending", _("Trong %(pending_total)s có %(n)s hồ sơ không có hạn giải quyết, không thuộc "
                           "%(pending_within_time)s, %(pending_overdue)s: %(pending_total)s = "
                           "%(pending_within_time)s + %(pending_overdue)s + %(n)s%(where)s."))):
        count = _apart(results, section)
        if not count:
            continue
        shares = [f"{name}: {_apart(row, section)}" for name, row in fields if _apart(row, section)]
        where = _(" (theo lĩnh vực: %(shares)s)", shares="; ".join(shares)) if len(fields) > 1 else ""
        said.append(text % {**n, "n": count, "where": where})
    return said


def receiving_unit(unit_code: str) -> str:
    """The name of the unit the report goes to: the one above, as the tree's rule walks it."""
    unit = Unit.by_code(unit_code)
    above = units_above(unit.id)[1:2] if unit is not None else []
    return db.session.get(Unit, above[0]).name if above else UNFILLED


def _made_on(document: dict) -> date:
    moment = document.get("submitted_at") or document.get("generated_at")
    return clock.local_time(datetime.fromisoformat(moment)).date() if moment else clock.local_today()


def place_and_date(unit: dict, day: date) -> str:
    name, kind = unit["name"], unit.get("kind") or ""
    if kind and name.lower().startswith(kind.lower() + " "):
        name = name[len(kind) + 1:]
    # NĐ 30/2020: a day below 10 and the months 1 and 2 are written with a leading zero.
    number, month = f"{day.day:02d}", f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s", place=name, day=number, month=month,
             year=day.year)


def provenance(document: dict) -> str:
    if document.get("sha256"):
        return _("Số liệu của báo cáo phiên bản %(version)s đã nộp, mã kiểm tra SHA-256: %(sha)s",
                 version=document.get("version"), sha=document["sha256"])
    if document.get("submitted_at"):
        # The published copy of a submitted version: it carries no hash of the unmasked snapshot.
        return _("Số liệu của báo cáo phiên bản %(version)s đã nộp (bản công bố)", version=document.get("version"))
    made = document.get("generated_at")
    at = clock.local_time(datetime.fromisoformat(made)).strftime("%d/%m/%Y %H:%M") if made else "–"
    return _("Bản nháp, chưa nộp: số liệu tính lúc %(at)s", at=at)


# --- the form as a grid of cells: the XLSX sheet and the CSV ------------------------------

class Span(NamedTuple):
    """Cells printed as one: columns `first` to `last` (from 0), this row and `down` more."""

    first: int
    last: int
    down: int = 0


@dataclass
class GridRow:
    """One printed row: its cells (WIDTH of them), its style and its merged spans."""

    cells: list
    style: int
    spans: list[Span] = field(default_factory=list)


def _line(text: object, style: int, span: Span = Span(0, WIDTH - 1)) -> GridRow:
    return GridRow([str(text)] + [""] * (WIDTH - 1), style, [span])


# The sign-off blocks: the preparer under the first columns, the head of unit under the last.
_LEFT, _RIGHT = Span(0, 3), Span(WIDTH - 5, WIDTH - 1)


def _sign_off(left: object, right: object, style: int) -> GridRow:
    cells = [""] * WIDTH
    cells[_LEFT[0]], cells[_RIGHT[0]] = str(left), str(right)
    return GridRow(cells, style, [_LEFT, _RIGHT])


def grid(form: Form) -> list[GridRow]:
    """The whole form, top to bottom, as the files print it."""
    rows = [_line(FORM_LABEL, Style.BOLD, _LEFT), _line(ISSUED_BY, Style.ITALIC, _LEFT),
            _line(TITLE, Style.TITLE), _line(SUBTITLE, Style.TITLE), _line(form.period, Style.CENTRE),
            _line(form.reporting_unit, Style.PLAIN), _line(form.receiving_unit, Style.PLAIN),
            _line(UNIT_OF_MEASURE, Style.RIGHT_ITALIC)]
    # STT and lĩnh vực stand over both heading rows; each group over its columns.
    groups, spans, start = [str(NUMBER_HEADING), str(FIELD_HEADING)], [Span(0, 0, 1), Span(1, 1, 1)], 2
    for section, label in GROUPS:
        width = sum(1 for column in COLUMNS if column.section == section)
        groups += [str(label)] + [""] * (width - 1)
        spans.append(Span(start, start + width - 1))
        start += width
    rows.append(GridRow(groups, Style.HEADING, spans))
    rows.append(GridRow(["", ""] + [str(column.label) for column in COLUMNS], Style.HEADING))
    rows.append(GridRow(["A", "B"] + [f"({column.number})" for column in COLUMNS], Style.HEADING))
    for row in form.rows:
        rows.append(GridRow([row.number, row.field_name, *row.counts], Style.CELL))
    assert form.total is not None
    rows.append(GridRow(["", form.total.field_name, *form.total.counts], Style.CELL_BOLD))
    if form.notes:
        rows.append(_line(NOTES_HEADING, Style.BOLD))
        rows += [_line(note, Style.PLAIN) for note in form.notes]
    rows.append(GridRow([""] * WIDTH, Style.PLAIN))
    rows.append(_sign_off("", form.place_and_date, Style.ITALIC_CENTRE))
    rows.append(_sign_off(PREPARED_BY, HEAD_OF_UNIT, Style.TITLE))
    rows.append(_sign_off(PREPARED_NOTE, HEAD_NOTE, Style.ITALIC_CENTRE))
    rows.append(GridRow([""] * WIDTH, Style.PLAIN))
    rows.append(_line(form.provenance, Style.ITALIC))
    return rows


def file_grid(document: dict) -> list[GridRow]:
    """The grid in Vietnamese, whatever the caller's language: the form goes upward in it."""
    with force_locale("vi"):
        return grid(build(document))


def write_sheet(book: Workbook, document: dict) -> None:
    """The form as a sheet that prints on one A4 landscape page width."""
    sheet = book.sheet(FORM_SHEET, [5, 30] + [11] * len(COLUMNS), PageSetup())
    for number, row in enumerate(file_grid(document)):
        sheet.row(row.cells, row.style)
        for span in row.spans:
            sheet.merge(number, span.first, number + span.down, span.last)

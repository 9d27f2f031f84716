"""A streaming XLSX writer: each sheet's XML is written straight into the zip as rows come.

Why not a library: openpyxl's write-only mode and XlsxWriter's constant-memory mode
both build a Python object per cell; a province-year's responses sheet is ~20 million
cells, and the whole export must stay within 30 s on two cores (`make bench`). Here a
row is one string join, the zip entry is deflated as it is written (level 1: the XML
is repetitive, and faster compression buys more than smaller files), and nothing but
the current buffer of rows is held in memory.

What it writes is a minimal SpreadsheetML workbook (ECMA-376): inline strings for free
text, a shared-string table only for the few distinct values a caller marks as
repeated (codes, channels), a few styles (`Style`: bold headings, local dates and
times, and the bordered, centred cells of a printed form), merged cells and, for a
sheet meant for paper, its page setup (`PageSetup`: A4 landscape, fitted to the page
width). Cells carry no `r` reference (it is optional): an empty cell is written as
`<c/>`, so columns keep their place. Excel, LibreOffice and openpyxl read it.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

# The format's hard limit: a sheet holds at most this many rows.
MAX_ROWS = 1_048_576
# Sheet names: at most 31 characters, none of these.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
# XML 1.0 forbids most control characters; a citizen's comment may carry one.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class Style:
    """Style ids, as numbered in `_STYLES` below."""

    PLAIN, BOLD, DATETIME, DATE = 0, 1, 2, 3
    TITLE = 4          # bold, centred, wrapped
    CENTRE = 5
    ITALIC = 6
    RIGHT_ITALIC = 7
    HEADING = 8        # a form's column heading: bold, centred, wrapped, boxed
    CELL = 9           # a form's cell: boxed
    CELL_BOLD = 10     # a form's total row
    ITALIC_CENTRE = 11


BOLD, DATETIME, DATE = Style.BOLD, Style.DATETIME, Style.DATE
EMPTY = "<c/>"
FLUSH_ROWS = 2000

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def text(value: str) -> str:
    """XML-escaped text, without the characters XML cannot carry."""
    value = escape(value)
    return _XML_ILLEGAL.sub("", value) if _XML_ILLEGAL.search(value) else value


def inline(value: str, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{text(value)}</t></is></c>'


def number(value: int | float, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f"<c{s}><v>{value!r}</v></c>"


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints: paper (9 = A4 in SpreadsheetML's numbering), orientation, and
    scaled to fit `fit_width` pages across and as many pages down as it takes (0)."""

    paper_size: int = 9
    orientation: str = "landscape"
    fit_width: int = 1
    fit_height: int = 0

    def properties(self) -> str:
        return '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'

    def xml(self) -> str:
        return ('<printOptions horizontalCentered="1"/>'
                '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
                f'<pageSetup paperSize="{self.paper_size}" orientation="{self.orientation}" '
                f'fitToWidth="{self.fit_width}" fitToHeight="{self.fit_height}"/>')


def column_letters(index: int) -> str:
    """A column's letters from its index counted from 0: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def serial(moment: datetime) -> float:
    """A naive local datetime as Excel's day number (days since 1899-12-30)."""
    delta = moment - _EXCEL_EPOCH
    return delta.days + delta.seconds / 86400


def cell(value: object, style: int = 0) -> str:
    """Any plain value as a cell: text inline, numbers, booleans, local dates and times."""
    if value is None or value == "":
        return EMPTY if not style else f'<c s="{style}"/>'
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return number(value, style)
    if isinstance(value, datetime):
        return number(round(serial(value.replace(tzinfo=None)), 8), DATETIME)
    if isinstance(value, date):
        return number(float((value - _EXCEL_EPOCH.date()).days), DATE)
    return inline(str(value), style)


class SharedStrings:
    """The workbook's shared strings: for values repeated down a column (codes, channels).

    Grows with the number of distinct values, so callers give it only short lists of
    them, never free text.
    """

    def __init__(self) -> None:
        self._index: dict[str, str] = {}  # value → its ready-made cell

    def cell(self, value: str | None) -> str:
        if value is None or value == "":
            return EMPTY
        ready = self._index.get(value)
        if ready is None:
            ready = self._index[value] = f'<c t="s"><v>{len(self._index)}</v></c>'
        return ready

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{text(v)}</t></si>' for v in self._index)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="{len(self._index)}" '
                f'uniqueCount="{len(self._index)}">{items}</sst>')


class Sheet:
    """One worksheet being written. Rows are strings of ready cells (see `cell`)."""

    def __init__(self, book: Workbook, name: str, widths: list[float], page: PageSetup | None = None) -> None:
        self.book, self.name, self.rows = book, name, 0
        self._stream = book.zip.open(f"xl/worksheets/sheet{len(book.sheets)}.xml", "w", force_zip64=True)
        self._buffer: list[str] = []
        self._merged: list[str] = []
        self._page = page
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        self._stream.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
                            + (page.properties() if page else "")
                            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>").encode())

    @property
    def room(self) -> int:
        return MAX_ROWS - self.rows

    def row(self, values: list | tuple, style: int = 0) -> None:
        self.cells("".join(cell(v, style) for v in values))

    def cells(self, ready: str) -> None:
        """A row of ready-made cells (the fast path of the responses sheet)."""
        if self.rows >= MAX_ROWS:
            raise ValueError(f"sheet {self.name!r} is full ({MAX_ROWS} rows)")
        self.rows += 1
        self._buffer.append(f'<row r="{self.rows}">{ready}</row>')
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a block of cells, rows and columns counted from 0 (row 0 is the first row)."""
        self._merged.append(f"{column_letters(first_column)}{first_row + 1}:"
                            f"{column_letters(last_column)}{last_row + 1}")

    def flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode())
            self._buffer.clear()

    def close(self) -> None:
        self.flush()
        # After sheetData, in the order the schema fixes: merged cells, then the page.
        merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in self._merged)
        tail = (f'<mergeCells count="{len(self._merged)}">{merged}</mergeCells>' if merged else "")
        tail += self._page.xml() if self._page else ""
        self._stream.write(f"</sheetData>{tail}</worksheet>".encode())
        self._stream.close()


class Workbook:
    """`with Workbook(file) as book: sheet = book.sheet("Tổng hợp"); sheet.row([...]); sheet.close()`."""

    def __init__(self, target) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[str] = []
        self.shared = SharedStrings()
        self._open: Sheet | None = None

    def sheet(self, name: str, widths: list[float] | None = None, page: PageSetup | None = None) -> Sheet:
        if self._open is not None:
            self._open.close()
        name = _SHEET_NAME_BAD.sub("-", name)[:31]
        if name in self.sheets:
            raise ValueError(f"two sheets named {name!r}")
        self.sheets.append(name)
        self._open = Sheet(self, name, widths or [], page)
        return self._open

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None
        n = len(self.sheets)
        sheets = "".join(f'<sheet name="{text(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, name in enumerate(self.sheets, 1))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self.zip.writestr("[Content_Types].xml", head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{overrides}</Types>"))
        self.zip.writestr("_rels/.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("xl/workbook.xml", head + (
            f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", head + (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>"))
        self.zip.writestr("xl/styles.xml", head + _STYLES)
        self.zip.writestr("xl/sharedStrings.xml", self.shared.xml())
        self.zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, *_rest) -> None:
        if kind is None:
            self.close()
        else:  # an unfinished book: closed as it is, for the caller to delete
            if self._open is not None:
                self._open._stream.close()
            self.zip.close()


def _xf(font: int = 0, border: int = 0, number_format: int = 0, align: str = "") -> str:
    """One cell format: font 0 plain, 1 bold, 2 italic; border 0 none, 1 thin box."""
    applied = (' applyFont="1"' if font else "") + (' applyBorder="1"' if border else "") \
        + (' applyNumberFormat="1"' if number_format else "") + (' applyAlignment="1"' if align else "")
    inner = f"<alignment {align}/>" if align else ""
    return (f'<xf numFmtId="{number_format}" fontId="{font}" fillId="0" borderId="{border}" xfId="0"{applied}>'
            f"{inner}</xf>")


_CENTRED = 'horizontal="center" vertical="center" wrapText="1"'
# In the order of `Style`.
_CELL_FORMATS = (
    _xf(), _xf(font=1), _xf(number_format=164), _xf(number_format=165),
    _xf(font=1, align=_CENTRED), _xf(align=_CENTRED), _xf(font=2), _xf(font=2, align='horizontal="right"'),
    _xf(font=1, border=1, align=_CENTRED), _xf(border=1, align='vertical="center" wrapText="1"'),
    _xf(font=1, border=1, align='vertical="center"'), _xf(font=2, align=_CENTRED),
)
_FONT = '<sz val="11"/><name val="Calibri"/>'
_THIN = '<{0} style="thin"><color auto="1"/></{0}>'
_STYLES = (
    f'<styleSheet {_NS}>'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts>'
    f'<fonts count="3"><font>{_FONT}</font><font><b/>{_FONT}</font><font><i/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f'<border>{"".join(_THIN.format(side) for side in ("left", "right", "top", "bottom"))}<diagonal/></border>'
    '</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{len(_CELL_FORMATS)}">{"".join(_CELL_FORMATS)}</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

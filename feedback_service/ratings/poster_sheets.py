"""Printable sheets as PDF: every counter poster of a subtree, and dossier QR labels.

Drawn with ReportLab, a PDF library kept since 2000, not through a browser: 1,000
posters take a few seconds in one process, where printing the poster page through
Chromium costs a browser per worker and about a second a page. The poster says what
the counter poster page says (`citizen/posters.py`, `templates/citizen/poster.html`),
in the same catalogue entries; what every page shares (the call, the instructions,
the conduct code) is drawn once as a PDF form and placed on each page, so a page adds
only its names, its QR and its address.

The QR is the same code as the poster page's (`qr.qr_matrix`), drawn as vector
squares: it prints sharp at any size. The Vietnamese text needs a font with its
diacritics: DejaVu (Debian `fonts-dejavu-core`), looked up in POSTER_FONT_DIR.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..i18n import pick
from .instrument import current_instrument
from .qr import qr_matrix

LAYOUTS = ("1up", "4up")
# A sheet of labels for a receipt printer's neighbour, the office laser: 3 × 8 on A4,
# each 70 × 37 mm, the size of the common adhesive label sheets.
LABEL_COLUMNS, LABEL_ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = 70 * mm, 37 * mm

RED, BLUE, GREY, GREEN, RULE = (HexColor(c) for c in ("#a3121f", "#0b5cad", "#4f5b6b", "#0b7a3b", "#9aa4b2"))
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 12 * mm
QR_SIDE = 114 * mm
QR_BOTTOM = PAGE_HEIGHT - 185 * mm

FONT, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
_FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}


class FontMissing(RuntimeError):
    """The Vietnamese-capable font is not installed where POSTER_FONT_DIR says."""


@dataclass(frozen=True)
class PosterFace:
    """What one poster shows beside the shared instructions."""

    parent_name: str | None
    unit_name: str
    counter_name: str
    counter_code: str
    qr_version: int
    url: str


@dataclass(frozen=True)
class LabelFace:
    """One dossier label: its receipt code and the address its QR carries."""

    code: str
    url: str


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(current_app.config["POSTER_FONT_DIR"])
    for name, filename in _FONT_FILES.items():
        path = folder / filename
        if not path.is_file():
            raise FontMissing(f"{path} is missing: install Debian's fonts-dejavu-core or set POSTER_FONT_DIR")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _style(size: float, *, color=None, bold: bool = False, center: bool = False, leading: float = 1.3):
    return ParagraphStyle("sheet", fontName=BOLD if bold else FONT, fontSize=size, leading=size * leading,
                          textColor=color or HexColor("#1b1b1b"), alignment=TA_CENTER if center else 0)


def _paragraph(canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float) -> float:
    """Draw `text` (ReportLab's small markup: <b>) from `top` down; returns its height."""
    paragraph = Paragraph(text, style)
    _width, height = paragraph.wrap(width, PAGE_HEIGHT)
    paragraph.drawOn(canvas, x, top - height)
    return height


def _fitted_lines(text: str, font: str, size: float, width: float, min_size: float, max_lines: int):
    """The text's lines at the largest size from `size` down to `min_size` that needs at most
    `max_lines` lines (a long unit name shrinks before it overflows the band)."""
    while True:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= max_lines or size <= min_size:
            return lines[:max_lines], size
        size -= 1


def _centred_lines(canvas: Canvas, lines: Sequence[str], font: str, size: float, top: float) -> float:
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size * 1.15
        canvas.drawCentredString(PAGE_WIDTH / 2, y, line)
    return top - y


def _draw_qr(canvas: Canvas, matrix: Sequence[Sequence[bool]], x: float, y: float, side: float) -> None:
    """The code's dark modules, a run of them in a row as one rectangle, on white."""
    module = side / len(matrix)
    canvas.setFillColor(white)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + side - (row_index + 1) * module
        start = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(x + start * module, top, (column - start) * module, module)
                start = None
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def conduct_items() -> list[tuple[str, str]]:
    """The conduct code of the questionnaire as (short name, explanation).

    Labels read "Biết chào — chào hỏi khi tiếp đón"; a province's own code may
    have no explanation part, then the whole label is the name.
    """
    items: list[tuple[str, str]] = []
    for item in current_instrument()["conduct"]["items"]:
        name, _dash, explanation = pick(item["label"]).partition(" — ")
        items.append((name.strip(), explanation.strip()))
    return items


def conduct_title(items: list[tuple[str, str]]) -> str:
    # "6 biết" names itself by counting its items; another code gets a neutral title.
    if items and all(name.lower().startswith("biết ") for name, _explanation in items):
        return _("Cán bộ thực hiện “%(count)s biết”", count=len(items))
    return _("Cán bộ một cửa cam kết")


def _shared_form(canvas: Canvas) -> str:
    """Draw once what every poster shows, whatever its counter: a PDF form named "poster"."""
    canvas.beginForm("poster")
    top = PAGE_HEIGHT - 50 * mm
    top -= _paragraph(canvas, _("Quét mã QR để đánh giá sự phục vụ"), _style(24, color=BLUE, bold=True, center=True),
                      MARGIN, top, PAGE_WIDTH - 2 * MARGIN)
    promise = f"{_('Chưa đến 30 giây')} · {_('Ẩn danh, không cần ghi tên')}"
    _paragraph(canvas, promise, _style(13, color=GREY, bold=True, center=True), MARGIN, top - 1.5 * mm,
               PAGE_WIDTH - 2 * MARGIN)
    canvas.setStrokeColor(BLUE)
    canvas.setLineWidth(0.8 * mm)
    canvas.roundRect((PAGE_WIDTH - QR_SIDE) / 2 - 1 * mm, QR_BOTTOM - 1 * mm, QR_SIDE + 2 * mm, QR_SIDE + 2 * mm,
                     4 * mm, stroke=1, fill=0)
    _shared_columns(canvas, QR_BOTTOM - 6 * mm)
    # The foot: its dashed rule and the lines around the address.
    foot = 38 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.3 * mm)
    canvas.setDash(2, 2)
    canvas.line(MARGIN, foot, PAGE_WIDTH - MARGIN, foot)
    canvas.setDash()
    canvas.setFillColorRGB(0.106, 0.106, 0.106)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(PAGE_WIDTH / 2, foot - 6 * mm, _("Không quét được mã? Mở trình duyệt và nhập địa chỉ:"))
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(PAGE_WIDTH / 2, 16 * mm, _("Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn. Xin cảm ơn!"))
    canvas.endForm()
    return "poster"


def _shared_columns(canvas: Canvas, top: float) -> None:
    """The two boxes under the QR: how to rate, and the officers' conduct code."""
    gap = 6 * mm
    inner = PAGE_WIDTH - 2 * MARGIN - gap
    widths = (inner * 1.15 / 2.15, inner / 2.15)
    heading, body = _style(13, color=RED, bold=True), _style(10.5, leading=1.35)
    faces = " · ".join(pick(level["label"]) for level in current_instrument()["scale"])
    steps = [
        _("Mở <b>camera</b> điện thoại hoặc <b>Zalo</b> (Quét mã QR)."),
        _("Hướng vào mã QR, chạm vào đường link hiện ra."),
        f"{_('Chọn khuôn mặt đúng với cảm nhận của Ông/Bà:')} <font color='#4f5b6b' size='8.5'>{faces}</font>",
        _("Bấm <b>Gửi đánh giá</b>."),
    ]
    items = conduct_items()
    conduct = [f"<font color='#0b7a3b'><b>✓</b></font> <b>{name}</b>"
               + (f"<font color='#4f5b6b'> — {explanation}</font>" if explanation else "")
               for name, explanation in items]
    boxes = ((_("Cách đánh giá"), [f"{number}. {step}" for number, step in enumerate(steps, 1)]),
             (conduct_title(items), conduct))
    bottom = 44 * mm
    x = MARGIN
    for (title, lines), width in zip(boxes, widths):
        canvas.setStrokeColor(HexColor("#d9dee5"))
        canvas.setLineWidth(0.3 * mm)
        canvas.roundRect(x, bottom, width, top - bottom, 3 * mm, stroke=1, fill=0)
        y = top - 3.5 * mm
        y -= _paragraph(canvas, title, heading, x + 4.5 * mm, y, width - 9 * mm) + 1.5 * mm
        for line in lines:
            y -= _paragraph(canvas, line, body, x + 4.5 * mm, y, width - 9 * mm) + 1 * mm
        x += width + gap


def _draw_poster(canvas: Canvas, face: PosterFace) -> None:
    """One poster on the A4 coordinates of the current transform."""
    canvas.doForm("poster")
    band_top, band_height = PAGE_HEIGHT - 10 * mm, 36 * mm
    canvas.setFillColor(RED)
    canvas.roundRect(MARGIN, band_top - band_height, PAGE_WIDTH - 2 * MARGIN, band_height, 4 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    inner = PAGE_WIDTH - 2 * MARGIN - 14 * mm
    y = band_top - 4 * mm
    if face.parent_name:
        lines, size = _fitted_lines(face.parent_name.upper(), FONT, 11, inner, 8, 1)
        y -= _centred_lines(canvas, lines, FONT, size, y)
    lines, size = _fitted_lines(face.unit_name, BOLD, 22, inner, 14, 1 if face.parent_name else 2)
    y -= _centred_lines(canvas, lines, BOLD, size, y) + 2 * mm
    lines, size = _fitted_lines(face.counter_name, BOLD, 15, inner - 12 * mm, 10, 1)
    pill = pdfmetrics.stringWidth(lines[0], BOLD, size) + 12 * mm
    canvas.setStrokeColor(white)
    canvas.setLineWidth(0.5 * mm)
    canvas.roundRect((PAGE_WIDTH - pill) / 2, y - size * 1.5, pill, size * 1.5, size * 0.75, stroke=1, fill=0)
    canvas.setFont(BOLD, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y - size * 1.1, lines[0])

    _draw_qr(canvas, qr_matrix(face.url), (PAGE_WIDTH - QR_SIDE) / 2, QR_BOTTOM, QR_SIDE)

    canvas.setFillColorRGB(0.106, 0.106, 0.106)
    lines, size = _fitted_lines(face.url, MONO, 11, PAGE_WIDTH - 2 * MARGIN, 7, 2)
    _centred_lines(canvas, lines, MONO, size, 38 * mm - 7.5 * mm)
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(PAGE_WIDTH / 2, 11.5 * mm, _("Quầy %(code)s · phiên bản mã QR %(version)s",
                                                           code=face.counter_code, version=face.qr_version))


def write_posters(target: BinaryIO, faces: Iterable[PosterFace], layout: str = "1up",
                  progress: Callable[[int], None] | None = None, title: str = "") -> int:
    """Write the posters as one PDF to `target`: one A4 page each, or four to a page (A6
    each, for a counter's side or a leaflet) with `layout="4up"`. `progress(done)` is told
    every 50 posters. Returns how many posters were drawn."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown poster layout {layout!r}: one of {', '.join(LAYOUTS)}")
    _register_fonts()
    canvas = Canvas(target, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(title or _("Mã QR đánh giá"))
    _shared_form(canvas)
    per_page = 4 if layout == "4up" else 1
    drawn = 0
    for face in faces:
        slot = drawn % per_page
        if drawn and slot == 0:
            canvas.showPage()
        canvas.saveState()
        if per_page == 4:
            # Reading order: top left, top right, bottom left, bottom right.
            canvas.translate((slot % 2) * PAGE_WIDTH / 2, (1 - slot // 2) * PAGE_HEIGHT / 2)
            canvas.scale(0.5, 0.5)
        _draw_poster(canvas, face)
        canvas.restoreState()
        drawn += 1
        if progress is not None and drawn % 50 == 0:
            progress(drawn)
    canvas.showPage()
    canvas.save()
    return drawn


def write_labels(target: BinaryIO, faces: Sequence[LabelFace], unit_name: str) -> int:
    """Write dossier QR labels, LABEL_COLUMNS × LABEL_ROWS to an A4 page, as one PDF: each
    the dossier's QR, its receipt code and a line telling the citizen what it is for."""
    _register_fonts()
    canvas = Canvas(target, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(_("Nhãn mã QR đánh giá hồ sơ"))
    left = (PAGE_WIDTH - LABEL_COLUMNS * LABEL_WIDTH) / 2
    top = (PAGE_HEIGHT + LABEL_ROWS * LABEL_HEIGHT) / 2
    per_page = LABEL_COLUMNS * LABEL_ROWS
    side = LABEL_HEIGHT - 6 * mm
    for index, face in enumerate(faces):
        slot = index % per_page
        if index and slot == 0:
            canvas.showPage()
        x = left + (slot % LABEL_COLUMNS) * LABEL_WIDTH
        y = top - (slot // LABEL_COLUMNS + 1) * LABEL_HEIGHT
        _draw_qr(canvas, qr_matrix(face.url), x + 2 * mm, y + 3 * mm, side)
        text_x, text_width = x + side + 4 * mm, LABEL_WIDTH - side - 6 * mm
        line = y + LABEL_HEIGHT - 7 * mm
        canvas.setFillColorRGB(0, 0, 0)
        # A receipt code has no spaces to break at: it shrinks to fit its one line.
        size = 10.0
        while size > 5 and pdfmetrics.stringWidth(face.code, BOLD, size) > text_width:
            size -= 0.5
        canvas.setFont(BOLD, size)
        canvas.drawString(text_x, line, face.code)
        line -= size * 1.2
        canvas.setFillColor(GREY)
        canvas.setFont(FONT, 7)
        for text in (_("Quét mã QR để đánh giá hồ sơ"), unit_name):
            for text_line in simpleSplit(text, FONT, 7, text_width)[:3]:
                line -= 8.5
                canvas.drawString(text_x, line, text_line)
    canvas.showPage()
    canvas.save()
    return len(faces)

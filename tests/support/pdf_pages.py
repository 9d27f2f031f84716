"""PDF pages as images for the QR reader: poppler's `pdftoppm` (Debian `poppler-utils`),
installed if missing, an independent renderer of the PDFs the service draws."""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from debian import ensure
from PIL import Image
from qr_reader import decode

# Enough pixels for a 31 mm label QR to have modules of several pixels.
DPI = 200


def find_or_install_pdftoppm() -> str:
    return ensure(lambda: shutil.which("pdftoppm"), ["poppler-utils"], "pdftoppm (to draw PDF pages)")


def pages(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    """Every page of the PDF, drawn by pdftoppm."""
    binary = find_or_install_pdftoppm()
    with tempfile.TemporaryDirectory(prefix="sipas-pdf-") as folder:
        source = Path(folder) / "sheet.pdf"
        source.write_bytes(pdf)
        done = subprocess.run([binary, "-r", str(dpi), "-png", str(source), str(Path(folder) / "page")],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"pdftoppm failed ({done.returncode}): {done.stderr.strip()}")
        return [Image.open(path).copy() for path in sorted(Path(folder).glob("page-*.png"))]


def codes_in_cells(page: Image.Image, columns: int, rows: int, box: tuple[float, float, float, float] = (0, 0, 1, 1)):
    """The QR payloads read in each cell of a columns × rows grid over `box` (left, top,
    right, bottom as fractions of the page), in reading order: one list per cell."""
    left, top, right, bottom = (int(edge * size) for edge, size in zip(box, page.size * 2))
    width, height = (right - left) / columns, (bottom - top) / rows
    found = []
    for row in range(rows):
        for column in range(columns):
            cell = page.crop((int(left + column * width), int(top + row * height),
                              int(left + (column + 1) * width), int(top + (row + 1) * height)))
            out = io.BytesIO()
            cell.save(out, format="PNG")
            found.append(decode(out.getvalue(), ".png"))
    return found

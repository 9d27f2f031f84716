"""A real QR reader for the suite: Debian's `zbarimg`, installed if missing.

Decoding our images with an independent reader is the test that matters: a
phone sees what zbar sees, not what our own library believes it drew.

zbarimg only reads raster images itself. Given an SVG it hands it to
ImageMagick, whose SVG coder Debian ships in a package that is not installed
with zbar-tools (`libmagickcore-6.q16-6-extra`, a pile of graphviz, OpenEXR and
DjVu libraries) and otherwise falls back to an external delegate, failing with
"unable to open image" when that is missing. So the harness rasterises SVG
itself with librsvg's `rsvg-convert` (one small package; the SVG renderer of
the Linux desktop, independent of our own drawing library) and gives
zbarimg a PNG: one explicit path, and a missing piece is named by its package.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from debian import ensure

# Our SVGs are sized in millimetres (~40 mm at 96 dpi is ~150 px); drawing them
# four times larger gives zbar modules of several pixels, as a phone camera sees.
SVG_ZOOM = 4


def find_or_install_zbarimg() -> str:
    return ensure(lambda: shutil.which("zbarimg"), ["zbar-tools"], "zbarimg")


def find_or_install_rsvg_convert() -> str:
    return ensure(lambda: shutil.which("rsvg-convert"), ["librsvg2-bin"], "rsvg-convert (to rasterise SVG)")


def decode(image: bytes, suffix: str) -> list[str]:
    """Every QR payload zbarimg finds in the image (`suffix` names its format: ".png", ".svg")."""
    if suffix not in (".png", ".svg"):
        raise ValueError(f"the QR reader takes .png or .svg, not {suffix!r}")
    rasteriser = find_or_install_rsvg_convert() if suffix == ".svg" else None
    binary = find_or_install_zbarimg()
    with tempfile.TemporaryDirectory(prefix="sipas-qr-") as folder:
        path = Path(folder) / f"code{suffix}"
        path.write_bytes(image)
        if rasteriser:
            png = path.with_suffix(".png")
            # A white background: zbar needs the light quiet zone, not transparency.
            drawn = subprocess.run([rasteriser, "--zoom", str(SVG_ZOOM), "--background-color", "white",
                                    "--format", "png", "--output", str(png), str(path)],
                                   capture_output=True, text=True, timeout=60)
            if drawn.returncode != 0:
                raise RuntimeError(f"rsvg-convert could not draw the SVG ({drawn.returncode}): {drawn.stderr.strip()}")
            path = png
        # Exit status 4 means "no code found": an answer, not a failure of the tool.
        done = subprocess.run([binary, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, 4):
        raise RuntimeError(f"zbarimg failed ({done.returncode}): {done.stderr.strip()}")
    return [line for line in done.stdout.splitlines() if line]

"""A real QR reader for the suite: Debian's `zbarimg`, installed if missing.

Decoding our images with an independent reader is the test that matters: a
phone sees what zbar sees, not what our own library believes it drew.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from debian import ensure


def find_or_install_zbarimg() -> str:
    return ensure(lambda: shutil.which("zbarimg"), ["zbar-tools"], "zbarimg")


def decode(image: bytes, suffix: str) -> list[str]:
    """Every QR payload zbarimg finds in the image (`suffix` names its format: ".png", ".svg")."""
    binary = find_or_install_zbarimg()
    with tempfile.TemporaryDirectory(prefix="sipas-qr-") as folder:
        path = Path(folder) / f"code{suffix}"
        path.write_bytes(image)
        # Exit status 4 means "no code found": an answer, not a failure of the tool.
        done = subprocess.run([binary, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, 4):
        raise RuntimeError(f"zbarimg failed ({done.returncode}): {done.stderr.strip()}")
    return [line for line in done.stdout.splitlines() if line]

"""A real QR reader for the suite: Debian's `zbarimg`, installed if missing.

Decoding our images with an independent reader is the test that matters: a
phone sees what zbar sees, not what our own library believes it drew.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def find_or_install_zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "zbar-tools"], check=True, env=env)
        path = shutil.which("zbarimg")
        if path:
            return path
    raise RuntimeError("zbarimg is not installed and could not be installed (need root and apt-get)")


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

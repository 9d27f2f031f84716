"""Install the Debian packages a test tier needs, once, when they are missing.

The suite starts real programs (redis-server, PostgreSQL, zbarimg, Chromium);
on a fresh machine it installs them itself, so `make test` needs nothing by hand.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable


def ensure(find: Callable[[], str | None], packages: list[str], what: str) -> str:
    """`find()`'s answer, after installing `packages` with apt-get if it had none."""
    found = find()
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env,
                       stdin=subprocess.DEVNULL)
        found = find()
        if found:
            return found
    raise RuntimeError(f"{what} is missing and could not be installed "
                       f"(needs root and apt-get: apt-get install {' '.join(packages)})")

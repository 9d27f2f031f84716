"""The app served over real HTTP for the browser tier."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def served(app: Flask, name: str = "live-site") -> Iterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields its base URL.

    Threaded like a real server: Chromium fetches the stylesheet while the page is still open.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()

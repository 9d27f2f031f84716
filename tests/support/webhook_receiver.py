"""A real HTTP receiver on 127.0.0.1, in a thread, that webhooks are sent to.

Programmable: fail the first N requests with a status, or answer them too late
(a timeout for the sender). Records every request it was sent.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int  # the status sent back (0: answered too late, after the sender gave up)


@dataclass
class WebhookReceiver:
    fail_first: int = 0
    fail_status: int = 500
    slow_first: int = 0  # answer this many requests only after `slow_seconds`
    slow_seconds: float = 2.0
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    n = len(receiver.requests)
                    slow = n < receiver.slow_first
                    status = receiver.fail_status if n < receiver.fail_first else 204
                    receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body, 0 if slow else status))
                if slow:
                    time.sleep(receiver.slow_seconds)
                try:
                    self.send_response(500 if slow else status)
                    self.end_headers()
                except OSError:
                    pass  # the sender hung up first: that was the point

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/sipas"

    @property
    def accepted(self) -> list[Received]:
        """Requests answered with a 2xx: what the receiving system actually took in."""
        return [r for r in self.requests if 200 <= r.answered < 300]

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

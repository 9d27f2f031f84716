"""Two requests at the same instant, as two web workers would serve them: for the races
a background file's request key and its requester's limit must survive."""
from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace


def at_once(*requests):
    """Run the requests in threads of their own (each request opens its own app context and
    database session, as two web workers would); their answers in order."""
    with ThreadPoolExecutor(len(requests)) as pool:
        return [future.result(timeout=60) for future in [pool.submit(request) for request in requests]]


def hold_both_at_the_new_id(monkeypatch, module) -> None:
    """Hold each of two requests where `module` draws a new file's id (after it looked for one
    to reuse), until the other is there too: then both record a new file at the same moment."""
    barrier = threading.Barrier(2, timeout=20)

    def token_hex(size: int) -> str:
        barrier.wait()
        return secrets.token_hex(size)

    monkeypatch.setattr(module, "secrets", SimpleNamespace(token_hex=token_hex))

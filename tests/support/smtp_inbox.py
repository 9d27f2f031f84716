"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the e-mail tests."""
from __future__ import annotations

import asyncio
import email
import email.policy
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from redis_server import free_port


class Inbox:
    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.Message] = []
        self.delay = delay  # a busy relay: two senders of one mail would both be inside the send

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # headers decoded
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def recipients(self) -> list[str]:
        """Every envelope recipient of every message, repeats kept (sorted)."""
        return sorted(to for m in self.messages for to in m["X-Envelope-To"].split(", "))

    def wait_for(self, count: int, seconds: float = 5) -> None:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@contextmanager
def smtp_server(delay: float = 0.0):
    """(port, inbox) of a running server, stopped afterwards."""
    inbox = Inbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()

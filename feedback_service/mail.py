"""Sending e-mail: the one SMTP conversation the service has, and the plain message it sends.

Complaint notices (`cases/notices.py`) and period-report mail (`reports/schedule.py`)
compose their own subject and body; both build the message here (so every mail has the
same From) and send it here. Without SMTP_HOST nothing is sent, and each caller says so
in its own way. Sending raises on any SMTP error: the callers claim a mail before
sending it and release the claim when `send` raises, so a retry sends it once.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

SMTP_TIMEOUT_SECONDS = 10


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def plain_message(subject: str, body: str, to: list[str]) -> EmailMessage:
    """A plain-text message from MAIL_FROM to every address in `to`."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = ", ".join(to)
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)

"""What the API answers when a file is built in the background (report exports, poster
PDFs): who asked, `202` with where to poll, and `429` to a caller at its limit."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..errors import api_error_response
from ..people.api_clients import client_for_key

# When a caller at its limit may ask again: a large file takes tens of seconds to build.
RETRY_AFTER_SECONDS = 30
# How soon a poll of a queued file is worth it.
POLL_AFTER_SECONDS = 2


def requester() -> dict:
    """The requester a file is counted against: the API key's client, else the dashboard user."""
    header = request.headers.get("Authorization", "")
    if header:
        client = client_for_key(header.partition(" ")[2].strip())
        return {"client_id": client.id if client else None}
    return {"user_id": current_user.id if current_user.is_authenticated else None}


def queued(state: dict, location: str):
    """A file being built in the background: `202`, its state, `Location` to poll."""
    response = jsonify(state)
    response.status_code = 202
    response.headers["Location"] = location
    response.headers["Retry-After"] = str(POLL_AFTER_SECONDS)
    return response


def too_many(message: str, code: str):
    """A caller with as many files of this kind queued or running as it may: `429`, and when to ask again."""
    response, status = api_error_response(429, message, code=code)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status

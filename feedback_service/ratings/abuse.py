"""Abuse baseline: rate limits, a honeypot and a per-browser cool-down.

None of these identify a citizen: limits key on the address only inside Redis
(expiring counters), the cool-down lives in the citizen's own signed cookie,
and flagged ratings are kept for the record but left out of every index.
"""
from __future__ import annotations

import time

from flask import current_app, request, session

from .tokens import TokenInvalid, counter_id_from_token

HONEYPOT_FIELD = "website"
_COOLDOWN_KEY = "cd"
# A browser rating more counters than this is pruned oldest-first: the cookie stays small.
_COOLDOWN_MAX_ENTRIES = 20


def limit_per_ip() -> str:
    return current_app.config["RATELIMIT_PER_IP"]


def limit_per_counter() -> str:
    return current_app.config["RATELIMIT_PER_COUNTER"]


def client_address() -> str:
    return request.remote_addr or "unknown"


def counter_key() -> str:
    """The rate-limit key for the counter a request rates; forged tokens share one key."""
    token = request.view_args.get("token") if request.view_args else None
    if token is None:
        body = request.get_json(silent=True)
        token = body.get("token") if isinstance(body, dict) else None
    try:
        return f"counter:{counter_id_from_token(token)}" if isinstance(token, str) else "counter:none"
    except TokenInvalid:
        return "counter:invalid"


def cooldown_flag(counter_id: int) -> str | None:
    """'cooldown' if this browser rated this counter within the cool-down, and
    restart its clock either way (a browser that keeps submitting stays flagged)."""
    seconds = current_app.config["ABUSE_COOLDOWN_SECONDS"]
    if seconds <= 0:
        return None
    now = int(time.time())
    seen = {k: v for k, v in dict(session.get(_COOLDOWN_KEY, {})).items()
            if isinstance(v, int) and now - v < seconds}
    flag = "cooldown" if str(counter_id) in seen else None
    seen[str(counter_id)] = now
    newest = sorted(seen.items(), key=lambda kv: kv[1])[-_COOLDOWN_MAX_ENTRIES:]
    session[_COOLDOWN_KEY] = dict(newest)
    session.permanent = True
    return flag

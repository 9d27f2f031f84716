"""Abuse baseline: rate limits, allowances, a honeypot and a per-browser cool-down.

None of these identify a citizen: limits and allowances key on the address only
inside Redis (expiring counters), the cool-down lives in the citizen's own signed
cookie, and flagged ratings are kept for the record but left out of every index.
"""
from __future__ import annotations

import ipaddress
import logging
import time

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many

from ..extensions import limiter
# Flag reasons: every flagged rating is stored and thanked, and left out of every figure.
# Their home is models/ratings.py; the pages take HONEYPOT from here with HONEYPOT_FIELD.
from ..models.ratings import COOLDOWN, HONEYPOT, OVER_ALLOWANCE, OVER_OWN_ALLOWANCE

HONEYPOT_FIELD = "website"
# An IPv6 host holds a whole /64 (SLAAC privacy addresses change every few hours, and
# any host can take more): the /64 is the one client, as a NAT's one IPv4 address is.
IPV6_CLIENT_PREFIX = 64
# The cool-down's own cookie: not the Flask session, which carries a dashboard login
# (making that session permanent to keep a cool-down would turn a login into a 31-day cookie).
COOLDOWN_COOKIE = "sipas_cooldown"
_COOLDOWN_SALT = "sipas-cooldown"
# A browser rating more counters than this is pruned oldest-first: the cookie stays small.
_COOLDOWN_MAX_ENTRIES = 20
# Devices citizens share one after another: the "same browser" there is the next citizen,
# never a repeat. A kiosk says so with `?channel=kiosk` (API and form alike).
SHARED_DEVICE_CHANNELS = frozenset({"kiosk"})

log = logging.getLogger(__name__)


def limit_per_ip() -> str:
    return current_app.config["RATELIMIT_PER_IP"]


def client_address() -> str:
    return request.remote_addr or "unknown"


def client_network() -> str:
    """The client a rating's allowance is counted for: its IPv4 address, or its IPv6 /64."""
    address = client_address()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))


def counter_allowance_flag(counter_id: int) -> str | None:
    """The flag the allowances at this counter give a rating, counting it either way:
    'over_own_allowance' above its client's own allowance (RATELIMIT_PER_CLIENT),
    else 'over_allowance' above the counter's ceiling (RATELIMIT_PER_COUNTER), else None.

    Call it only for a well-formed rating about to be stored unflagged: refused posts,
    honeypot bots and cool-down repeats never use up an allowance, so junk cannot
    silence the citizens at a counter. A rating over its client's allowance is not
    counted against the counter's ceiling either: one client's flood flags that client
    and leaves the counter's room to everyone else; the ceiling is the last resort
    against a flood from many clients. Above an allowance a rating is kept but left out
    of the figures, never refused: the counter's token is public, and someone else's
    flood must not cost a citizen their voice. A Redis outage fails open (the limiter's
    in-memory fallback, or no flag at all).
    """
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return None
    client = client_network()
    try:
        if not _within(config["RATELIMIT_PER_CLIENT"], "client-allowance", str(counter_id), client):
            return OVER_OWN_ALLOWANCE
        if not _within(config["RATELIMIT_PER_COUNTER"], "counter-allowance", str(counter_id)):
            return OVER_ALLOWANCE
    except Exception as exc:  # the storage's own errors vary with its backend
        log.warning("counter allowance not checked, rate-limit storage unavailable: %s", exc)
        return None
    return None


def _within(allowance: str, *key: str) -> bool:
    """Count one rating in every window of `allowance` under `key`; False if any is past full."""
    strategy = limiter.limiter
    # Every window is counted, even past one that is already full.
    return all([strategy.hit(item, *key) for item in parse_many(allowance)])


def cooldown_flag(counter_id: int, channel: str) -> str | None:
    """'cooldown' if this browser rated this counter within the cool-down, and
    restart its clock either way (a browser that keeps submitting stays flagged).
    A shared device (a kiosk) has no cool-down at all."""
    seconds = current_app.config["ABUSE_COOLDOWN_SECONDS"]
    if seconds <= 0 or channel in SHARED_DEVICE_CHANNELS:
        return None
    now = int(time.time())
    seen = {k: v for k, v in _read_cooldown().items()
            if isinstance(k, str) and isinstance(v, int) and now - v < seconds}
    flag = COOLDOWN if str(counter_id) in seen else None
    seen[str(counter_id)] = now
    newest = dict(sorted(seen.items(), key=lambda kv: kv[1])[-_COOLDOWN_MAX_ENTRIES:])
    value = _serializer().dumps(newest)

    @after_this_request
    def _remember(response):
        response.set_cookie(COOLDOWN_COOKIE, value, max_age=seconds, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response

    return flag


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_COOLDOWN_SALT)


def _read_cooldown() -> dict:
    """The counters this browser rated and when; a garbled or forged cookie is no cookie."""
    raw = request.cookies.get(COOLDOWN_COOKIE)
    if not raw:
        return {}
    try:
        seen = _serializer().loads(raw)
    except BadSignature:
        return {}
    return seen if isinstance(seen, dict) else {}

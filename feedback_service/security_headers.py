"""The security headers every response carries, set in this one place (`init_app`).

- **Content-Security-Policy**: only this site's own scripts, styles, images and form
  targets, no plugins, no `<base>`, and no framing. No page runs or needs inline script,
  so none is allowed; a route that must allow something more (the `/docs` page's one
  inline `<style>`, by its hash) sets its own policy with `content_security_policy()`,
  which this hook then leaves alone.
- **X-Frame-Options: DENY**: `frame-ancestors 'none'` for browsers that predate it
  (clickjacking a login or a management form).
- **Referrer-Policy: same-origin**: citizen URLs carry their token in the path
  (`/q/<token>`, `/d/<token>`), so no other site may see where a visitor came from. Not
  `no-referrer`: over HTTPS, Flask-WTF's CSRF check requires a Referer of this very site
  on every form post (`WTF_CSRF_SSL_STRICT`), so `no-referrer` would refuse every
  dashboard form; `same-origin` sends it to this site only, which knows the token already.
- **X-Content-Type-Options: nosniff**: an uploaded or echoed text is never run as a script
  or style by a browser guessing its type.
- **Strict-Transport-Security**, only when the request came over HTTPS
  (`request.is_secure`, which believes X-Forwarded-Proto only from `TRUSTED_PROXIES`):
  over plain HTTP browsers ignore it, and a development server must stay reachable.
  No `includeSubDomains`: the names under this host are not this service's to bind.
"""
from __future__ import annotations

from flask import Flask, Response, request

# One year: browsers then refuse plain HTTP to this host even on a first typed address.
HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600

DEFAULT_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    # The pages' empty favicon is a `data:` URL (no request for /favicon.ico).
    "img-src": ("'self'", "data:"),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(**overrides: tuple[str, ...]) -> str:
    """The site's policy as a header value, with some directives replaced
    (`style_src=("'self'", "'sha256-…'")` replaces `style-src`)."""
    policy = dict(DEFAULT_POLICY)
    for name, sources in overrides.items():
        policy[name.replace("_", "-")] = tuple(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


_POLICY = content_security_policy()


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _POLICY)
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_SECONDS}")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)

"""Language choice: Vietnamese unless the citizen picked English.

The choice is a `?lang=` link that sets a cookie, so it works without JavaScript.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request

LANG_COOKIE = "lang"


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command or a worker job speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or _form_lang() or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def _form_lang() -> str | None:
    # The error page for an oversized body must not read that body again.
    if request.method != "POST" or (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        return None
    return request.form.get("lang")


def remember_locale(response):
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


def pick(labels: dict | str) -> str:
    """The label in the current language, falling back to Vietnamese."""
    if isinstance(labels, str):
        return labels
    from flask_babel import get_locale

    return labels.get(str(get_locale())) or labels.get("vi") or next(iter(labels.values()), "")

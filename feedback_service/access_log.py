"""gunicorn's access log without personal data: no client address, no QR token.

The README promises that no raw IP address is stored, and a `/q/<token>` or
`/d/<token>` path names a counter or a citizen's dossier. gunicorn writes its
access log before the app sees anything, so the redaction lives in its logger
class (`logger_class` in config/gunicorn.conf.py). Every atom is cleaned, not only
those of the default format, so an operator's own `access_log_format` (with
`%(h)s` or `{x-forwarded-for}i`) cannot bring them back.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

# The citizen pages' tokens, wherever they appear (a path, a raw URI, a referer URL,
# under any mount prefix).
_TOKEN_PATH = re.compile(r"/([qd])/[^/?#\s\"]+")
# Atoms that hold an address whatever the format: gunicorn's `h`, and the
# request headers and environ entries proxies put it in.
_ADDRESS_ATOMS = {"h", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i", "{true-client-ip}i",
                  "{cf-connecting-ip}i", "{remote_addr}e", "{http_x_forwarded_for}e", "{http_x_real_ip}e",
                  "{http_forwarded}e", "{http_true_client_ip}e", "{http_cf_connecting_ip}e"}


def redact_tokens(value: str) -> str:
    return _TOKEN_PATH.sub(r"/\1/<token>", value)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return self.redact_atoms(super().atoms(resp, req, environ, request_time))

    @staticmethod
    def redact_atoms(atoms: dict) -> dict:
        cleaned = {}
        for key, value in atoms.items():
            if key.lower() in _ADDRESS_ATOMS:
                cleaned[key] = "-"
            elif isinstance(value, str):
                cleaned[key] = redact_tokens(value)
            else:
                cleaned[key] = value
        return cleaned

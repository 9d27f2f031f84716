"""`GET /openapi.json` and `GET /docs`: public by design, they describe and reveal no data."""
from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from flask import jsonify, make_response, render_template

from ..security_headers import content_security_policy
from . import api_docs
from .page import inline, operations, schema_docs
from .spec import spec_for

# Clients and proxies may keep the spec a while; it changes only with a deployment.
MAX_AGE_SECONDS = 300


@api_docs.get("/openapi.json")
def openapi_json():
    response = jsonify(spec_for())
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response


@api_docs.get("/docs")
def docs_page():
    spec = spec_for()
    ops = operations(spec)
    tags = [(tag, [op for op in ops if op.tag == tag["name"]]) for tag in spec["tags"]]
    response = make_response(render_template("docs/index.html", spec=spec, intro=inline(spec["info"]["description"]),
                                             tags=tags, schemas=schema_docs(spec)))
    # The page's one inline <style> is allowed by its hash; still no script at all.
    response.headers["Content-Security-Policy"] = content_security_policy(style_src=("'self'", _style_hash()))
    return response


@cache
def _style_hash() -> str:
    """The CSP source for the page's stylesheet (docs/style.html), exactly as it is served."""
    css = re.search(r"<style>(.*?)</style>", render_template("docs/style.html"), re.S).group(1)
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode('utf-8')).digest()).decode()}'"

"""`GET /openapi.json` and `GET /docs`: public by design, they describe and reveal no data."""
from __future__ import annotations

from flask import jsonify, render_template

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
    return render_template("docs/index.html", spec=spec, intro=inline(spec["info"]["description"]),
                           tags=tags, schemas=schema_docs(spec))

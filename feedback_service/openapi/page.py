"""Turning the spec into what the docs page shows: operations, parameters, schemas.

Kept apart from the template so the page stays a plain loop over plain data.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .components import Schema

METHODS = ("get", "post", "put", "patch", "delete")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_EM = re.compile(r"\*([^*]+)\*")


def inline(text: str | None) -> Markup:
    """The little Markdown the descriptions use: `code`, **strong**, *emphasis*, paragraphs."""
    if not text:
        return Markup("")
    paragraphs = []
    for part in text.strip().split("\n\n"):
        html = str(escape(part.replace("\n", " ")))
        html = _CODE.sub(r"<code>\1</code>", html)
        html = _STRONG.sub(r"<strong>\1</strong>", html)
        html = _EM.sub(r"<em>\1</em>", html)
        paragraphs.append(f"<p>{html}</p>")
    return Markup("".join(paragraphs))


def ref_name(schema: Schema) -> str | None:
    target = schema.get("$ref", "")
    return target.rsplit("/", 1)[-1] if target.startswith("#/components/schemas/") else None


def type_label(schema: Schema) -> Markup:
    """A one-line type: a linked component name, `array of X`, `map of X`, an enum, or the JSON types."""
    name = ref_name(schema)
    if name:
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "const" in schema:
        return Markup("<code>{}</code>").format(json.dumps(schema["const"], ensure_ascii=False))
    if "enum" in schema:
        return Markup(" | ").join(Markup("<code>{}</code>").format(json.dumps(v, ensure_ascii=False))
                                  for v in schema["enum"])
    types = schema.get("type", "any")
    types = [types] if isinstance(types, str) else list(types)
    label = " | ".join(types)
    if "array" in types and "items" in schema:
        return Markup("array of ") + type_label(schema["items"])
    if "object" in types and isinstance(schema.get("additionalProperties"), dict):
        return Markup("map of ") + type_label(schema["additionalProperties"])
    if schema.get("format"):
        label += f" ({schema['format']})"
    return Markup(escape(label))


def constraints(schema: Schema) -> str:
    words = []
    if schema.get("format") == "int32":  # "int32" already says the upper bound
        schema = {k: v for k, v in schema.items() if k != "maximum"}
    for key, text in (("minimum", "≥ {}"), ("maximum", "≤ {}"), ("minLength", "length ≥ {}"),
                      ("maxLength", "length ≤ {}"), ("minItems", "≥ {} items"), ("maxItems", "≤ {} items"),
                      ("default", "default {}")):
        if key in schema:
            words.append(text.format(schema[key]))
    return ", ".join(words)


@dataclass
class Row:
    name: str
    type: Markup
    required: bool
    description: Markup
    constraints: str = ""


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: Markup
    auth: str
    tag: str
    parameters: list[Row]
    body_type: Markup | None
    body_example: str | None
    responses: list[dict]


@dataclass
class SchemaDoc:
    name: str
    description: Markup
    rows: list[Row] = field(default_factory=list)
    note: Markup | None = None


def _resolve(spec: Schema, item: Schema) -> Schema:
    """A `#/components/...` reference followed one step (responses, parameters)."""
    target = item.get("$ref")
    if not target:
        return item
    node = spec
    for part in target.lstrip("#/").split("/"):
        node = node[part]
    return node


def operations(spec: Schema) -> list[Operation]:
    result = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            parameters = [
                Row(p["name"] + ("" if p["in"] == "path" else f" ({p['in']})"), type_label(p["schema"]),
                    p.get("required", False), inline(p.get("description")), constraints(p["schema"]))
                for p in op.get("parameters", [])
            ]
            body_type = body_example = None
            if "requestBody" in op:
                media = op["requestBody"]["content"]["application/json"]
                body_type = type_label(media["schema"]) if ref_name(media["schema"]) else Markup(
                    '<a href="#schema-{0}">{0}</a>').format(f"{op['operationId']}Body")
                body_example = json.dumps(media.get("example"), ensure_ascii=False, indent=2)
            responses = []
            for status, response in sorted(op["responses"].items()):
                response = _resolve(spec, response)
                content = response.get("content", {})
                responses.append({
                    "status": status,
                    "description": inline(response.get("description")),
                    "media": [(mt, type_label(c.get("schema", {}))) for mt, c in content.items()],
                })
            result.append(Operation(
                method=method.upper(), path=path, anchor=op["operationId"], summary=op.get("summary", ""),
                description=inline(op.get("description")),
                auth=auth_label(op.get("security")), tag=op["tags"][0],
                parameters=parameters, body_type=body_type, body_example=body_example, responses=responses,
            ))
    return result


def auth_label(security: list | None) -> str:
    """How an operation is authorised, in a few words for its badge."""
    if not security:
        return "public"
    schemes = {name for requirement in security for name in requirement}
    if {} in security:
        return "public; more with an API key or login"
    if "sessionCookie" in schemes:
        return "API key (Bearer) or dashboard login"
    return "API key (Bearer)"


def _rows(schema: Schema, prefix: str = "") -> list[Row]:
    """A row per field, and nested rows (`conduct.greet`, `results[].status`) for inline objects."""
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append(Row(prefix + name, type_label(prop), name in required, inline(prop.get("description")),
                        constraints(prop)))
        if "properties" in prop:
            rows.extend(_rows(prop, f"{prefix}{name}."))
        elif "properties" in prop.get("items", {}):
            rows.extend(_rows(prop["items"], f"{prefix}{name}[]."))
    return rows


def schema_docs(spec: Schema) -> list[SchemaDoc]:
    """Every component schema, plus the inline request bodies (the rating's)."""
    named = dict(spec["components"]["schemas"])
    for item in spec["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if op and "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                if not ref_name(schema):
                    named[f"{op['operationId']}Body"] = schema
    docs = []
    for name, schema in named.items():
        doc = SchemaDoc(name, inline(schema.get("description")), _rows(schema))
        if not doc.rows:
            doc.note = Markup("Type: ") + type_label(schema)
        docs.append(doc)
    return docs

"""The integrity hash of a submitted report, and checking one.

A snapshot is hashed as its RFC 8785 canonical JSON (the JSON Canonicalization Scheme,
JCS: keys sorted by UTF-16 code units, no spaces, numbers as ECMAScript writes them,
UTF-8), written by `rfc8785` (Trail of Bits). Any JCS implementation in any language
gives the same bytes, so anyone can recompute `sha256` without this service. Three
fields stay outside the hash: `sha256` itself, and `status` and `review`, which change
when the province accepts or returns the report without changing what was submitted.

Snapshots stored before JCS (`format` "sipas-period-report/1") were hashed over
Python's `json.dumps(…, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`;
they keep verifying by that form, chosen by their `format`. The two differ for
numbers (JCS writes 100.0 as 100), so a snapshot never changes form.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import rfc8785

OUTSIDE_HASH = ("sha256", "status", "review")
SNAPSHOT_FIELDS = ("unit", "period", "version", "submitted_at", "submitted_by", "sha256")
# The formats hashed as Python's sorted-keys JSON, before RFC 8785.
SORTED_KEYS_FORMATS = frozenset({"sipas-period-report/1"})


def canonical(document: dict) -> str:
    """The text a snapshot is stored and hashed as: by its `format`'s rule."""
    if document.get("format") in SORTED_KEYS_FORMATS:
        return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    try:
        return rfc8785.dumps(document).decode("utf-8")
    except rfc8785.CanonicalizationError as exc:  # NaN, a number beyond JSON's, a key that is not text
        raise ValueError(f"not canonical JSON: {exc}") from None


def hashed_part(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in OUTSIDE_HASH}


def digest(document: dict) -> str:
    return hashlib.sha256(canonical(hashed_part(document)).encode("utf-8")).hexdigest()


def same_digest(first: str, second: str) -> bool:
    """Two hex digests compared in constant time (case aside)."""
    return hmac.compare_digest(first.lower().encode("ascii", "replace"), second.lower().encode("ascii", "replace"))


class NotASnapshot(ValueError):
    """The text is not a report snapshot at all (not JSON, not an object, no sha256…)."""


def load_snapshot(text: str | bytes) -> dict:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotASnapshot(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise NotASnapshot("not a JSON object")
    missing = [name for name in SNAPSHOT_FIELDS if name not in document]
    if missing:
        raise NotASnapshot("not a submitted report snapshot: missing " + ", ".join(missing))
    if not isinstance(document["sha256"], str):
        raise NotASnapshot("sha256 is not text")
    return document


def check(document: dict, actual: str | None = None) -> str | None:
    """None when the snapshot's content hashes to its `sha256`, else what is wrong.
    `actual` is its digest when the caller has computed it already."""
    actual = actual or digest(document)
    if same_digest(actual, document["sha256"]):
        return None
    return f"sha256 mismatch: the file says {document['sha256']}, its content hashes to {actual}"


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def differences(expected: object, actual: object, path: str = "") -> Iterator[tuple[str, object, object]]:
    """(path, expected, actual) for every leaf that differs between two JSON values.
    Numbers compare by value: canonical JSON writes 100.0 as 100."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                yield where, expected[key], None
            elif key not in expected:
                yield where, None, actual[key]
            else:
                yield from differences(expected[key], actual[key], where)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual)):
            yield from differences(left, right, f"{path}[{index}]")
    elif _number(expected) and _number(actual):
        if expected != actual:
            yield path, expected, actual
    elif expected != actual or type(expected) is not type(actual):
        yield path, expected, actual

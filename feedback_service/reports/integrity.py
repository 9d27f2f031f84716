"""The integrity hash of a submitted report, and checking one.

A snapshot is hashed as canonical JSON: keys sorted, no spaces, UTF-8 with non-ASCII
kept (`ensure_ascii=False`), no NaN. Anyone can recompute it with any JSON library
that writes the same form (Python: the `canonical` function below). Three fields stay
outside the hash: `sha256` itself, and `status` and `review`, which change when the
province accepts or returns the report without changing what was submitted.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

OUTSIDE_HASH = ("sha256", "status", "review")
SNAPSHOT_FIELDS = ("unit", "period", "version", "submitted_at", "submitted_by", "sha256")


def canonical(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def hashed_part(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in OUTSIDE_HASH}


def digest(document: dict) -> str:
    return hashlib.sha256(canonical(hashed_part(document)).encode("utf-8")).hexdigest()


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


def check(document: dict) -> str | None:
    """None when the snapshot's content hashes to its `sha256`, else what is wrong."""
    actual = digest(document)
    if actual == document["sha256"].lower():
        return None
    return f"sha256 mismatch: the file says {document['sha256']}, its content hashes to {actual}"


def differences(expected: object, actual: object, path: str = "") -> Iterator[tuple[str, object, object]]:
    """(path, expected, actual) for every leaf that differs between two JSON values."""
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
    elif expected != actual or type(expected) is not type(actual):
        yield path, expected, actual

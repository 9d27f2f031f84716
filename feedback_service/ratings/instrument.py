"""The questionnaire as data: versioned JSON files in `config/instruments/`.

A rating stores the version it answered, so a province can adopt another
conduct code ("4 xin, 4 luôn", "5 biết") without touching code or history.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app

CONDUCT_ANSWERS = ("yes", "no", "unknown")


class InstrumentError(ValueError):
    """An instrument file is missing or malformed."""


@dataclass(frozen=True)
class Instrument:
    version: str
    # Identity is the version: the file of a version never changes once ratings answer it.
    raw: dict = field(compare=False, hash=False)

    @property
    def conduct_keys(self) -> tuple[str, ...]:
        return tuple(item["key"] for item in self.raw["conduct"]["items"])

    @property
    def element_keys(self) -> tuple[str, ...]:
        return tuple(item["key"] for item in self.raw["elements"]["items"])

    @property
    def scale_values(self) -> tuple[int, ...]:
        return tuple(level["value"] for level in self.raw["scale"])

    @property
    def comment_max_length(self) -> int:
        return int(self.raw["comment"]["max_length"])

    def __getitem__(self, key: str):
        return self.raw[key]


@lru_cache(maxsize=16)
def load_instrument(directory: str, version: str) -> Instrument:
    path = Path(directory) / f"{version}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InstrumentError(f"no instrument file {path}") from exc
    except json.JSONDecodeError as exc:
        raise InstrumentError(f"{path}: not valid JSON: {exc}") from exc
    for section in ("overall", "scale", "conduct", "elements", "comment", "contact"):
        if section not in raw:
            raise InstrumentError(f"{path}: missing section '{section}'")
    if raw.get("version") != version:
        raise InstrumentError(f"{path}: declares version {raw.get('version')!r}, expected {version!r}")
    instrument = Instrument(version=version, raw=raw)
    if instrument.scale_values != (1, 2, 3, 4, 5):
        raise InstrumentError(f"{path}: the SIPAS scale has exactly the levels 1..5")
    return instrument


def current_instrument() -> Instrument:
    return load_instrument(current_app.config["INSTRUMENT_DIR"], current_app.config["INSTRUMENT_VERSION"])

"""The suite's own harness: on a machine that lacks a program, it says which Debian
package to install instead of failing somewhere deep inside another tool."""
from __future__ import annotations

import os
import shutil

import pytest
import qr_reader

from feedback_service.ratings.qr import render_svg

URL = "http://127.0.0.1:8000/q/harness"


def test_an_svg_code_decodes_as_a_phone_would():
    assert qr_reader.decode(render_svg(URL), ".svg") == [URL]


def test_a_missing_svg_rasteriser_is_named_by_its_debian_package(monkeypatch):
    # A machine where nothing can be installed (not root) and no rasteriser is present.
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "rsvg-convert" else real_which(name))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError, match="apt-get install librsvg2-bin"):
        qr_reader.decode(render_svg(URL), ".svg")

"""Catalogs: Vietnamese msgids everywhere, every one translated to English, and `?lang=en` switching."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "feedback_service" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def msgids(messages) -> set:
    return {message.id for message in messages if message.id}


def test_every_msgid_has_an_english_translation():
    template = catalog(TRANSLATIONS / "messages.pot")
    english = catalog(ENGLISH_PO)
    assert msgids(template), "messages.pot is empty"
    missing = []
    for message in template:
        if not message.id:
            continue  # the header
        translated = english.get(message.id, message.context)
        strings = translated.string if translated else None
        strings = strings if isinstance(strings, (list, tuple)) else [strings]
        # A fuzzy entry is never compiled: it would show Vietnamese on an English page.
        if not translated or translated.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id)
    assert missing == [], "untranslated in en/messages.po (make translations, then translate)"


def test_english_keeps_every_placeholder():
    english = catalog(ENGLISH_PO)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in english.check() if errors]
    assert problems == []


def test_template_covers_every_text_in_code_and_templates(tmp_path):
    """New `_()` texts must reach messages.pot; `make translations` re-extracts."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh), "."], cwd=ROOT, check=True)
    new = msgids(catalog(fresh)) - msgids(catalog(TRANSLATIONS / "messages.pot"))
    assert new == set(), "texts missing from messages.pot: run `make translations`"


def test_vietnamese_needs_no_catalog():
    # The msgids are the Vietnamese texts: a `vi` catalog could only drift from them.
    assert not (TRANSLATIONS / "vi").exists()


def test_lang_en_switches_a_page_to_english(client):
    assert ENGLISH_MO.exists(), "compile the catalogs first: make catalogs"
    english = catalog(ENGLISH_PO)
    title = english.get("Đánh giá sự hài lòng").string

    vietnamese_page = client.get("/").get_data(as_text=True)
    english_page = client.get("/?lang=en").get_data(as_text=True)

    assert "Đánh giá sự hài lòng" in vietnamese_page
    assert title in english_page
    assert "Đánh giá sự hài lòng" not in english_page
    assert '<html lang="en">' in english_page
    # The choice is remembered for the citizen's next page.
    assert title in client.get("/").get_data(as_text=True)

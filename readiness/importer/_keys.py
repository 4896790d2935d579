"""Checklist keys from names in any script: transliterated where a standard exists.

Latin text loses its accents ("Sécurité" → "securite"); Chinese becomes pinyin, syllable by
syllable ("监控告警" → "jian-kong-gao-jing"); kana, Cyrillic, Greek and Hangul their usual
romanisation (anyascii). Japanese kanji have no reading without a dictionary, so such a
name keys on its Latin and katakana words and a short hash of the name. A key is never
empty, a bare number or a generic word: those get a hash of the whole text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

from readiness.importer._markdown import slugify_key

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KATAKANA_RUN = re.compile(r"[\u30a0-\u30ff]+")
# Words that name nothing on their own.
GENERIC = {
    "item",
    "items",
    "check",
    "checks",
    "general",
    "section",
    "step",
    "phase",
    "etape",
    "etapa",
    "stage",
    "part",
    "partie",
    "todo",
    "misc",
    "other",
    "others",
}


def text_key(text: str, *, language: str = "", limit: int = 60) -> str:
    """A stable key for `text` (same text, same key)."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii() or not any(_is_foreign(c) for c in text):
        key = slugify_key(text, limit=limit)
    elif language == "ja" and _HAN.search(text):
        words = [slugify_key(anyascii(run)) for run in _KATAKANA_RUN.findall(text)]
        latin = slugify_key("".join(c if not _is_foreign(c) else " " for c in text))
        stem = slugify_key(" ".join(w for w in [latin, *words] if w), limit=limit - 7)
        return f"{stem}-{_hash(text)}" if stem else f"ja-{_hash(text)}"
    else:
        key = slugify_key("".join(_transliterate(c) for c in text), limit=limit)
    if not key or key.isdigit() or key in GENERIC or re.fullmatch(r"[a-z]?\d+", key):
        return f"{key}-{_hash(text)}" if key else f"k-{_hash(text)}"
    return key


def _is_foreign(char: str) -> bool:
    """A letter outside Latin script (a digit or symbol is no one's)."""
    if not char.isalpha():
        return False
    return not unicodedata.name(char, "").startswith("LATIN")


def _transliterate(char: str) -> str:
    if _HAN.match(char):
        return f" {anyascii(char)} "
    if _is_foreign(char):
        return anyascii(char)
    return char


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]

"""The language a document is written in, guessed from its script and common words.

Used where the language changes the meaning: 03/04/2025 is day first in French, Spanish
and Portuguese documents, month first in English ones; Japanese keys are not pinyin."""

from __future__ import annotations

import re

from readiness.importer._markdown import fold

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORDS = {
    "en": {"the", "and", "of", "to", "is", "for", "with", "all", "on", "are", "by", "no"},
    "fr": {"le", "la", "les", "des", "du", "et", "est", "pour", "une", "sur", "aucun", "avec"},
    "pt": {"o", "os", "as", "da", "do", "dos", "das", "e", "para", "com", "nao", "uma", "sem"},
    "es": {"el", "los", "las", "del", "y", "para", "con", "una", "por", "sin", "todos", "en"},
}
DAY_FIRST = {"fr", "pt", "es", ""}


def document_language(text: str) -> str:
    """en, fr, pt, es, ja, zh, or "" when the text says too little."""
    if len(_KANA.findall(text)) >= 5:
        return "ja"
    if len(_HAN.findall(text)) >= 10:
        return "zh"
    words = re.findall(r"[a-z']+", fold(text))
    scores = {lang: sum(1 for word in words if word in vocab) for lang, vocab in _WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else ""

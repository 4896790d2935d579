"""Heading text: cleaned, as a category name, and the kind of section it opens.

A heading may open a checklist, TODO or DONE items, or a priority (P0…P4)."""

from __future__ import annotations

import re

from readiness.importer._markdown import fold, plain, strip_symbols
from readiness.importer._plan import MAX_CATEGORY_NAME

# Words of headings (matched on folded text: lowercase, no accents)


_NUMBERING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+|[ivxlc]+\.\s+|[a-z][.)]\s+|\d+\s*[、.．)）]\s*|"
    r"[（(]?[一二三四五六七八九十百]+[)）]?\s*[、.．]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*)",
    re.IGNORECASE,
)
_CJK_NUMERAL = "一二三四五六七八九十百〇零两0-9"
# Numbered stages: "ETAPA 3", "Phase 2", "Étape 1", "Step 4", "第二部分", "3. Sécurité".
_STAGE = re.compile(
    r"^(?:(?:etapa|etape|phase|fase|stage|step|paso|passo|part|partie|parte|section|secao|"
    r"seccion)\s+\d+\b|\d+(?:\.\d+)*[.)]?\s+\S|"
    rf"第[{_CJK_NUMERAL}]+(?:部分|阶段|階段|步|章|节|節|部)|[{_CJK_NUMERAL}]+\s*[、.．])"
)
_VERIFICATION = re.compile(
    r"^(?:verifications?|verification|controles?|checks?)(?:\s+(?:de la|des|du|de|d'|of|for))?\s+",
)
_CHECKLIST_WORD = re.compile(
    r"\b(?:checklist|check-list|check list|liste de (?:controle|verification)s?)\b"
)
_TODO_HEADING = re.compile(
    r"^(?:a faire|todo|to do|to-do|reste a faire|next steps|prochaines etapes|action items|"
    r"actions(?: a mener| requises)?|plan d'action|taches|tasks|open items)\b"
)
_DONE_HEADING = re.compile(r"^(?:termine|fait|done|completed?|realise|accompli|acheve)e?s?\b")


def clean_heading(text: str) -> str:
    """Heading text without markup, emoji, numbering or a trailing colon."""
    text = strip_symbols(plain(text))
    text = _NUMBERING.sub("", text).strip()
    return strip_symbols(text.rstrip(" :：")).strip()


def _sentence_case(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 3:
        text = text.lower()
    return text[:1].upper() + text[1:]


def category_name(heading: str) -> str:
    """ "1. VÉRIFICATION COHÉRENCE RÉGIONS" → "Cohérence régions"; "Security Checklist" →
    "Security"."""
    text = clean_heading(heading)
    folded = fold(text)
    found = _VERIFICATION.match(folded)
    if found and found.end() < len(text):
        text = text[found.end() :]
    folded = fold(text)
    found = _CHECKLIST_WORD.search(folded)
    if found:
        text = (text[: found.start()] + " " + text[found.end() :]).strip(" -–—:")
        text = re.sub(r"\s+", " ", text)
    return _sentence_case(text.strip())[:MAX_CATEGORY_NAME]


def is_stage_heading(text: str) -> bool:
    """ "ETAPA 3 - Banco", "Phase 2: Runtime", "第二部分 监控", "一、安全", "3. Sécurité"."""
    return bool(_STAGE.match(fold(strip_symbols(plain(text)))))


def is_checklist_heading(text: str) -> bool:
    return bool(_CHECKLIST_WORD.search(fold(clean_heading(text))))


def kind_of_heading(text: str) -> str:
    """todo, done, or "" when the heading says neither."""
    folded = fold(clean_heading(text))
    if _TODO_HEADING.match(folded):
        return "todo"
    if _DONE_HEADING.match(folded):
        return "done"
    return ""


def priority_of_heading(text: str) -> str:
    """P0…P4 when the heading starts with one, else ""."""
    found = re.match(r"^(P[0-4])\b", clean_heading(text), re.IGNORECASE)
    return found.group(1).upper() if found else ""

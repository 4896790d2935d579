"""Metadata and claims in a document's front matter and paragraphs.

Title, date, author, a claimed status ("**Statut** : ✅ READY"), a section's claimed
result ("**Résultat** : ✅ COHÉRENT") and score lines."""

from __future__ import annotations

import re

from readiness.importer._markdown import FrontMatter, Paragraph, fold, plain, strip_symbols
from readiness.importer._marks import first_mark, status_of_mark
from readiness.importer._scores import score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._text import find_date, split_label

RESULT_LABEL = re.compile(r"^(?:resultat|result|status|statut|verdict)(?:\s+attendu|\s+expected)?$")
_META = re.compile(
    r"^(?P<key>date|auteur|author|authors|auteurs|par|by|redige par|written by|owner|"
    r"responsable|status|statut|score|score final|score global|overall score|final score|"
    r"note|note globale|version)\s*$"
)
_READY = re.compile(r"\b(?:production ready|ready|pret|prete|go)\b")
_NOT_READY = re.compile(r"\b(?:not ready|non pret|pas pret|no go|no-go|bloque|blocked)\b")


def read_front_matter(walk: DocumentWalk, block: FrontMatter) -> None:
    """Title, date and author from YAML front matter; other fields are left unused."""
    walk.consume(block.line)
    walk.consume(block.end_line)
    for name, (line, value) in block.fields.items():
        if name == "title":
            walk.title = plain(value)
        elif name == "date":
            walk.date = find_date(value)
        elif name in ("author", "authors", "auteur"):
            walk.author = plain(value)
        else:
            continue
        walk.consume(line)


def read_paragraph(walk: DocumentWalk, block: Paragraph) -> None:
    """Each line: a metadata label, a section's claimed result, a score, or narrative."""
    for number, raw in block.lines:
        text = plain(raw)
        key, value = split_label(text)
        if key is not None and _read_metadata(walk, key, value, number):
            walk.consume(number)
            continue
        if key is not None and RESULT_LABEL.match(fold(key)):
            mark = first_mark(value)
            if mark:
                _section_result(walk, status_of_mark(mark), number)
            continue
        if score_text(walk, text, number):
            walk.consume(number)


def _section_result(walk: DocumentWalk, status: str, line: int) -> None:
    """A claimed result ("**Résultat** : ✅ COHÉRENT") speaks for its subsection and,
    when the subsection has none of its own, for its whole top-level section."""
    path = walk.path_key()
    walk.section_results.setdefault(path, (status, line))
    depth = next(
        (i + 1 for i, h in enumerate(walk.headings) if h.level == walk.category_level), None
    )
    if depth is not None and depth < len(path):
        walk.section_results.setdefault(path[:depth], (status, line))


def _read_metadata(walk: DocumentWalk, key: str, value: str, line: int) -> bool:
    found = _META.match(fold(key))
    if not found or not value.strip():
        return False
    name = found.group("key")
    if name == "date":
        date = find_date(value)
        if date is None:
            return False
        walk.date = date
        return True
    if name in (
        "auteur",
        "author",
        "authors",
        "auteurs",
        "par",
        "by",
        "redige par",
        "written by",
    ):
        walk.author = strip_symbols(value)[:200] or None
        return True
    if name in ("status", "statut"):
        folded = fold(value)
        if _NOT_READY.search(folded):
            walk.status_claim = "not-ready"
        elif _READY.search(folded):
            walk.status_claim = "ready"
        else:
            return False
        return True
    if name == "version":
        return False
    return score_text(walk, f"{key} : {value}", line)

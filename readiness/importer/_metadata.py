"""Metadata and claims in a document's front matter, paragraphs and header lines.

Title, date (labels in any common language: Date, Fecha, Data, 日付, 日期…; a blank field
is no date), author, a claimed status ("**Statut** : ✅ READY"), a section's claimed
result ("**Résultat** : ✅ COHÉRENT") and score lines. A header line may hold several
`|`-separated fields."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from readiness.importer._markdown import FrontMatter, Paragraph, fold, plain, strip_symbols
from readiness.importer._marks import first_mark, status_of_mark
from readiness.importer._scores import score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._text import BLANK_FIELD, find_date, split_label
from readiness.importer.notes import UNTRANSLATED

RESULT_LABEL = re.compile(r"^(?:resultat|result|status|statut|verdict)(?:\s+attendu|\s+expected)?$")
_META = re.compile(
    r"^(?P<key>date|auteur|author|authors|auteurs|par|by|redige par|written by|owner|"
    r"responsable|status|statut|score|score final|score global|overall score|final score|"
    r"note|note globale|version)\s*$"
)
# Labels of a date, in the languages documents come in (matched on folded text).
DATE_LABEL = re.compile(
    r"^(?:[\w ]*\b(?:date|fecha|data|datum)\b[\w ]*|(?:checked|verified|reviewed|audited|"
    r"prepared|done|performed) on|verifie le|revise le|.*(?:日付|日期|日时|日時|年月日|実施日|"
    r"確認日|点検日|检查时间|审核日期))$"
)
# Date labels that say the list was checked on that date ("Checked on", "检查日期").
CHECKED_ON_LABEL = re.compile(
    r"(?:checked|verified|reviewed|audited|performed) on|verifie le|revise le|"
    r"(?:date|data|fecha) (?:de|da|do) (?:la )?(?:verification|verificacao|revisao|revision|"
    r"validacao|validacion|controle|auditoria|audit)|检查日期|检查时间|確認日|点検日|審査日"
)
_AUTHOR_LABEL = re.compile(
    r"^(?:auteur|auteurs|author|authors|par|by|redige par|written by|prepared by|owner|"
    r"reviewer|reviewed by|revise par|revisado por|auditeur|auditor|responsavel|"
    r"responsable|responsible|担当|担当者|作成者|检查人|负责人|审核人|作者)$"
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
    """Each line: metadata fields, a section's claimed result, a score, or narrative."""
    for number, raw in block.lines:
        text = plain(raw)
        if read_fields(walk, text, number):
            walk.consume(number)
            continue
        if walk.date is None and not walk.section_headings() and _preamble_date(walk, text):
            walk.consume(number)
            continue
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


def read_fields(walk: DocumentWalk, text: str, line: int) -> bool:
    """A header line of metadata fields ("Date : 2026-02-23 | Projet : x", "检查日期:
    ____"): True when every field is one, each then read (a blank field is noted)."""
    fields = [field.strip() for field in text.split("|") if field.strip()]
    if not fields:
        return False
    pairs = [split_label(field) for field in fields]
    if any(key is None for key, _value in pairs):
        return False
    known = [_field_kind(walk, fold(key or ""), value) for key, value in pairs]
    if not any(kind for kind in known):
        return False
    if len(fields) == 1 and known[0] == "":
        return False
    for (key, value), kind in zip(pairs, known, strict=True):
        if kind == "blank":
            walk.blank_fields.append((line, key or ""))
        elif kind == "date":
            _read_date(walk, key or "", value)
        elif kind == "author" and walk.author is None:
            walk.author = strip_symbols(value)[:200] or None
        elif kind == "status":
            _read_metadata(walk, key or "", value, line)
    if all(kind == "blank" for kind in known):
        walk.note(UNTRANSLATED, line, line, _("field left blank: a template to fill in"))
    return True


def _field_kind(walk: DocumentWalk, key: str, value: str) -> str:
    if BLANK_FIELD.match(fold(plain(value))) and (DATE_LABEL.match(key) or len(key) <= 40):
        return "blank"
    if DATE_LABEL.match(key) and find_date(value):
        # A second date (the next review's) is not the document's.
        return "date" if walk.date is None or CHECKED_ON_LABEL.search(key) else ""
    if _AUTHOR_LABEL.match(key):
        return "author"
    if key in ("status", "statut", "estado", "状态", "ステータス") and first_mark(value):
        return "status"
    return ""


def _read_date(walk: DocumentWalk, key: str, value: str) -> None:
    date = find_date(value, month_first=walk.language == "en")
    if date is None:
        return
    if CHECKED_ON_LABEL.search(fold(key)):
        walk.checked_on = date
    if walk.date is None or CHECKED_ON_LABEL.search(fold(key)):
        walk.date = date


def _preamble_date(walk: DocumentWalk, text: str) -> bool:
    """A short line of the preamble that dates the document ("Prepared November 17, 2025
    by the SRE guild.")."""
    if len(text) > 120:
        return False
    date = find_date(text, month_first=walk.language == "en")
    if date is None:
        return False
    walk.date = date
    return True


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
        date = find_date(value, month_first=walk.language == "en")
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

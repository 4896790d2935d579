"""A document's lists: the reader each one goes to, and marked checklists → manual checks.

TODO/DONE, improvement and priority lists go to their readers; items of a checklist
become manual checks with the status their mark claims (nested items are a check's
sub-requirements; an unchecked box is settled at the end); other lists may hold scores."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from checks.spec import CheckSpec
from readiness.importer._actions import priority_of_item, read_action_list, read_priority_list
from readiness.importer._markdown import ListBlock, ListItem, fold, plain, strip_symbols
from readiness.importer._marks import (
    FAIL,
    UNCHECKED,
    WARN,
    status_of_mark,
    strip_mark,
    strip_trailing_mark,
)
from readiness.importer._plan import MAX_NAME, ManualItem
from readiness.importer._scores import DELTA, read_improvements, score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._text import BLANK_FIELD, one_line, split_label
from readiness.importer.notes import UNTRANSLATED

MANUAL_VALID_DAYS = 90
_IMPROVEMENTS_LABEL = re.compile(r"^(?:ameliorations?|improvements?|gains?|changements?|changes)\b")


def read_list(walk: DocumentWalk, block: ListBlock, label: str | None) -> None:
    """Hand the list to its reader, from its section, its label and its items."""
    label_folded = fold(label or "")
    if _blank_fields(walk, block):
        return
    kind = walk.section_kind()
    if kind:
        read_action_list(walk, block, done=kind == "done")
        return
    items = block.walk()
    if _IMPROVEMENTS_LABEL.match(label_folded) or (
        items and all(DELTA.search(item.text) for item in block.items)
    ):
        read_improvements(walk, block)
        return
    priority = walk.heading_priority()
    if priority or any(priority_of_item(item.text) for item in block.items):
        read_priority_list(walk, block, priority)
        return
    checklist = walk.in_checklist_section()
    marked = [item for item in block.items if strip_mark(plain(item.text))[0]]
    if checklist or (marked and len(marked) == len(block.items)):
        _read_checklist(walk, block, trailing=checklist)
        return
    # Otherwise only "Category : 9/10" items are understood; the rest is reported.
    for item in items:
        if score_text(walk, plain(item.text), item.line):
            walk.consume(item.line, item.end_line)


def _read_checklist(walk: DocumentWalk, block: ListBlock, *, trailing: bool) -> None:
    """One manual check per top-level item; nested items are its sub-requirements (in
    its description, and its status when it has no mark of its own)."""
    category = walk.category()
    recorded = any(
        (mark := _mark_of(plain(item.text), trailing)[0]) and mark != UNCHECKED
        for item in block.walk()
    )
    for item in block.items:
        text = plain(item.text)
        mark, name = _mark_of(text, trailing)
        if not name:
            continue
        children = [(child, *_mark_of(plain(child.text), trailing)) for child in _descendants(item)]
        key = walk.unique_key(walk.key_of(name), "item")
        description = "\n".join(
            f"- {'[x] ' if m and m != UNCHECKED else '[ ] ' if m else ''}{n}"
            for _child, m, n in children
            if n
        )
        if mark is None and children and all(m for _child, m, _n in children):
            mark = _combined([m for _child, m, _n in children if m])
        walk.add_check(
            CheckSpec(
                key=key,
                name=one_line(name, MAX_NAME),
                type="manual",
                category=category.key,
                description=description[:10_000],
                options={"valid_days": MANUAL_VALID_DAYS, "evidence_required": False},
            )
        )
        if mark == UNCHECKED:
            # Not done only when the document says the list was gone through; settled at
            # the end, once the document's date is known.
            walk.unchecked.append((key, item.line, text, recorded))
        else:
            status = status_of_mark(mark) if mark else None
            walk.manual.append(ManualItem(key, status, item.line, text))
            if status:
                walk.claims[key] = (status, item.line)
        walk.consume(item.line, item.end_line)
        for child, _m, _n in children:
            walk.consume(child.line, child.end_line)


def _mark_of(text: str, trailing: bool) -> tuple[str | None, str]:
    mark, rest = strip_mark(text)
    if mark is None and trailing:
        mark, rest = strip_trailing_mark(text)
    if mark in ("[ ]",):
        mark = UNCHECKED
    return mark, strip_symbols(rest).strip()


def _descendants(item: ListItem) -> list[ListItem]:
    found: list[ListItem] = []
    for child in item.children:
        found.append(child)
        found.extend(_descendants(child))
    return found


def _combined(marks: list[str]) -> str:
    """The status of a parent from its children's marks: the worst of them."""
    if UNCHECKED in marks:
        return UNCHECKED
    statuses = [status_of_mark(m) for m in marks]
    for worst in (FAIL, WARN):
        if worst in statuses:
            return "❌" if worst == FAIL else "⚠"
    return "✅"


def _blank_fields(walk: DocumentWalk, block: ListBlock) -> bool:
    """A list of fields left blank ("- 开发负责人: _____"): a sign-off to fill in."""
    items = block.walk()
    pairs = [split_label(plain(item.text)) for item in items]
    if not items or any(key is None or not BLANK_FIELD.match(value) for key, value in pairs):
        return False
    for item in items:
        walk.consume(item.line, item.end_line)
    walk.note(
        UNTRANSLATED, block.line, block.end_line, _("fields left blank: a template to fill in")
    )
    return True

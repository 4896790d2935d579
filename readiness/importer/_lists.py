"""A document's lists: the reader each one goes to, and marked checklists → manual checks.

TODO/DONE, improvement and priority lists go to their readers; items of a checklist
become manual checks with the status their mark claims; other lists may hold scores."""

from __future__ import annotations

import re

from checks.spec import CheckSpec
from readiness.importer._actions import priority_of_item, read_action_list, read_priority_list
from readiness.importer._markdown import ListBlock, fold, plain, slugify_key, strip_symbols
from readiness.importer._marks import status_of_mark, strip_mark, strip_trailing_mark
from readiness.importer._plan import MAX_NAME, ManualItem
from readiness.importer._scores import DELTA, read_improvements, score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._text import one_line

MANUAL_VALID_DAYS = 90
_IMPROVEMENTS_LABEL = re.compile(r"^(?:ameliorations?|improvements?|gains?|changements?|changes)\b")


def read_list(walk: DocumentWalk, block: ListBlock, label: str | None) -> None:
    """Hand the list to its reader, from its section, its label and its items."""
    label_folded = fold(label or "")
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
    category = walk.category()
    for item in block.walk():
        text = plain(item.text)
        mark, rest = strip_mark(text)
        if mark is None and trailing:
            mark, rest = strip_trailing_mark(text)
        name = strip_symbols(rest).strip()
        if not name:
            continue
        key = walk.unique_key(slugify_key(name), "item")
        status = status_of_mark(mark) if mark else None
        walk.add_check(
            CheckSpec(
                key=key,
                name=one_line(name, MAX_NAME),
                type="manual",
                category=category.key,
                options={"valid_days": MANUAL_VALID_DAYS, "evidence_required": False},
            )
        )
        walk.manual.append(ManualItem(key, status, item.line, text))
        if status:
            walk.claims[key] = (status, item.line)
        walk.consume(item.line, item.end_line)

"""Notes for every non-blank line that no reader used, once the walk is over.

Untranslated notes apart only by blank lines are merged into one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from readiness.importer._markdown import (
    Block,
    FrontMatter,
    Heading,
    ListBlock,
    Paragraph,
    Table,
    fold,
    plain,
)
from readiness.importer._metadata import RESULT_LABEL
from readiness.importer._state import DocumentWalk
from readiness.importer._text import split_label
from readiness.importer.notes import UNTRANSLATED, Note


def note_leftovers(walk: DocumentWalk) -> None:
    """A note for every non-blank line nothing used, one per run of lines. A label
    ("**Fichiers modifiés** :") goes with the unused block it introduces."""
    labels = {}
    for previous, block in zip(walk.blocks, walk.blocks[1:], strict=False):
        if (
            walk.label_of(previous) is not None
            and previous.line not in walk.consumed
            and block.line not in walk.consumed
            and not isinstance(block, Heading)
        ):
            labels[id(block)] = previous
    skipped = {id(label) for label in labels.values()}
    walk.noted = {
        line
        for note in walk.notes
        if note.kind == UNTRANSLATED
        for line in range(note.line, note.end_line + 1)
    }
    for block in walk.blocks:
        if id(block) in skipped:
            continue
        label = labels.get(id(block))
        first = label.line if label else block.line
        last = block.end_line
        run: list[int] = []
        for number in range(first, last + 1):
            if number in walk.consumed or not walk.lines[number - 1].strip():
                if run:
                    _note_leftover(walk, block, run[0], run[-1])
                    run = []
                continue
            run.append(number)
        if run:
            _note_leftover(walk, block, run[0], run[-1])


def _note_leftover(walk: DocumentWalk, block: Block, first: int, last: int) -> None:
    if first in walk.noted and last in walk.noted:
        return
    text = plain(walk.lines[first - 1])
    key, _value = split_label(text)
    if walk.lines[first - 1].lstrip().startswith("<!--"):
        reason = _("HTML comment: not shown to readers")
    elif isinstance(block, Paragraph) and key is not None and RESULT_LABEL.match(fold(key)):
        reason = _("claimed result of the section: the section's checks measure it now")
    elif isinstance(block, ListBlock):
        reason = _("list without status marks outside a checklist, TODO or DONE section")
    elif isinstance(block, Table):
        reason = _("table that is neither a score table nor a priority table")
    elif isinstance(block, FrontMatter):
        reason = _("front matter field not used")
    else:
        reason = _("narrative text")
    walk.note(UNTRANSLATED, first, last, reason)


def merge_notes(walk: DocumentWalk) -> None:
    """Untranslated parts with the same reason, apart only by blank lines, are one."""
    merged: list[Note] = []
    for note in sorted(walk.notes, key=lambda n: (n.line, n.end_line)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.kind == note.kind == UNTRANSLATED
            and last.message == note.message
            and last.end_line < note.line
            and not any(line.strip() for line in walk.lines[last.end_line : note.line - 1])
        ):
            merged[-1] = Note(last.line, note.end_line, last.kind, last.message, last.excerpt)
            continue
        merged.append(note)
    walk.notes = merged

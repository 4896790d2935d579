"""The walk over a document's blocks: each to its reader, then what only the end settles.

At the end: the document's date, the dates of undated scores, the claimed results of
checks from their sections, and notes for unused lines."""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext_lazy as _

from readiness.importer._code import read_code
from readiness.importer._headings import clean_heading
from readiness.importer._leftovers import merge_notes, note_leftovers
from readiness.importer._lists import read_list
from readiness.importer._markdown import (
    Block,
    CodeBlock,
    FrontMatter,
    Heading,
    ListBlock,
    Paragraph,
    Rule,
    Table,
)
from readiness.importer._marks import FAIL
from readiness.importer._metadata import read_fields, read_front_matter, read_paragraph
from readiness.importer._plan import ManualItem
from readiness.importer._scores import resolve_points, score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._tables import read_table
from readiness.importer._text import find_date
from readiness.importer.notes import WARNING


def walk_blocks(walk: DocumentWalk) -> None:
    """Hand each block, in order, to its reader."""
    first_heading = next((b for b in walk.blocks if isinstance(b, Heading)), None)
    if first_heading and first_heading.level == 1 and walk.category_level != 1:
        walk.title_heading = first_heading
    previous: Block | None = None
    for block in walk.blocks:
        label = walk.label_of(previous)
        if isinstance(block, Heading):
            _read_heading(walk, block)
        elif isinstance(block, CodeBlock):
            read_code(walk, block)
        elif isinstance(block, ListBlock):
            read_list(walk, block, label)
        elif isinstance(block, Table):
            read_table(walk, block)
        elif isinstance(block, Paragraph):
            read_paragraph(walk, block)
        elif isinstance(block, Rule):
            walk.consume(block.line)
        elif isinstance(block, FrontMatter):
            read_front_matter(walk, block)
        if label is not None and previous is not None and _block_used(walk, block):
            walk.consume(previous.line)
        previous = block


def _block_used(walk: DocumentWalk, block: Block) -> bool:
    lines = range(block.line, block.end_line + 1)
    return any(line in walk.consumed for line in lines)


def _read_heading(walk: DocumentWalk, heading: Heading) -> None:
    while walk.headings and walk.headings[-1].level >= heading.level:
        walk.headings.pop()
    walk.headings.append(heading)
    walk.consume(heading.line)
    if walk.category_level is None or heading.level <= walk.category_level:
        walk.cwd = ""  # a `cd` carries over to the end of its section
    if heading is walk.title_heading:
        walk.title = clean_heading(heading.text)
        return
    if read_fields(walk, clean_heading(heading.text), heading.line):
        return
    score_text(walk, clean_heading(heading.text), heading.line, in_heading=True)


def _read_as_template(walk: DocumentWalk) -> None:
    """No date and no recorded result: nothing the document says is a result, not even
    the marks of its expected results. With boxes or fields left to fill in, it is a
    template: its items are manual checks without attestation."""
    walk.claims.clear()
    walk.pending_claims.clear()
    # A table of requirements has nothing to fill in: it is no template.
    walk.template = bool(walk.unchecked or walk.blank_fields)
    if not walk.template:
        return
    walk.note(
        WARNING,
        1,
        1,
        _(
            "a template (no date and no recorded result): its items become manual checks "
            "without attestation"
        ),
    )


def _date_from_file_name(walk: DocumentWalk) -> None:
    date = find_date(PurePath(walk.source_name).stem.replace("_", "-"))
    if date is None:
        return
    walk.date = date
    walk.date_source = "file name"
    walk.note(
        WARNING,
        1,
        1,
        _("the document gives no date: %(date)s is taken from its file name"),
        date=date.isoformat(),
    )


def _settle_unchecked(walk: DocumentWalk) -> None:
    """An unchecked box is "not done" (fail) when the document says its list was checked
    on a date, or when it is dated and the same list records results; else no claim."""
    for key, line, text, list_recorded in walk.unchecked:
        failed = not walk.template and (
            walk.checked_on is not None or (walk.date is not None and list_recorded)
        )
        walk.manual.append(ManualItem(key, FAIL if failed else None, line, text))
        if failed:
            walk.claims[key] = (FAIL, line)
    walk.manual.sort(key=lambda item: item.line)


def finish_walk(walk: DocumentWalk) -> None:
    """Settle what only the whole document tells: its date, the dates of undated scores,
    the claimed results of checks from their sections, and notes for unused lines."""
    if walk.date is None:
        title_date = find_date(walk.title) if walk.title else None
        dated = [p.date for p in walk.points if p.date]
        walk.date = title_date or (max(dated) if dated else None)
    recorded = bool(walk.points or walk.section_results) or any(item.status for item in walk.manual)
    if walk.date is None and not recorded:
        _read_as_template(walk)
    elif walk.date is None:
        _date_from_file_name(walk)
    _settle_unchecked(walk)
    resolve_points(walk)
    # A check without its own expected mark takes the claimed result of its section.
    for key, path in walk.pending_claims:
        for depth in range(len(path), 0, -1):
            found = walk.section_results.get(path[:depth])
            if found:
                walk.claims.setdefault(key, found)
                walk.consume(found[1])
                break
    note_leftovers(walk)
    merge_notes(walk)

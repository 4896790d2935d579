"""The walk over a document's blocks: each to its reader, then what only the end settles.

At the end: the document's date, the dates of undated scores, the claimed results of
checks from their sections, and notes for unused lines."""

from __future__ import annotations

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
from readiness.importer._metadata import read_front_matter, read_paragraph
from readiness.importer._scores import resolve_points, score_text
from readiness.importer._state import DocumentWalk
from readiness.importer._tables import read_table
from readiness.importer._text import find_date


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
    if heading is walk.title_heading:
        walk.title = clean_heading(heading.text)
        return
    score_text(walk, clean_heading(heading.text), heading.line, in_heading=True)


def finish_walk(walk: DocumentWalk) -> None:
    """Settle what only the whole document tells: its date, the dates of undated scores,
    the claimed results of checks from their sections, and notes for unused lines."""
    if walk.date is None:
        title_date = find_date(walk.title) if walk.title else None
        dated = [p.date for p in walk.points if p.date]
        walk.date = title_date or (max(dated) if dated else None)
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

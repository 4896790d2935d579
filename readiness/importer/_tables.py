"""A document's tables: priorities → action items, scores → claims, marks → a note."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from readiness.importer._actions import find_priority_column, read_priority_table
from readiness.importer._markdown import Table, fold, plain, strip_symbols
from readiness.importer._marks import first_mark
from readiness.importer._scores import SCORE, read_score_table
from readiness.importer._state import DocumentWalk
from readiness.importer.notes import UNTRANSLATED


def read_table(walk: DocumentWalk, table: Table) -> None:
    """A priority table, a score table, or a summary of status marks; else left unused."""
    headers = [fold(plain(h)) for h in table.header]
    priority_column = find_priority_column(headers, table.rows)
    if priority_column is not None:
        read_priority_table(walk, table, headers, priority_column)
        return
    score_columns = [
        index
        for index in range(len(headers))
        if any(
            index < len(cells) and SCORE.fullmatch(strip_symbols(plain(cells[index])))
            for _line, cells in table.rows
        )
    ]
    if score_columns:
        read_score_table(walk, table, headers, score_columns)
        return
    if any(first_mark(cell) for _line, cells in table.rows for cell in cells):
        walk.note(
            UNTRANSLATED,
            table.line,
            table.end_line,
            _(
                "summary table of claimed results (%(rows)s rows): the report command "
                "rebuilds it from measured results"
            ),
            rows=len(table.rows),
        )
        walk.consume(table.line, table.end_line)

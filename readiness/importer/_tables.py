"""A document's tables: priorities → action items, checks (with their levels) → manual
checks, scores → claims, sign-offs and summaries of marks → a note."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from readiness.importer._actions import find_priority_column, read_priority_table
from readiness.importer._check_tables import is_check_table, read_check_table
from readiness.importer._markdown import Table, fold, plain
from readiness.importer._marks import first_mark
from readiness.importer._scores import cell_score, read_score_table
from readiness.importer._state import DocumentWalk
from readiness.importer.notes import UNTRANSLATED


def read_table(walk: DocumentWalk, table: Table) -> None:
    """A priority table, a score table, or a summary of status marks; else left unused."""
    headers = [fold(plain(h)) for h in table.header]
    priority_column = find_priority_column(headers, table.rows)
    if priority_column is not None:
        read_priority_table(walk, table, headers, priority_column)
        return
    if any(_SIGN_OFF.search(h) for h in headers):
        _read_sign_off(walk, table)
        return
    if is_check_table(table, headers):
        read_check_table(walk, table, headers)
        return
    score_columns = [
        index
        for index in range(len(headers))
        if any(
            index < len(cells) and cell_score(cells[index], headers[index]) is not None
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


_SIGN_OFF = re.compile(r"signature|assinatura|firma|sign-off|signoff|visa|签字|签名|署名|承認")


def _read_sign_off(walk: DocumentWalk, table: Table) -> None:
    """A sign-off table: left blank in a template; a filled one is not read as results."""
    blank = all(not plain(cell).strip() for _line, cells in table.rows for cell in cells[1:])
    walk.note(
        UNTRANSLATED,
        table.line,
        table.end_line,
        _("sign-off table left blank: a template to fill in")
        if blank
        else _("sign-off table: signatures are not read as results"),
    )
    walk.consume(table.line, table.end_line)

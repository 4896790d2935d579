"""Action items from a document's TODO/DONE lists, priority lists and priority tables.

Each item keeps the owner (@name) and the due date written in it."""

from __future__ import annotations

import re

from readiness.importer._markdown import ListBlock, ListItem, Table, fold, plain, strip_symbols
from readiness.importer._marks import PASS, first_mark, status_of_mark, strip_mark
from readiness.importer._plan import MAX_TITLE, ActionDraft
from readiness.importer._state import DocumentWalk
from readiness.importer._text import find_date, one_line

_PRIORITY = re.compile(r"^\s*\[?\(?(P[0-4])\)?\]?\s*(?:[:\-–—|.)]\s*)?(.*)$", re.IGNORECASE)


def read_action_list(walk: DocumentWalk, block: ListBlock, *, done: bool) -> None:
    """Items of a TODO (or DONE) section; nested items are titled after their parent."""
    priority = walk.heading_priority()

    def visit(items: list[ListItem], parent: str) -> None:
        for item in items:
            text = plain(item.text)
            mark, rest = strip_mark(text)
            is_done = done if mark is None else status_of_mark(mark) == PASS
            title = strip_symbols(rest).strip()
            if item.children:
                prefix = title.rstrip(" :：")
                visit(item.children, f"{parent} : {prefix}" if parent else prefix)
                walk.consume(item.line)
                continue
            found = priority_of_item(title)
            item_priority = found[0] if found else priority
            if found:
                title = found[1]
            if parent:
                title = f"{parent} : {title}"
            if title:
                walk.actions.append(_action_draft(title, item.line, is_done, item_priority))
            walk.consume(item.line, item.end_line)

    visit(block.items, "")


def read_priority_list(walk: DocumentWalk, block: ListBlock, priority: str) -> None:
    """Items of a priority section or with their own "P1 :" prefix."""
    for item in block.walk():
        text = plain(item.text)
        found = priority_of_item(text)
        title = found[1] if found else text
        mark, rest = strip_mark(title)
        done = bool(mark) and status_of_mark(mark) == PASS
        title = strip_symbols(rest)
        if title:
            walk.actions.append(
                _action_draft(title, item.line, done, found[0] if found else priority)
            )
        walk.consume(item.line, item.end_line)


def _action_draft(title: str, line: int, done: bool, priority: str) -> ActionDraft:
    """An action item, with the owner (@name) and due date written in its title."""
    owner = ""
    found = re.search(r"(?<![\w.])@([\w.-]+)", title)
    if found:
        owner = found.group(1)
    due = find_date(title)
    return ActionDraft(
        title=one_line(title, MAX_TITLE),
        line=line,
        done=done,
        priority=priority,
        owner=owner[:200],
        due_date=due,
    )


def read_priority_table(
    walk: DocumentWalk, table: Table, headers: list[str], priority_column: int
) -> None:
    """Rows of a table with a priority column: title, owner, due date and status are
    found by their column's header."""

    def column(pattern: str) -> int | None:
        return next(
            (i for i, h in enumerate(headers) if i != priority_column and re.match(pattern, h)),
            None,
        )

    title_column = column(
        r"^(?:action|actions|tache|task|titre|title|description|item|quoi|what|sujet|point|"
        r"probleme|issue|recommandation|recommendation)"
    )
    owner_column = column(r"^(?:responsable|owner|assigne|assignee|qui|who|porteur)")
    due_column = column(r"^(?:echeance|due|deadline|date|pour le|quand|when|delai)")
    status_column = column(r"^(?:statut|status|etat|state)")
    if title_column is None:
        title_column = next(
            (
                i
                for i in range(len(headers))
                if i not in (priority_column, owner_column, due_column, status_column)
            ),
            None,
        )
    if title_column is None:
        return
    walk.consume(table.line, table.line + 1)
    for number, cells in table.rows:

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return plain(cells[index]) if index is not None and index < len(cells) else ""

        title = strip_symbols(cell(title_column))
        if not title:
            continue
        priority_text = cell(priority_column)
        found = _PRIORITY.match(priority_text)
        status_text = fold(cell(status_column))
        mark = first_mark(cell(status_column))
        done = (mark is not None and status_of_mark(mark) == PASS) or bool(
            re.match(r"^(?:done|fait|termine|complete|ok|closed|ferme)", strip_symbols(status_text))
        )
        walk.actions.append(
            ActionDraft(
                title=one_line(title, MAX_TITLE),
                line=number,
                done=done,
                priority=found.group(1).upper() if found else "",
                owner=strip_symbols(cell(owner_column)).lstrip("@")[:200],
                due_date=find_date(cell(due_column)) if due_column is not None else None,
            )
        )
        walk.consume(number)


def priority_of_item(text: str) -> tuple[str, str] | None:
    found = re.match(r"^\s*(?:\*\*)?\[?\(?(P[0-4])\)?\]?(?:\*\*)?\s*[:\-–—|.)]\s*(.+)$", text)
    if not found:
        return None
    return found.group(1).upper(), found.group(2).strip()


def find_priority_column(headers: list[str], rows: list[tuple[int, list[str]]]) -> int | None:
    for index, header in enumerate(headers):
        if re.match(r"^(?:priorite|priority|prio|p)$", strip_symbols(header)):
            return index
    for index in range(len(headers)):
        cells = [plain(row[index]) for _line, row in rows if index < len(row)]
        if cells and all(re.fullmatch(r"\s*\**P[0-4]\**\s*", cell) for cell in cells):
            return index
    return None

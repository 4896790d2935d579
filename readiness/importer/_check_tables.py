"""Tables of checks → manual checks: one per row, with the levels that require it.

`| Check | Short Description | Level C | Level B | Level A |` with ✅, :white_check_mark:,
x or yes under a level: the levels are ordered lowest first (the lowest level is the one
that requires the fewest checks), and each row's check gets the lowest level marked. A
table of a check column and a description column, without levels, gives plain manual
checks. The row's link is kept in the check's description. Such tables state what is
required, not what was done: they record no result."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from checks.spec import CheckSpec
from readiness.importer._markdown import Table, fold, plain, strip_symbols
from readiness.importer._plan import MAX_NAME, ManualItem
from readiness.importer._state import DocumentWalk
from readiness.importer._text import one_line
from readiness.importer.notes import APPROXIMATE, WARNING

MANUAL_VALID_DAYS = 90
_NAME_HEADER = re.compile(
    r"^(?:checks?|check item|item|items|controle|controles|verification|requirement|"
    r"requisito|exigence|criterio|critere|criteria|control|practice|pratique|regra|rule|"
    r"name|nom|nome|nombre)$|检查项|检查内容|项目|チェック項目|確認項目|項目"
)
_DESCRIPTION_HEADER = re.compile(
    r"description|descricao|descripcion|detail|details|explanation|why|pourquoi|"
    r"说明|描述|説明|詳細|内容"
)
_LEVEL_HEADER = re.compile(
    r"\b(?:level|niveau|nivel|tier|palier|grade|stage)\b|^(?:bronze|silver|gold|platinum|"
    r"argent|or|prata|ouro|plata|oro|basic|standard|advanced|essential|l\d|p\d)$|"
    r"级别|等级|レベル|段階"
)
_RESULT_HEADER = re.compile(r"^(?:resultat|result|status|statut|estado|etat|verdict)\b|状态|結果")
_MARKED = re.compile(
    r"^(?:✅|✔️?|✓|☑️?|:white_check_mark:|:heavy_check_mark:|:ballot_box_with_check:|x|yes|"
    r"oui|si|sim|y|required|requis|obligatoire|●|◯|○|是|必須|必须|要)$",
    re.IGNORECASE,
)
_UNMARKED = re.compile(r"^(?:|-|–|—|no|non|nao|n|❌|✗|✘|:x:|否|不要)$", re.IGNORECASE)
_LINK_URL = re.compile(r"\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def is_check_table(table: Table, headers: list[str]) -> bool:
    """A table of checks: level columns of marks, or a check and a description column
    (and no column of results: those tables summarise claimed results)."""
    if any(_RESULT_HEADER.search(h) for h in headers):
        return False
    if _level_columns(table, headers):
        return True
    return bool(
        headers
        and _NAME_HEADER.search(headers[0])
        and any(_DESCRIPTION_HEADER.search(h) for h in headers[1:])
    )


def read_check_table(walk: DocumentWalk, table: Table, headers: list[str]) -> None:
    levels = _level_columns(table, headers)
    description_column = next(
        (i for i, h in enumerate(headers) if i and _DESCRIPTION_HEADER.search(h)), None
    )
    if levels:
        counts = {i: sum(_is_marked(_cell(row, i)) for _n, row in table.rows) for i in levels}
        ordered = sorted(levels, key=lambda i: (counts[i], i))
        names = [strip_symbols(plain(table.header[i])) for i in ordered]
        if walk.levels and walk.levels != names:
            walk.note(
                WARNING,
                table.line,
                table.line,
                _("levels %(levels)s differ from the document's first table; they are kept"),
                levels=", ".join(names),
            )
        if not walk.levels:
            walk.levels = names
            walk.note(
                APPROXIMATE,
                table.line,
                table.line,
                _("levels ordered lowest first by how few checks require them: %(levels)s"),
                levels=", ".join(names),
            )
    category = walk.category()
    walk.consume(table.line, table.line + 1)
    for number, cells in table.rows:
        raw_name = _cell(cells, 0)
        name = strip_symbols(plain(raw_name))
        if not name:
            continue
        parts = []
        if description_column is not None:
            parts.append(plain(_cell(cells, description_column)))
        parts.extend(_LINK_URL.findall(raw_name))
        level = None
        if levels:
            marked = [
                i
                for i in sorted(levels, key=lambda i: (counts[i], i))
                if _is_marked(_cell(cells, i))
            ]
            if marked:
                level = strip_symbols(plain(table.header[marked[0]]))
            else:
                walk.note(WARNING, number, number, _("no level requires this check"))
        key = walk.unique_key(walk.key_of(name), "check")
        walk.add_check(
            CheckSpec(
                key=key,
                name=one_line(name, MAX_NAME),
                type="manual",
                category=category.key,
                description="\n".join(p for p in parts if p)[:10_000],
                level=level if level in walk.levels else None,
                options={"valid_days": MANUAL_VALID_DAYS, "evidence_required": False},
            )
        )
        walk.manual.append(ManualItem(key, None, number, name))
        walk.consume(number)


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _is_marked(cell: str) -> bool:
    return bool(_MARKED.match(plain(cell).strip()))


def _level_columns(table: Table, headers: list[str]) -> list[int]:
    """Columns after the first whose cells are all marks or blanks, at least one marked,
    and whose header names a level (or, with two or more such columns, anything)."""
    columns = [
        i
        for i in range(1, len(headers))
        if table.rows
        and all(
            _is_marked(_cell(row, i)) or _UNMARKED.match(plain(_cell(row, i)).strip())
            for _n, row in table.rows
        )
        and any(_is_marked(_cell(row, i)) for _n, row in table.rows)
    ]
    named = [i for i in columns if _LEVEL_HEADER.search(fold(plain(table.header[i])))]
    return columns if len(named) >= 2 or (named and len(columns) >= 2) else named

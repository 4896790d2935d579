"""SQL blocks → disabled command checks: each query needs a live database.

A read-only statement (SELECT, WITH, SHOW, EXPLAIN) becomes a `psql` command check,
disabled, saying it needs a database; its expected result (`-- ✅ Deve retornar: 13`,
`-- expected: 0 rows`) becomes the expected output where it maps (a number, or nothing).
Statements that change the database are procedure steps, reported."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from checks.spec import CheckSpec
from readiness.importer._expectations import Expectation, key_hint, read_expectation
from readiness.importer._markdown import CodeBlock, slugify_key
from readiness.importer._plan import MAX_NAME
from readiness.importer._state import DocumentWalk
from readiness.importer._text import one_line
from readiness.importer.notes import APPROXIMATE, UNTRANSLATED

SQL_INFOS = {"sql", "psql", "pgsql", "postgresql", "postgres", "plpgsql", "mysql", "sqlite"}
_READ_ONLY = re.compile(r"^\s*(?:select|with|show|explain|table|values)\b", re.IGNORECASE)
NEEDS_DATABASE = "Needs a live database: run with psql against the project's database."


def read_sql(walk: DocumentWalk, block: CodeBlock) -> None:
    walk.consume(block.line)
    walk.consume(block.end_line)
    title, title_line = "", 0
    statement: list[tuple[int, str]] = []
    pending: list[tuple[str, int, list[tuple[int, str]]]] = []
    expectations: dict[int, Expectation] = {}
    for number, raw in block.body:
        text = raw.strip()
        if not text:
            continue
        if text.startswith("--"):
            comment = text[2:].strip()
            expectation = read_expectation(number, comment)
            if expectation is not None and pending:
                expectations[len(pending) - 1] = expectation
                walk.consume(number)
                continue
            if statement or not title:
                title, title_line = comment, number
            walk.consume(number)
            continue
        statement.append((number, text))
        if text.endswith(";"):
            pending.append((title, title_line, statement))
            statement, title = [], ""
    if statement:
        pending.append((title, title_line, statement))
    category = walk.category()
    for index, (name, name_line, lines) in enumerate(pending):
        query = " ".join(text for _n, text in lines)
        first, last = lines[0][0], lines[-1][0]
        walk.consume(first, last)
        if not _READ_ONLY.match(query):
            walk.note(
                UNTRANSLATED,
                first,
                last,
                _("this SQL statement changes the database: a procedure step, not a check"),
            )
            continue
        expectation = expectations.get(index)
        expect: dict[str, object] = {"exit_code": 0}
        if expectation and expectation.absent:
            expect["stdout_empty"] = True
        elif expectation and expectation.count is not None:
            expect["stdout_matches"] = rf"^\s*{expectation.count}\s*$"
        hint = (key_hint(name) or walk.key_of(name)) if name else ""
        key = walk.unique_key(hint, slugify_key(query, limit=60) or "sql-query")
        description = "\n".join(
            part for part in (NEEDS_DATABASE, expectation.raw if expectation else "", query) if part
        )
        options: dict[str, object] = {
            "argv": ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "-c", query],
            "enabled": False,
        }
        if len(expect) > 1:
            options["expect"] = expect
        walk.add_check(
            CheckSpec(
                key=key,
                name=one_line(name or query, MAX_NAME),
                type="command",
                category=category.key,
                options=options,
                description=description[:10_000],
            )
        )
        walk.note(
            APPROXIMATE,
            name_line or first,
            name_line or first,
            _("SQL query: a disabled command check run with psql; it needs a live database"),
        )
        if expectation and expectation.status:
            walk.claims[key] = (expectation.status, expectation.line)

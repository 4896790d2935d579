"""Checklist texts for the tests: a document around one check, and the problems of one."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from checks.checklist import ChecklistError, load_checklist
from checks.reader import Problem


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def problems_of(text: str | bytes) -> list[Problem]:
    with pytest.raises(ChecklistError) as caught:
        load_checklist(text)
    return caught.value.problems


def where(text: str | bytes) -> list[tuple[int | None, str]]:
    return [(p.line, p.path) for p in problems_of(text)]


def one_check(lines: str) -> str:
    """A valid document around one check: its key is on line 6, `lines` start on line 7."""
    body = textwrap.indent(textwrap.dedent(lines).strip("\n"), " " * 8)
    return (
        doc(
            """
        version: 1
        name: Test
        categories:
          - key: main
            checks:
              - key: the-check
        """
        )
        + body
        + "\n"
    )


def check_problems(fields: dict[str, Any]) -> list[Problem]:
    """The problems of a checklist holding one check with `fields` (key added)."""
    check = {"key": "the-check", **fields}
    document = {"version": 1, "name": "t", "categories": [{"key": "c", "checks": [check]}]}
    return problems_of(json.dumps(document))

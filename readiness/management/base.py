"""The base of readiness's management commands: exit codes, the project lookup, output.

Exit codes: 0 when the command did its work, 1 when the result fails a policy the caller
asked for (`assess --fail-under`), 2 for bad input (a flag, a file, a project that does not
exist, a queue that cannot be reached). Commands raise `BadInput` or `PolicyFailure`;
Django prints the message on stderr and exits with the code."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from readiness.models import Project

POLICY_FAILURE = 1
BAD_INPUT = 2


class BadInput(CommandError):
    """Exit 2: the input (flags, files, names) cannot be used; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=BAD_INPUT)


class PolicyFailure(CommandError):
    """Exit 1: the command worked, and its result fails the policy the caller asked for."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=POLICY_FAILURE)


class ReadinessCommand(BaseCommand):
    """A management command of readiness."""

    # Said when the slug names no project: each command words it for its own use (the
    # messages are part of the public CLI). Translated when said.
    project_missing = gettext_noop("--project %(slug)s: no such project")

    def project(self, slug: str) -> Project:
        """The project `slug`; BadInput (with `project_missing`) when there is none."""
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            raise BadInput(_(self.project_missing) % {"slug": slug})
        return project

    def add_json_argument(self, parser: CommandParser, help_text: str) -> None:
        """`--json`: print one JSON document instead of the text."""
        parser.add_argument("--json", action="store_true", help=help_text)

    def write_output(self, data: Any, *, as_json: bool, text: Callable[[Any], str]) -> None:
        """`data` as one JSON document, or as the text `text(data)`."""
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(text(data))


def aligned_table(header: list[str], rows: list[list[str]]) -> str:
    """`header` and `rows` as columns padded to their widest cell, two spaces apart."""
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *rows]
    )

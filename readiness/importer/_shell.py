"""Shell command lines read like a shell would, and paths made relative to the repository.

Words, operators and quoting; `Refused` says why a command cannot become a check."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from readiness.importer.notes import NoteMessage


class Refused(Exception):
    """A command that cannot become a check; `message` says why."""

    def __init__(self, message: NoteMessage) -> None:
        super().__init__(str(message))
        self.message = message


def refuse(template: Any, **params: Any) -> Refused:
    return Refused(NoteMessage(template, params))


@dataclass(frozen=True)
class Word:
    text: str
    glob: bool = False  # an unquoted *, ? or [ that the shell would expand
    expands: bool = False  # $VAR, $(...), `...`, ~ or {a,b}: not knowable here


@dataclass(frozen=True)
class Op:
    text: str


Token = Word | Op
_OPERATORS = ("&&", "||", ">>", "&>", ">&2", "|", "&", ";", ">", "<", "(", ")")


def tokenize(line: str) -> list[Token]:
    """Shell words and operators of one command line (POSIX quoting rules)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    text: list[str] = []
    started = glob = expands = False

    def finish() -> None:
        nonlocal text, started, glob, expands
        if started:
            tokens.append(Word("".join(text), glob, expands))
        text, started, glob, expands = [], False, False, False

    while i < n:
        c = line[i]
        if c in " \t":
            finish()
            i += 1
        elif c == "#" and not started:
            break
        elif c == "'":
            end = line.find("'", i + 1)
            if end == -1:
                raise refuse(_("unbalanced single quote"))
            text.append(line[i + 1 : end])
            started = True
            i = end + 1
        elif c == '"':
            i += 1
            started = True
            while True:
                if i >= n:
                    raise refuse(_("unbalanced double quote"))
                d = line[i]
                if d == '"':
                    i += 1
                    break
                if d == "\\" and i + 1 < n and line[i + 1] in '$`"\\':
                    text.append(line[i + 1])
                    i += 2
                    continue
                if d in "$`":
                    expands = True
                text.append(d)
                i += 1
        elif c == "\\":
            if i + 1 < n:
                text.append(line[i + 1])
            started = True
            i += 2
        else:
            operator = None
            if not started:
                operator = next(
                    (op for op in ("2>&1", "2>>", "2>") if line.startswith(op, i)), None
                )
            if operator is None:
                operator = next((op for op in _OPERATORS if line.startswith(op, i)), None)
            if operator:
                finish()
                tokens.append(Op(operator))
                i += len(operator)
                continue
            if c in "$`" or (c == "~" and not started):
                expands = True
            elif c in "*?[":
                glob = True
            elif c == "{" and re.match(r"\{[^}\s]*(,|\.\.)[^}\s]*\}", line[i:]):
                expands = True
            text.append(c)
            started = True
            i += 1
    finish()
    return tokens


def relative_path(text: str, cwd: str) -> str:
    """`text` relative to the repository root, or Refused when it leaves it."""
    if text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
        raise refuse(_("the path %(path)s is absolute"), path=text)
    joined = posixpath.normpath(posixpath.join(cwd, text)) if cwd else posixpath.normpath(text)
    if joined == ".." or joined.startswith("../"):
        raise refuse(_("the path %(path)s leaves the repository"), path=text)
    return "" if joined == "." else joined

"""User-supplied regular expressions, compiled with RE2 (linear time, no backtracking).

RE2 has no backreferences or look-around; such a pattern is rejected at validation with
the construct named, rather than silently matching something else."""

from __future__ import annotations

import re
from functools import lru_cache

import re2

# The one length limit of a pattern, wherever it comes from (checklist, importer).
MAX_PATTERN_LENGTH = 2_000
# RE2 refuses patterns whose compiled program would exceed this many bytes.
MAX_PROGRAM_MEMORY = 8 << 20

_UNSUPPORTED = [
    (re.compile(r"\\[1-9]"), "backreference {0} is not supported (RE2 syntax)"),
    (re.compile(r"\\k<"), "named backreference {0} is not supported (RE2 syntax)"),
    (re.compile(r"\(\?="), "look-ahead {0} is not supported (RE2 syntax)"),
    (re.compile(r"\(\?!"), "negative look-ahead {0} is not supported (RE2 syntax)"),
    (re.compile(r"\(\?<="), "look-behind {0} is not supported (RE2 syntax)"),
    (re.compile(r"\(\?<!"), "negative look-behind {0} is not supported (RE2 syntax)"),
    (re.compile(r"\(\?>"), "atomic group {0} is not supported (RE2 syntax)"),
    (re.compile(r"[*+?}]\+"), "possessive quantifier {0} is not supported (RE2 syntax)"),
]


class PatternError(ValueError):
    """A pattern RE2 cannot use; the message names the construct."""


def _options(*, ignore_case: bool, multiline: bool) -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_MEMORY
    options.case_sensitive = not ignore_case
    # Whole-file matching: `.` still stops at a newline (as in grep), but `\s` and
    # character classes span lines, and ^/$ anchor at line boundaries.
    options.one_line = False
    options.never_nl = not multiline
    return options


def _unsupported_construct(source: str) -> str | None:
    for finder, message in _UNSUPPORTED:
        found = finder.search(source)
        if found and not _escaped(source, found.start()):
            return message.format(found.group(0))
    return None


def _escaped(source: str, index: int) -> bool:
    backslashes = 0
    while index > 0 and source[index - 1] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


@lru_cache(maxsize=1024)
def compile_pattern(source: str, *, ignore_case: bool = False, multiline: bool = False):
    """Compile `source` with RE2 or raise PatternError saying what is wrong."""
    if not isinstance(source, str) or source == "":
        raise PatternError("pattern is empty")
    if len(source) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(source, _options(ignore_case=ignore_case, multiline=multiline))
    except re2.error as exc:
        construct = _unsupported_construct(source)
        if construct:
            raise PatternError(construct) from None
        message = exc.args[0] if exc.args else str(exc)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise PatternError(_friendly(message)) from None


def _friendly(message: str) -> str:
    if message.startswith("missing )"):
        return f"unbalanced parenthesis ({message})"
    if message.startswith("unexpected )"):
        return f"unbalanced parenthesis ({message})"
    if message.startswith("pattern too large"):
        return "pattern is too large for RE2's memory limit"
    return message


# Texts on which a pattern that can match the empty string shows it.
_EMPTY_PROBES = ("", "a", " ", "a a\n", "_0.\n-")


def can_match_empty(compiled) -> bool:
    """Whether `compiled` finds an empty match in a few typical texts: searched for in a
    file, such a pattern matches at every position."""
    return any(
        match.start() == match.end()
        for probe in _EMPTY_PROBES
        for match in compiled.finditer(probe)
    )


def pattern_problem(
    source: object, *, groups: int | None = None, searched: bool = False
) -> str | None:
    """None when `source` is a usable pattern (with exactly `groups` capture groups when
    given; never matching an empty string when `searched` in files), else the message."""
    if not isinstance(source, str):
        return "pattern must be a string"
    try:
        compiled = compile_pattern(source)
    except PatternError as exc:
        return str(exc)
    if groups is not None and compiled.groups != groups:
        return f"pattern must have exactly {groups} capture group(s), it has {compiled.groups}"
    if searched and can_match_empty(compiled):
        return "pattern can match an empty string, so it would match on every line"
    return None

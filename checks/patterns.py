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
# Patterns that compile to more RE2 instructions than this are refused: a big program is
# what nested counted repetitions make, and on the wrong text RE2 leaves its fast DFA for a
# search whose cost grows with the program (`(?i)([a-z]{1,50}\s*){1,20}zzz`: 7106
# instructions, 30 s over 2 MB). A 2,000-character literal is about 2,000.
MAX_PROGRAM_SIZE = 5_000
_COUNTED = re.compile(r"\{(\d+)(,(\d*))?\}")

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
        compiled = re2.compile(source, _options(ignore_case=ignore_case, multiline=multiline))
    except re2.error as exc:
        construct = _unsupported_construct(source)
        if construct:
            raise PatternError(construct) from None
        message = exc.args[0] if exc.args else str(exc)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise PatternError(_friendly(message)) from None
    size = program_size(compiled)
    if size > MAX_PROGRAM_SIZE:
        raise PatternError(_too_big(source, size))
    return compiled


def program_size(compiled) -> int:
    """The number of instructions of a compiled pattern (the larger of the forward and
    the reverse program, which finds where a match starts)."""
    return max(compiled.programsize, compiled.reverseprogramsize)


def _too_big(source: str, size: int) -> str:
    """Why `source` makes a program of `size` instructions: the counted repetitions that
    multiply, when there are some."""
    cost = f"makes a program of {size} instructions (limit {MAX_PROGRAM_SIZE})"
    found = _repetitions(source)
    nested = [
        (inner, outer)
        for inner in found
        for outer in found
        if outer is not inner and outer[0] <= inner[0] and inner[1] <= outer[1]
    ]
    if nested:
        inner, outer = max(nested, key=lambda pair: _times(pair[0][2]) * _times(pair[1][2]))
        return f"counted repetition {inner[2]} inside {outer[2]} {cost}"
    if found:
        return f"counted repetition {max(found, key=lambda item: _times(item[2]))[2]} {cost}"
    return f"the pattern {cost}"


def _times(counted: str) -> int:
    """How many copies of its operand a counted repetition makes: {2,5} and {5} make 5,
    {5,} makes 5 and a loop."""
    found = _COUNTED.fullmatch(counted)
    assert found is not None
    return int(found.group(3) or found.group(1))


def _repetitions(source: str) -> list[tuple[int, int, str]]:
    """The counted repetitions of `source`: (start of their operand, end, `{m,n}` text).
    A repetition lies inside another when its span lies inside the other's."""
    found: list[tuple[int, int, str]] = []
    groups: list[int] = []
    operand: int | None = None  # where the last operand starts
    i, end = 0, len(source)
    while i < end:
        char = source[i]
        if char == "\\":
            if source.startswith("\\Q", i):
                stop = source.find("\\E", i + 2)
                stop = end if stop < 0 else stop
                operand = stop - 1 if stop > i + 2 else operand
                i = stop + 2
                continue
            step = i + 2
            if source[i + 1 : i + 2] in ("x", "p", "P") and source[step : step + 1] == "{":
                close = source.find("}", step)
                step = end if close < 0 else close + 1
            operand, i = i, step
            continue
        if char == "[":
            operand, i = i, _class_end(source, i)
            continue
        if char == "(":
            groups.append(i)
            operand = None
        elif char == ")":
            operand = groups.pop() if groups else None
        elif char == "{" and operand is not None and (counted := _COUNTED.match(source, i)):
            found.append((operand, counted.end(), counted.group(0)))
            i = counted.end()
            continue
        elif char == "|":
            operand = None
        elif char not in "*+?":
            operand = i
        i += 1
    return found


def _class_end(source: str, start: int) -> int:
    """The index after the character class that opens at `start`."""
    i = start + 1
    if source.startswith("^", i):
        i += 1
    if source.startswith("]", i):
        i += 1
    while i < len(source) and source[i] != "]":
        if source.startswith("[:", i) and (close := source.find(":]", i + 2)) >= 0:
            i = close + 2
        else:
            i += 2 if source[i] == "\\" else 1
    return i + 1


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
    source: object,
    *,
    groups: int | None = None,
    searched: bool = False,
    ignore_case: bool = False,
    multiline: bool = False,
) -> str | None:
    """None when `source` is a usable pattern (with exactly `groups` capture groups when
    given; never matching an empty string when `searched` in files), else the message."""
    if not isinstance(source, str):
        return "pattern must be a string"
    try:
        compiled = compile_pattern(source, ignore_case=ignore_case, multiline=multiline)
    except PatternError as exc:
        return str(exc)
    if groups is not None and compiled.groups != groups:
        return f"pattern must have exactly {groups} capture group(s), it has {compiled.groups}"
    if searched and can_match_empty(compiled):
        return "pattern can match an empty string, so it would match on every line"
    return None

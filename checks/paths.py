"""Path globs of checklists: relative to the repository root, `**` spans directories,
`*` and `?` stay inside one. A glob never leads outside the repository."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import re2

MAX_GLOB_LENGTH = 1_000


def glob_problem(glob: object) -> str | None:
    """None for a usable glob, else the message to show."""
    if not isinstance(glob, str) or not glob.strip():
        return "path glob must be a non-empty string"
    if len(glob) > MAX_GLOB_LENGTH:
        return f"path glob is longer than {MAX_GLOB_LENGTH} characters"
    if "\x00" in glob:
        return "path glob contains a NUL character"
    if glob.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", glob) or glob.startswith("~"):
        return f"absolute path {glob!r} is not allowed: paths are relative to the repository root"
    parts = re.split(r"[\\/]", glob)
    if ".." in parts:
        return f"path {glob!r} leaves the repository ('..' is not allowed)"
    return None


def _glob_source(glob: str, *, one_line: bool = False) -> str:
    """The regex text for `glob`. With `one_line`, no part of it matches a newline, so it
    can run over many newline-separated paths at once."""
    any_char, not_slash = ("[^\\n]", "[^/\\n]") if one_line else (".", "[^/]")
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append(f"(?:{any_char}*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(f"{any_char}*")
            i += 2
        elif c == "*":
            out.append(f"{not_slash}*")
            i += 1
        elif c == "?":
            out.append(not_slash)
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end]
                negated = body.startswith("!")
                if negated:
                    body = "^" + body[1:]
                body = body.replace("\\", "\\\\")
                out.append("[" + body + ("\\n" if negated and one_line else "") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    # A glob naming a directory selects everything below it.
    return "".join(out) + f"(?:/{any_char}*)?"


@lru_cache(maxsize=4096)
def glob_regex(glob: str) -> re.Pattern[str]:
    """A regex matching repository-relative POSIX paths that `glob` selects."""
    return re.compile(_glob_source(glob), re.DOTALL)


@lru_cache(maxsize=1024)
def _bulk_regex(glob: str):
    """`glob` as an RE2 regex over newline-separated paths, or None where RE2 and Python
    could read it differently (a `[` inside a class) or RE2 refuses it."""
    if "\n" in glob or glob.count("[") > 1:
        return None
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(f"(?m)^(?:{_glob_source(glob, one_line=True)})$", options)
    except re2.error:
        return None


def _joinable(path: str) -> bool:
    if "\n" in path:
        return False
    if path.isascii():
        return True
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class PathIndex:
    """Many paths, selected by glob with one linear-time RE2 pass over all of them per
    glob (a per-path Python regex can backtrack badly on globs like `**/a**/a**/b`)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._plain: list[str] = []
        # Paths with a newline cannot be joined by newlines, and RE2 reads UTF-8 only.
        self._odd: list[str] = []
        for path in paths:
            (self._plain if _joinable(path) else self._odd).append(path)
        self._text = "\n".join(self._plain).encode("utf-8")

    def select(self, glob: str) -> list[str]:
        """The indexed paths that `glob` selects (paths without a newline first)."""
        if glob in ("**", "**/*"):
            return self._plain + self._odd
        regex = _bulk_regex(glob)
        if regex is None:
            found = [path for path in self._plain if glob_matches(glob, path)]
        else:
            found = [
                match.group().decode("utf-8")
                for match in regex.finditer(self._text)
            ]
        return found + [path for path in self._odd if glob_matches(glob, path)]


def glob_matches(glob: str, path: str) -> bool:
    return glob_regex(glob).fullmatch(path) is not None


def any_glob_matches(globs: tuple[str, ...] | list[str], path: str) -> bool:
    return any(glob_matches(glob, path) for glob in globs)

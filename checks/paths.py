"""Path globs of checklists: relative to the repository root, `**` spans directories,
`*` and `?` stay inside one. A glob never leads outside the repository."""

from __future__ import annotations

import re
from functools import lru_cache

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


@lru_cache(maxsize=4096)
def glob_regex(glob: str) -> re.Pattern[str]:
    """A regex matching repository-relative POSIX paths that `glob` selects."""
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    # A glob naming a directory selects everything below it.
    return re.compile("".join(out) + "(?:/.*)?", re.DOTALL)


def glob_matches(glob: str, path: str) -> bool:
    return glob_regex(glob).fullmatch(path) is not None


def any_glob_matches(globs: tuple[str, ...] | list[str], path: str) -> bool:
    return any(glob_matches(glob, path) for glob in globs)

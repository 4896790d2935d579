"""Path globs of checklists: relative to the repository root, `**` spans directories,
`*` and `?` stay inside one. A glob never leads outside the repository."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

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
    glob = _normalized(glob)
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


_UNANCHORED = re2._Anchor.UNANCHORED


def re2_spans(regex: Any, data: bytes) -> Iterator[list[tuple[int, int]]]:
    """The group spans of each successive match of a compiled re2 regex in `data`, as the
    re2 module's own finditer loop finds them, without building a match object per match
    (that object costs more than the search on files with many matches). Uses the
    module's underlying RE2 object; google-re2 is pinned."""
    raw = regex._regexp
    pos, end = 0, len(data)
    while True:
        spans = raw.Match(_UNANCHORED, data, pos, end)
        if spans[0][0] < 0:
            return
        yield spans
        start, stop = spans[0]
        if stop == start:
            # An empty match would be found again: step over one byte.
            if stop >= end:
                return
            pos = stop + 1
        else:
            pos = stop


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
    """Many paths, selected by glob. Exact, and fast for the usual shapes: the glob's
    literal directory prefix narrows the sorted paths by bisection, `**/*.ext` is a
    suffix test, and any other glob runs as one linear-time RE2 pass over the remaining
    paths joined by newlines (a per-path Python regex can backtrack badly on globs such as
    `**/a**/a**/b`)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._plain: list[str] = []
        # Paths with a newline cannot be joined by newlines, and RE2 reads UTF-8 only.
        self._odd: list[str] = []
        for path in sorted(paths):
            (self._plain if _joinable(path) else self._odd).append(path)
        self._text: bytes | None = None

    def _range(self, prefix: str) -> tuple[int, int]:
        if not prefix:
            return 0, len(self._plain)
        low = bisect.bisect_left(self._plain, prefix)
        high = bisect.bisect_left(self._plain, prefix[:-1] + chr(ord(prefix[-1]) + 1))
        return low, high

    def select(self, glob: str) -> list[str]:
        """The indexed paths that `glob` selects, sorted."""
        found = self._select_plain(_normalized(glob))
        odd = [path for path in self._odd if glob_matches(glob, path)]
        return sorted(found + odd) if odd else found

    def _select_plain(self, glob: str) -> list[str]:
        wild = min((glob.find(c) for c in "*?[" if c in glob), default=-1)
        if wild == -1:
            # A plain path: that file, or everything below that directory.
            low, high = self._range(glob + "/")
            exact = [glob] if self._contains(glob) else []
            return exact + self._plain[low:high]
        prefix = glob[: glob.rfind("/", 0, wild) + 1]
        rest = glob[len(prefix) :]
        low, high = self._range(prefix)
        candidates = self._plain[low:high]
        if not candidates:
            return []
        if rest in ("**", "**/*"):
            return candidates
        suffix = _SUFFIX_GLOB.fullmatch(rest)
        if suffix:
            # `**/*.py` selects paths with a component ending in `.py` (the file, or a
            # directory of that name with everything below it).
            end, inner = suffix.group(1), suffix.group(1) + "/"
            cut = len(prefix)
            return [p for p in candidates if p.endswith(end) or inner in p[cut:]]
        regex = _bulk_regex(glob)
        if regex is None:
            return [path for path in candidates if glob_matches(glob, path)]
        if (low, high) == (0, len(self._plain)):
            if self._text is None:
                self._text = "\n".join(self._plain).encode("utf-8")
            text = self._text
        else:
            text = "\n".join(candidates).encode("utf-8")
        return [text[start:end].decode("utf-8") for (start, end), *_ in re2_spans(regex, text)]

    def _contains(self, path: str) -> bool:
        index = bisect.bisect_left(self._plain, path)
        return index < len(self._plain) and self._plain[index] == path


_SUFFIX_GLOB = re.compile(r"\*\*/\*([^*?\[/]+)")


def _normalized(glob: str) -> str:
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    return glob


def glob_matches(glob: str, path: str) -> bool:
    return glob_regex(glob).fullmatch(path) is not None

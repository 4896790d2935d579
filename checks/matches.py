"""What the shared scan finds, and how a file check asks for it: patterns, matches, scopes.

A file check type (checks.checktype, kind FILE) names the `Use`s its options need (a list
of globs and the pattern run there); the scan (checks.scan) runs every use of every check in
one pass and hands each check a `Found`, from which it reads a `Scope` per use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from checks.spec import Evidence

BINARY_REASON = "binary file (NUL byte in the first 8 KiB)"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One user pattern as the scan runs it. Equal matchers are run once per file."""

    pattern: str
    ignore_case: bool = False
    multiline: bool = False
    capture: bool = False  # keep the values of group 1 (consistency sources)


@dataclass(frozen=True, slots=True)
class Hit:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class FileMatches:
    """What one matcher found in one file. `hits` holds the first lines with a match
    (bounded); `values` the captured values with their lines (bounded). `truncated`: the
    count stopped at the scan's limit, so it is a lower bound."""

    count: int = 0
    hits: tuple[Hit, ...] = ()
    values: tuple[tuple[str, tuple[int, ...]], ...] = ()
    non_utf8: bool = False
    truncated: bool = False


NO_MATCHES = FileMatches()


@dataclass(frozen=True)
class Scope:
    """The files one `paths` list selected and what one matcher found in them."""

    paths: Sequence[str]  # every selected file, sorted
    matches: Mapping[str, FileMatches] = field(default_factory=dict)  # files with matches
    skipped: Mapping[str, str] = field(default_factory=dict)  # not searched -> reason

    @property
    def searched(self) -> int:
        return len(self.paths) - len(self.skipped)

    def found(self, path: str) -> FileMatches:
        return self.matches.get(path, NO_MATCHES)

    def evidence(self, path: str) -> tuple[Evidence, ...]:
        """The evidence lines of `path`: one per line of its hits."""
        return tuple(Evidence(path, hit.line, hit.text) for hit in self.found(path).hits)

    # Sums over the files with matches. A scope kept up to date file by file (the history
    # walk, checks.history) answers them from its running totals instead.

    def total(self) -> int:
        """The matches of every file, added up."""
        return sum(found.count for found in self.matches.values())

    def truncated(self) -> bool:
        """Whether some file's count stopped at a limit."""
        return any(found.truncated for found in self.matches.values())

    def matching(self) -> list[str]:
        """The files with at least one match, sorted."""
        return sorted(path for path, found in self.matches.items() if found.count)

    def non_utf8(self) -> list[str]:
        """The files whose matches hold bytes that are not UTF-8, sorted."""
        return sorted(path for path, found in self.matches.items() if found.non_utf8)


@dataclass(frozen=True)
class Use:
    """One `paths` list of a check and the pattern it runs there. With `each_file`, the
    binary status of every file in scope matters, not only of those with a match."""

    globs: tuple[str, ...]
    matcher: Matcher
    each_file: bool = False


class Found(Protocol):
    """What one scan found, as a file check reads it."""

    def scope(self, use: Use) -> Scope:
        """The files `use.globs` select and what its matcher found in them."""
        ...

    def found(self, glob: str) -> list[str]:
        """Every entry of the tree `glob` matches, searched or not, sorted; a symlink that
        leads outside the repository, nowhere or round a loop is no entry of it."""
        ...

    def unlisted(self, globs: Sequence[str]) -> list[str]:
        """The directories that could not be listed and could hold files `globs` match."""
        ...

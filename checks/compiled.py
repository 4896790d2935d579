"""User patterns compiled for the scan's engines, and the tally of one pattern in one file.

Each pattern compiles once per process (its RE2 program is shared by all scans); patterns
that concern the same files combine into one program that rules a file out in one pass,
and an RE2::Set that names which of them match. A `Tally` counts the matches of one pattern
in one file, up to MAX_MATCHES_PER_FILE per file and MAX_MATCHES_PER_SCAN per pattern and
scan (beyond that a count is a lower bound), with the first evidence lines and captured
values. Each pattern, and each combined program, has a `Clock` (checks.budget): the
matching time it may spend in the scan.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import re2

from checks.budget import DEFAULT_PATTERN_SECONDS, NEVER, Cancel, Clock
from checks.matches import NO_MATCHES, FileMatches, Hit, Matcher
from checks.paths import re2_spans
from checks.patterns import compile_pattern, program_size
from checks.spec import MAX_EVIDENCE_ITEMS, MAX_EVIDENCE_TEXT, clip

_UNANCHORED = re2._Anchor.UNANCHORED
MAX_MATCHES_PER_FILE = 100_000
MAX_MATCHES_PER_SCAN = 1_000_000
MAX_VALUES_PER_FILE = 100
# RE2 programs that combine many user patterns get more room than a single one.
_COMBINED_MAX_MEM = 64 << 20


def re2_options(*, multiline: bool) -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _COMBINED_MAX_MEM
    options.never_nl = not multiline
    return options


def _per_line(pattern: str) -> bool:
    """Whether a line-mode pattern must really run line by line: `\\A`/`\\z` mean the start
    and end of a line there, and a `(?-m)` flag would undo the implied multi-line mode."""
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            if pattern[i + 1 : i + 2] in ("A", "z"):
                return True
            i += 2
            continue
        if pattern.startswith("(?", i):
            end = pattern.find(")", i)
            flags = pattern[i + 2 : end if end != -1 else len(pattern)].split(":")[0]
            if "-" in flags and "m" in flags:
                return True
        i += 1
    return False


class Compiled:
    """A Matcher compiled for the engines: `regex` runs over a whole file (line mode: with
    never_nl, so no match crosses a newline), `set_source` is the same pattern with its
    flags inlined, for combining with others. One per pattern and scan (it holds the
    scan's match budget and its clock); the compiled parts are shared by all scans."""

    def __init__(self, matcher: Matcher, seconds: float = DEFAULT_PATTERN_SECONDS) -> None:
        self.matcher = matcher
        self.key, self.set_source, self.regex, self.per_line, self.empty = _compiled(matcher)
        self.size = program_size(self.regex)
        # Matches this pattern may still count in this scan.
        self.budget = MAX_MATCHES_PER_SCAN
        self.clock = Clock(seconds)


@functools.lru_cache(maxsize=1024)
def _compiled(matcher: Matcher) -> tuple[str, str, Any, bool, bool]:
    # The BlobCache's key: a string hashes once, a dataclass on every lookup.
    key = f"{matcher.ignore_case:d}{matcher.multiline:d}{matcher.capture:d}:{matcher.pattern}"
    flags = ("(?i)" if matcher.ignore_case else "") + "(?m)"
    regex = compile_pattern(
        "(?m)" + matcher.pattern, ignore_case=matcher.ignore_case, multiline=matcher.multiline
    )
    per_line = not matcher.multiline and _per_line(matcher.pattern)
    return key, flags + matcher.pattern, regex, per_line, matches_empty(regex)


_EMPTY_PROBES = (b"", b"a", b" ", b"a a\n", b"_0.\n-")


def matches_empty(regex: Any) -> bool:
    """Whether the pattern finds an empty match in a few typical texts (such a pattern
    matches at every position of every file)."""
    return any(
        start == end for probe in _EMPTY_PROBES for (start, end), *_ in re2_spans(regex, probe)
    )


class Group:
    """The patterns that concern one set of files: a combined regex rules out a file in a
    single pass; a Set then names the patterns that match. The combined program has a
    clock of its own: when it runs out, each pattern runs alone from then on, on its own
    clock, so that the time goes to the pattern that takes it."""

    def __init__(
        self,
        members: Sequence[Compiled],
        *,
        multiline: bool,
        seconds: float = DEFAULT_PATTERN_SECONDS,
    ) -> None:
        self.members = list(members)
        self.any, self.set = None, None
        # A quarter of a pattern's time: a slow member then soon gets a clock of its own.
        self.clock = Clock(seconds / 4)
        self.size = 0
        if len(self.members) > 1:
            # When too big to combine, each pattern runs alone.
            sources = tuple(member.set_source for member in self.members)
            self.any, self.set = _combined(sources, multiline)
            if self.any is not None:
                self.size = program_size(self.any)

    def matching(self, data: bytes, path: str) -> list[Compiled]:
        """The members that match somewhere in `data`, the file `path` (a member whose
        time runs out on it is left out, stopped)."""
        if self.any is not None:
            found = self.clock.run(
                lambda cancel: self._combined(data), path=path, cost=len(data) * self.size
            )
            if found is None:
                self.any = self.set = None
            elif isinstance(found, list):
                return found
        return [
            item
            for item in self.members
            if item.clock.run(
                lambda cancel, regex=item.regex: found_in(regex, data),
                path=path,
                cost=len(data) * item.size,
            )
        ]

    def _combined(self, data: bytes) -> list[Compiled] | bool:
        """The members that match, or True when each must decide for itself."""
        if not found_in(self.any, data):
            return []
        assert self.set is not None
        indices = self.set.Match(data)
        if indices is None:
            # The Set's DFA can run out of memory and then reports nothing: let each
            # pattern decide for itself.
            return True
        return [self.members[index] for index in indices]


@functools.lru_cache(maxsize=256)
def _combined(sources: tuple[str, ...], multiline: bool) -> tuple[Any, Any]:
    """One regex that matches where any of `sources` does, and an RE2::Set naming which;
    (None, None) when they are too big to combine. Kept across scans: a backfill runs the
    same patterns at every revision."""
    if any("\\Q" in source for source in sources):
        return None, None  # an unclosed \Q would quote the `)|(?:` joining the next one
    try:
        any_of = re2.compile(
            "|".join(f"(?:{source})" for source in sources), re2_options(multiline=multiline)
        )
        which = re2.Set.SearchSet(re2_options(multiline=multiline))
        for source in sources:
            which.Add(source)
        which.Compile()
    except re2.error:
        return None, None
    return any_of, which


def found_in(regex: Any, data: bytes) -> bool:
    return next(re2_spans(regex, data), None) is not None


def decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


class Tally:
    """Counts, evidence lines and captured values of one pattern in one file, fed either
    the whole file or its lines one by one."""

    __slots__ = ("capture", "count", "hits", "item", "multiline", "non_utf8", "truncated")
    __slots__ += ("values", "_last_line")

    def __init__(self, item: Compiled) -> None:
        self.item = item
        self.multiline = item.matcher.multiline
        self.capture = item.matcher.capture
        self.count = 0
        self.hits: list[Hit] = []
        self.values: dict[str, list[int]] = {}
        self.non_utf8 = False
        self.truncated = False
        self._last_line = 0

    def scan(self, data: bytes, first_line: int = 1, cancel: Cancel = NEVER) -> None:
        """Count the matches in `data` (its first line numbered `first_line`), stopping
        at the next match once `cancel` is set."""
        if self.truncated:
            return
        # re2_spans's loop, written out: this runs once per match of every new file.
        item = self.item
        search = item.regex._regexp.Match
        newlines = data.count
        hits = self.hits
        capture = self.capture
        multiline = self.multiline
        line, pos, at, stop = first_line, 0, 0, len(data)
        while True:
            spans = search(_UNANCHORED, data, at, stop)
            start, end = spans[0]
            if start < 0:
                return
            if cancel.is_set:
                return
            if start > pos:
                line += newlines(b"\n", pos, start)
                pos = start
            self.count += 1
            if line != self._last_line and len(hits) < MAX_EVIDENCE_ITEMS:
                self._last_line = line
                if multiline:
                    text = self._text(data, start, end)
                else:
                    # _text of a line-mode match, inlined.
                    stop_at = data.find(b"\n", start)
                    raw = data[data.rfind(b"\n", 0, start) + 1 : None if stop_at < 0 else stop_at]
                    try:
                        text = raw.decode("utf-8").strip()
                    except UnicodeDecodeError:
                        text = raw.decode("utf-8", "replace").strip()
                        self.non_utf8 = True
                    if len(text) > MAX_EVIDENCE_TEXT:
                        text = clip(text)
                hits.append(Hit(line, text))
            if capture:
                group_start, group_end = spans[1]
                if group_start >= 0:  # else the group did not take part in this match
                    self._value(data[group_start:group_end], line)
            item.budget -= 1
            if self.count >= MAX_MATCHES_PER_FILE or item.budget <= 0:
                self.truncated = True
                return
            if end == start:
                # An empty match would be found again: step over one byte.
                if end >= stop:
                    return
                at = end + 1
            else:
                at = end

    def _text(self, data: bytes, start: int, end: int) -> str:
        if self.multiline:
            text, bad = decode(data[start:end])
            text = " ".join(text.split())
        else:
            stop = data.find(b"\n", start)
            text, bad = decode(data[data.rfind(b"\n", 0, start) + 1 : None if stop < 0 else stop])
            text = text.strip()
        self.non_utf8 = self.non_utf8 or bad
        return clip(text)

    def _value(self, raw: bytes, line: int) -> None:
        value, bad = decode(raw)
        self.non_utf8 = self.non_utf8 or bad
        lines = self.values.get(value)
        if lines is None:
            if len(self.values) >= MAX_VALUES_PER_FILE:
                return
            lines = self.values[value] = []
        if len(lines) < MAX_EVIDENCE_ITEMS:
            lines.append(line)

    def result(self) -> FileMatches:
        if not self.count and not self.truncated:
            return NO_MATCHES
        return FileMatches(
            self.count,
            tuple(self.hits),
            tuple((value, tuple(lines)) for value, lines in self.values.items()),
            self.non_utf8,
            self.truncated,
        )


BINARY_HIT = FileMatches(count=1)
NOT_EXAMINED = FileMatches(truncated=True)

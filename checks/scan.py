"""All file-based checks of an assessment (grep, file, consistency) in one pass over a tree.

`run_file_checks(specs, tree)` lists the tree once, selects each check's files by glob, reads
each file at most once and runs every pattern that concerns it, then hands each check the
per-file match data (see checks.grep for the semantics). Two engines do the matching:

- Python + RE2 (any tree, always correct): per file, one RE2 pass with all its patterns
  combined says whether anything matches at all; only then does an RE2::Set say which, and
  each of those runs alone to count and collect evidence. A `BlobCache` keeps these
  per-blob results, so scanning consecutive git revisions reads and matches only the blobs
  that changed.
- ripgrep (a `WorkingTree`, when `rg` is installed): one `rg` process searches every
  line-mode pattern at once, translated to Rust regex syntax, while Python lists the tree;
  each line it reports is confirmed with RE2, which decides. The translation must never
  make rg miss a line RE2 would match: it is exact or wider (ASCII classes spelled out,
  `\\b` as ASCII `(?-u:\\b)`, a literal `{` escaped, ...) and a pattern it is not sure of
  (Unicode classes, case-insensitive non-ASCII, a literal newline, ...) goes to the Python
  engine instead. A multiline pattern runs in the Python engine, on the files where rg
  found a line matching its leading newline-free part (see `line_prefix`). Files rg cannot
  report (symlinks, paths with a newline) go to the Python engine too, and if rg fails in
  any way, everything does. rg keeps `--no-ignore` (its ignore rules are not git's, and a
  tracked file that .gitignore matches must be searched) but is told to skip what the
  tree leaves out as git-ignored; what it reports is taken only for files the tree lists.

Limits that keep one scan bounded whatever the repository holds: files over
`max_file_bytes` are not read, matches are counted up to MAX_MATCHES_PER_FILE per file and
MAX_MATCHES_PER_SCAN per pattern (beyond that a count is a lower bound), rg's output is
capped, and every child process has a deadline.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from operator import attrgetter, is_not
from pathlib import Path
from typing import Any

import re2

from checks import registry
from checks.checktype import CheckType, Kind
from checks.matches import (
    BINARY_REASON,
    NO_MATCHES,
    FileMatches,
    Hit,
    Matcher,
    Scope,
    Use,
)
from checks.paths import PathIndex, re2_spans
from checks.patterns import PatternError, compile_pattern
from checks.source import (
    CappedProcess,
    FileEntry,
    Ignored,
    SkippedFile,
    SourceError,
    Tree,
    WorkingTree,
    read_ahead,
    ripgrep_binary,
)
from checks.spec import MAX_EVIDENCE_ITEMS, CheckSpec, Outcome, clip

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
BINARY_PROBE_BYTES = 8192
MAX_MATCHES_PER_FILE = 100_000
MAX_MATCHES_PER_SCAN = 1_000_000
MAX_VALUES_PER_FILE = 100
MAX_RG_OUTPUT = 256 << 20
RG_TIMEOUT_S = 300.0
# Beyond these, what git ignores is left to the filter on rg's output (argv has a size limit).
MAX_RG_EXCLUSIONS = 2_000
MAX_RG_EXCLUSION_BYTES = 256 << 10
_GLOB_SPECIAL = frozenset("\\[]{}*?! ")
_PATH = attrgetter("path")
_SIZE = attrgetter("size")
# RE2 programs that combine many user patterns get more room than a single one.
_COMBINED_MAX_MEM = 64 << 20


# -- compiled patterns --------------------------------------------------------------------


def _options(*, multiline: bool) -> re2.Options:
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


class _Compiled:
    """A Matcher compiled for the engines: `regex` runs over a whole file (line mode: with
    never_nl, so no match crosses a newline), `set_source` is the same pattern with its
    flags inlined, for combining with others. One per pattern and scan (it holds the
    scan's match budget); the compiled parts are shared by all scans."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.key, self.set_source, self.regex, self.per_line, self.empty = _compiled(matcher)
        # Matches this pattern may still count in this scan.
        self.budget = MAX_MATCHES_PER_SCAN


@functools.lru_cache(maxsize=1024)
def _compiled(matcher: Matcher) -> tuple[str, str, Any, bool, bool]:
    # The BlobCache's key: a string hashes once, a dataclass on every lookup.
    key = f"{matcher.ignore_case:d}{matcher.multiline:d}{matcher.capture:d}:{matcher.pattern}"
    flags = ("(?i)" if matcher.ignore_case else "") + "(?m)"
    regex = compile_pattern(
        "(?m)" + matcher.pattern, ignore_case=matcher.ignore_case, multiline=matcher.multiline
    )
    per_line = not matcher.multiline and _per_line(matcher.pattern)
    return key, flags + matcher.pattern, regex, per_line, _matches_empty(regex)


_EMPTY_PROBES = (b"", b"a", b" ", b"a a\n", b"_0.\n-")


def _matches_empty(regex: Any) -> bool:
    """Whether the pattern finds an empty match in a few typical texts (such a pattern
    matches at every position of every file)."""
    return any(
        start == end for probe in _EMPTY_PROBES for (start, end), *_ in re2_spans(regex, probe)
    )


class _Group:
    """The patterns that concern one set of files: a combined regex rules out a file in a
    single pass; a Set then names the patterns that match."""

    def __init__(self, members: Sequence[_Compiled], *, multiline: bool) -> None:
        self.members = list(members)
        self.any, self.set = None, None
        if len(self.members) > 1:
            # When too big to combine, each pattern runs alone.
            sources = tuple(member.set_source for member in self.members)
            self.any, self.set = _combined(sources, multiline)

    def matching(self, data: bytes) -> list[_Compiled]:
        """The members that match somewhere in `data`."""
        if self.any is None:
            return [item for item in self.members if _found(item.regex, data)]
        if not _found(self.any, data):
            return []
        assert self.set is not None
        indices = self.set.Match(data)
        if indices is None:
            # The Set's DFA can run out of memory and then reports nothing: let each
            # pattern decide for itself.
            return [item for item in self.members if _found(item.regex, data)]
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
            "|".join(f"(?:{source})" for source in sources), _options(multiline=multiline)
        )
        which = re2.Set.SearchSet(_options(multiline=multiline))
        for source in sources:
            which.Add(source)
        which.Compile()
    except re2.error:
        return None, None
    return any_of, which


def _data_size(item: tuple[FileEntry, Any, list[_Compiled]]) -> int:
    return len(item[1]) if isinstance(item[1], bytes) else 0


def _found(regex: Any, data: bytes) -> bool:
    return next(re2_spans(regex, data), None) is not None


# -- per-file tallies ---------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


class _Tally:
    """Counts, evidence lines and captured values of one pattern in one file, fed either
    the whole file or its lines one by one."""

    __slots__ = ("capture", "count", "hits", "item", "multiline", "non_utf8", "truncated")
    __slots__ += ("values", "_last_line")

    def __init__(self, item: _Compiled) -> None:
        self.item = item
        self.multiline = item.matcher.multiline
        self.capture = item.matcher.capture
        self.count = 0
        self.hits: list[Hit] = []
        self.values: dict[str, list[int]] = {}
        self.non_utf8 = False
        self.truncated = False
        self._last_line = 0

    def scan(self, data: bytes, first_line: int = 1) -> None:
        if self.truncated:
            return
        line, pos = first_line, 0
        item = self.item
        for spans in re2_spans(item.regex, data):
            start, end = spans[0]
            if start > pos:
                line += data.count(b"\n", pos, start)
                pos = start
            self.count += 1
            if line != self._last_line and len(self.hits) < MAX_EVIDENCE_ITEMS:
                self._last_line = line
                self.hits.append(Hit(line, self._text(data, start, end)))
            if self.capture:
                group_start, group_end = spans[1]
                if group_start >= 0:  # else the group did not take part in this match
                    self._value(data[group_start:group_end], line)
            item.budget -= 1
            if self.count >= MAX_MATCHES_PER_FILE or item.budget <= 0:
                self.truncated = True
                return

    def _text(self, data: bytes, start: int, end: int) -> str:
        if self.multiline:
            text, bad = _decode(data[start:end])
            text = " ".join(text.split())
        else:
            stop = data.find(b"\n", start)
            text, bad = _decode(data[data.rfind(b"\n", 0, start) + 1 : None if stop < 0 else stop])
            text = text.strip()
        self.non_utf8 = self.non_utf8 or bad
        return clip(text)

    def _value(self, raw: bytes, line: int) -> None:
        value, bad = _decode(raw)
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


_BINARY_HIT = FileMatches(count=1)
_NOT_EXAMINED = FileMatches(truncated=True)


# -- blob cache ---------------------------------------------------------------------------


class _BlobRecord:
    """What is known of one blob: the patterns (by _Compiled.key) it was matched against,
    and the results that are not NO_MATCHES."""

    __slots__ = ("binary", "examined", "found")

    def __init__(self, binary: bool) -> None:
        self.binary = binary
        self.examined: frozenset[str] = frozenset()
        self.found: dict[str, FileMatches] = {}


class _Listing:
    """A tree's sorted paths with their glob selections, reusable while the paths stay
    the same (the usual case between consecutive revisions)."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = paths
        self.index = PathIndex(paths)
        self.selected: dict[str, list[str]] = {}
        self.scope_sets: dict[tuple[str, ...], set[str]] = {}
        self.combinations: dict[tuple[Any, ...], Any] = {}
        self.last: _LastScan | None = None


class _LastScan:
    """What the previous scan over a listing found per file, for one set of patterns. An
    entry of the next scan that is the very same object as this scan's (GitRevision reuses
    the entries of unchanged directories) has the same path, blob and size, so what was
    found in it still holds."""

    def __init__(
        self,
        signature: tuple[Any, ...],
        listed: list[FileEntry],
        results: dict[str, dict[str, FileMatches]],
        unreadable: dict[str, str],
    ) -> None:
        self.signature = signature
        self.listed = listed
        self.results = results
        self.unreadable = unreadable


class BlobCache:
    """Per-blob results kept across scans: for each git blob id, whether it is binary and,
    per pattern (with its flags), what it matched. A blob's content never
    changes, so the results hold for any revision and path that uses it. The oldest blobs
    are dropped beyond `max_blobs`. It also keeps the last tree's glob selections, reused
    while the next tree has the same paths. Not thread-safe: one cache per backfill."""

    def __init__(self, max_blobs: int = 200_000) -> None:
        self._blobs: dict[str, _BlobRecord] = {}
        self._max_blobs = max_blobs
        self._listing: _Listing | None = None
        self.reads = 0  # blobs read and matched, for benchmarks and tests
        self.reuses = 0  # blobs answered from the cache

    def __len__(self) -> int:
        return len(self._blobs)

    def _put(self, blob: str, record: _BlobRecord) -> None:
        if blob not in self._blobs and len(self._blobs) >= self._max_blobs:
            for old in list(self._blobs)[: max(1, self._max_blobs // 10)]:
                del self._blobs[old]
        self._blobs[blob] = record


# -- Rust regex translation for ripgrep ---------------------------------------------------

_RUST_META = set("\\.+*?()|[]{}^$#&-~")
_CLASS_META = set("\\]-^&~[")
_PERL = {
    "d": ("[0-9]", "0-9"),
    "s": ("[\\t\\x{0C}\\r ]", "\\t\\x{0C}\\r "),
    "w": ("[0-9A-Za-z_]", "0-9A-Za-z_"),
    "D": ("[^0-9\\n]", None),
    "S": ("[^\\t\\n\\x{0C}\\r ]", None),
    "W": ("[^0-9A-Za-z_\\n]", None),
}
_SIMPLE_ESCAPES = {"t": 0x09, "f": 0x0C, "r": 0x0D, "v": 0x0B, "a": 0x07}
_POSIX_WITHOUT_LETTERS = {"ascii", "blank", "cntrl", "digit", "punct", "space"}
_POSIX = _POSIX_WITHOUT_LETTERS | {"alnum", "alpha", "graph", "lower", "print", "upper"}
_POSIX |= {"word", "xdigit"}


class _Untranslatable(Exception):
    pass


class _Translator:
    """RE2 syntax to a Rust regex for rg that matches at least every line RE2 matches."""

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.ignore_case = ignore_case
        self.non_ascii = False
        self.negated_letters = False

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c == "\\":
                self.escape()
            elif c == "[":
                self.char_class()
            elif c == "(":
                self.group()
            elif c in ")|.^$*+?":
                self.out.append(c)
            elif c == "{":
                self.brace()
            else:
                self.literal(c)
        if self.ignore_case and (self.non_ascii or self.negated_letters):
            raise _Untranslatable("case folding beyond ASCII")
        body = "".join(self.out)
        return f"(?i:{body})" if self.ignore_case else body

    def literal(self, c: str, *, in_class: bool = False) -> str:
        code = ord(c)
        if c == "\n":
            raise _Untranslatable("newline")
        if code > 127:
            self.non_ascii = True
            text = c
        elif code < 0x20 or code == 0x7F:
            text = f"\\x{{{code:02X}}}"
        elif c in (_CLASS_META if in_class else _RUST_META):
            text = "\\" + c
        else:
            text = c
        if not in_class:
            self.out.append(text)
        return text

    def _escaped_char(self) -> str | None:
        """After a backslash: the character a character escape stands for, or None."""
        p = self.p
        d = p[self.i]
        if d in _SIMPLE_ESCAPES:
            self.i += 1
            return chr(_SIMPLE_ESCAPES[d])
        if d == "n":
            self.i += 1
            return "\n"
        if d == "x":
            if p.startswith("{", self.i + 1):
                end = p.index("}", self.i)
                digits, self.i = p[self.i + 2 : end], end + 1
            else:
                digits, self.i = p[self.i + 1 : self.i + 3], self.i + 3
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _Untranslatable("code point")
            return chr(code)
        if d.isascii() and not d.isalnum() and d != "_":
            self.i += 1
            return d
        return None

    def escape(self) -> None:
        if self.i >= len(self.p):
            raise _Untranslatable("trailing backslash")
        d = self.p[self.i]
        if d in _PERL:
            self.i += 1
            self.out.append(_PERL[d][0])
            self.negated_letters = self.negated_letters or d == "W"
        elif d in "bB":
            self.i += 1
            self.out.append(f"(?-u:\\{d})")
        elif d == "A":
            self.i += 1
            self.out.append("^")
        elif d == "z":
            self.i += 1
            self.out.append("$")
        else:
            char = self._escaped_char()
            if char is None:
                raise _Untranslatable(f"escape \\{d}")
            self.literal(char)

    def brace(self) -> None:
        # RE2 reads `{` as a repetition only in the forms {n}, {n,} and {n,m}.
        end = self.p.find("}", self.i)
        body = self.p[self.i : end] if end != -1 else ""
        low, _, high = body.partition(",")
        if end != -1 and low.isdigit() and (not high or high.isdigit()):
            self.out.append("{" + body + "}")
            self.i = end + 1
        else:
            self.out.append("\\{")

    def group(self) -> None:
        p = self.p
        if not p.startswith("?", self.i):
            self.out.append("(?:")
            return
        self.i += 1
        if p.startswith(":", self.i):
            self.i += 1
        elif p.startswith(("P<", "<"), self.i) and not p.startswith(("<=", "<!"), self.i):
            self.i = p.index(">", self.i) + 1
        else:
            end = self.i
            while end < len(p) and p[end] in "imsU":
                end += 1
            if end >= len(p) or p[end] not in ":)":
                raise _Untranslatable("group flags")
            if "i" in p[self.i : end]:
                self.ignore_case = True
            closing = p[end]
            self.i = end + 1
            if closing == ")":
                return  # flags that hold to the end of the group: i is widened to all
        self.out.append("(?:")

    def char_class(self) -> None:
        p = self.p
        negated = p.startswith("^", self.i)
        if negated:
            self.i += 1
        items: list[str] = []
        letters = False
        start = self.i
        while True:
            if self.i >= len(p):
                raise _Untranslatable("unclosed class")
            if p[self.i] == "]" and self.i > start:  # a `]` first is a literal
                self.i += 1
                break
            if p.startswith("[:", self.i):
                end = p.find(":]", self.i + 2)
                name = p[self.i + 2 : end]
                if end == -1 or name.lstrip("^") not in _POSIX:
                    raise _Untranslatable("class")
                items.append(p[self.i : end + 2])
                letters = letters or name.startswith("^")
                letters = letters or name not in _POSIX_WITHOUT_LETTERS
                self.i = end + 2
                continue
            perl = p[self.i + 1 : self.i + 2] if p[self.i] == "\\" else ""
            if perl in ("d", "s", "w"):
                items.append(_PERL[perl][1])
                letters = letters or perl == "w"
                self.i += 2
                continue
            low = self._class_char()
            if p.startswith("-", self.i) and not p.startswith("-]", self.i):
                self.i += 1
                high = self._class_char()
                if ord(high) < ord(low) or (low <= "\n" <= high and not negated):
                    raise _Untranslatable("class range")
                letters = letters or _has_letters(low, high)
                items.append(self._class_text(low) + "-" + self._class_text(high))
            elif low != "\n":
                letters = letters or _has_letters(low, low)
                items.append(self._class_text(low))
        if negated:
            # RE2's line mode never matches a newline; say so to rg as well.
            items.append("\\n")
            self.negated_letters = self.negated_letters or letters
        if not items:
            raise _Untranslatable("class that only holds a newline")
        self.out.append("[" + ("^" if negated else "") + "".join(items) + "]")

    def _class_char(self) -> str:
        p = self.p
        c = p[self.i]
        self.i += 1
        if c != "\\":
            return c
        if self.i >= len(p):
            raise _Untranslatable("trailing backslash")
        char = self._escaped_char()
        if char is None:
            raise _Untranslatable(f"escape \\{p[self.i]} in class")
        return char

    def _class_text(self, c: str) -> str:
        return self.literal(c, in_class=True)


def _has_letters(low: str, high: str) -> bool:
    if ord(high) > 127:
        return True
    return any(chr(code).isalpha() for code in range(ord(low), ord(high) + 1))


def _top_level_items(pattern: str) -> list[str] | None:
    """The pattern split into its top-level items (an atom or group with its quantifier),
    or None when it has a top-level alternation."""
    items: list[str] = []
    i, n, depth, start = 0, len(pattern), 0, 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):
                i += 1  # a leading `]` is a literal
            while i < n and pattern[i] != "]":
                posix = pattern.find(":]", i) if pattern.startswith("[:", i) else -1
                if pattern[i] == "\\":
                    i += 2
                elif posix != -1:
                    i = posix + 2
                else:
                    i += 1
            i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == "|" and depth == 0:
            return None
        else:
            i += 1
        if depth == 0:
            # A quantifier belongs to the item before it.
            while i < n and pattern[i] in "*+?{":
                if pattern[i] == "{":
                    end = pattern.find("}", i)
                    body = pattern[i + 1 : end] if end != -1 else ""
                    if not body.replace(",", "", 1).isdigit():
                        break
                    i = end + 1
                else:
                    i += 1
            items.append(pattern[start:i])
            start = i
    return items if depth == 0 else None


# Constructs that may match a newline in multiline mode (conservative).
_NEWLINE_CAPABLE = ("\\s", "\\n", "\\D", "\\W", "\\x", "\\0", "\\C", "\\p", "\\P", "[^")
_NEWLINE_CAPABLE += ("[:space:]", "[:cntrl:]", "[:^", "\\Q")


def line_prefix(pattern: str) -> str | None:
    """For a multiline pattern, its longest leading run of top-level items that can never
    match a newline, when that run is a usable pattern of its own. Every match of the
    whole pattern starts with a match of this prefix inside one line, so a file whose
    lines never match it cannot match the pattern."""
    items = _top_level_items(pattern)
    if not items:
        return None
    dot_all = "(?" in pattern and any(
        "s" in flags.split(":")[0].split("-")[0] for flags in pattern.split("(?")[1:]
    )
    prefix: list[str] = []
    for item in items:
        if any(token in item for token in _NEWLINE_CAPABLE) or (dot_all and "." in item):
            break
        if any(ord(c) < 0x20 for c in item) or ("[" in item and "\\" in item and "-" in item):
            break
        prefix.append(item)
    text = "".join(prefix)
    if not text:
        return None
    try:
        compiled = compile_pattern(text)
    except PatternError:
        return None
    if _matches_empty(compiled):
        return None  # it would nominate every line
    return text


def rust_translation(pattern: str, *, ignore_case: bool = False) -> str | None:
    """A Rust-syntax regex for rg that matches at least every line that `pattern` (RE2,
    line mode) matches, or None when no such translation is certain."""
    try:
        return _Translator(pattern, ignore_case).run()
    except (_Untranslatable, ValueError, IndexError):
        return None


# -- the ripgrep engine -------------------------------------------------------------------


def rg_exclusions(ignored: Ignored | None) -> list[str]:
    """`--glob` arguments that keep rg out of what git ignores: anchored at the search root
    by a leading `/` (rg 14 reads override globs as gitignore lines), a directory with a
    trailing `/`, glob characters escaped. Only a speed-up, since rg's output is taken for
    listed files only: a name a glob cannot spell safely (a control character, bytes that
    are not UTF-8) and anything beyond the limits are left to that filter. Directories come
    first: they hold the bulk."""
    if ignored is None:
        return []
    globs: list[str] = []
    size = 0
    for names, tail in ((ignored.directories, "/"), (ignored.files, "")):
        for name in sorted(names):
            if not name.isprintable():
                continue
            escaped = "".join("\\" + c if c in _GLOB_SPECIAL else c for c in name)
            glob = f"--glob=!/{escaped}{tail}"
            size += len(glob.encode()) + 1
            if len(globs) >= MAX_RG_EXCLUSIONS or size > MAX_RG_EXCLUSION_BYTES:
                return globs
            globs.append(glob)
    return globs


class _Ripgrep:
    """One rg process over a working tree for every line-mode pattern it can take.
    rg only nominates lines; RE2 confirms each one, so rg's wider reading is harmless."""

    def __init__(
        self,
        root: Path,
        compiled: Iterable[_Compiled],
        max_file_bytes: int,
        exclusions: Sequence[str] = (),
    ) -> None:
        self.members: list[_Compiled] = []
        # For a multiline pattern rg searches its line prefix: member -> multiline matchers
        # it nominates files for.
        self.prefilters: dict[int, list[_Compiled]] = {}
        patterns: list[str] = []
        for item in compiled:
            matcher = item.matcher
            if matcher.multiline:
                prefix = line_prefix(matcher.pattern)
                if prefix is None:
                    continue
                matcher = Matcher(prefix, matcher.ignore_case)
            translated = rust_translation(matcher.pattern, ignore_case=matcher.ignore_case)
            if translated is None:
                continue
            self.members.append(_Compiled(matcher) if matcher is not item.matcher else item)
            patterns.append(translated)
            if matcher is not item.matcher:
                self.prefilters.setdefault(len(self.members) - 1, []).append(item)
        self.process: CappedProcess | None = None
        binary = ripgrep_binary()
        if not self.members or binary is None:
            self.members = []
            return
        self.set: Any = None
        if len(self.members) > 1:
            try:
                found = re2.Set.SearchSet(_options(multiline=False))
                for item in self.members:
                    found.Add(item.set_source)
                found.Compile()
                self.set = found
            except re2.error:
                self.set = None
        argv = [binary, "--no-config", "--no-ignore", "--hidden", "--text", "--encoding=none"]
        argv += ["--null", "--with-filename", "--line-number", "--no-heading", "--color=never"]
        argv += [f"--max-filesize={max_file_bytes}", "--glob=!.git", *exclusions]
        for translated in patterns:
            argv += ["--regexp", translated]
        argv += ["--", "."]
        try:
            self.process = CappedProcess(
                argv, cwd=root, timeout=RG_TIMEOUT_S, max_output=MAX_RG_OUTPUT
            )
        except OSError:
            self.members = []

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def output(self) -> tuple[dict[str, list[tuple[int, bytes]]], dict[str, str]] | None:
        """Reported lines per file ((number, text), in file order) and the files rg could
        not read, or None when rg did not finish normally (then its output is not used)."""
        assert self.process is not None
        result = self.process.wait()
        if result.timed_out or result.truncated or result.returncode not in (0, 1, 2):
            return None
        unreadable: dict[str, str] = {}
        if result.returncode == 2:
            for raw in result.stderr.decode("utf-8", "surrogateescape").splitlines():
                line = raw.removeprefix("rg: ")
                path, sep, message = line.partition(": ")
                if not sep or not path.startswith("./"):
                    return None  # not a per-file problem: do not trust the output
                unreadable[path[2:]] = message
        lines: dict[str, list[tuple[int, bytes]]] = {}
        for record in result.stdout.split(b"\n"):
            if not record:
                continue
            raw_path, nul, rest = record.partition(b"\x00")
            number, colon, text = rest.partition(b":")
            if not nul or not colon or not number.isdigit():
                return None  # not rg's usual output: do not guess
            path = raw_path.decode("utf-8", "surrogateescape").removeprefix("./")
            lines.setdefault(path, []).append((int(number), text))
        return lines, unreadable

    def confirm(self, text: bytes, relevant: Sequence[int]) -> Iterable[int]:
        """The members (among `relevant`) that RE2 finds on one reported line."""
        indices = self.set.Match(text) if self.set is not None else None
        if indices is None:
            return [i for i in relevant if self.members[i].regex.search(text) is not None]
        return [i for i in indices if i in relevant]


# -- the scan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    spec: CheckSpec
    type: CheckType
    options: Any
    uses: tuple[Use, ...]


def _plan(spec: CheckSpec) -> _Plan:
    check_type = registry.find(spec.type)
    if check_type is None or check_type.kind is not Kind.FILE:
        raise ValueError(f"{spec.type!r} is not a file-based check")
    options = check_type.typed(spec.options)
    return _Plan(spec, check_type, options, tuple(check_type.uses(options)))


def _could_hold(glob: str, directory: str) -> bool:
    """Whether files below `directory` could match `glob` (conservative)."""
    cut = min((glob.find(c) for c in "*?[" if c in glob), default=len(glob))
    fixed = glob[:cut]
    return fixed.startswith(directory + "/") or (directory + "/").startswith(fixed)


class _Scanner:
    """One scan. Per-scan tables are keyed by the _Compiled objects (identity hashing),
    the BlobCache by their string keys."""

    def __init__(
        self,
        tree: Tree,
        plans: Sequence[_Plan],
        compiled: Mapping[Matcher, _Compiled],
        max_file_bytes: int,
        cache: BlobCache | None,
    ) -> None:
        self.tree = tree
        self.plans = plans
        self.compiled = compiled
        self.limit = max_file_bytes
        self.cache = cache
        self.results: dict[_Compiled, dict[str, FileMatches]] = {
            item: {} for item in compiled.values()
        }
        self.binary: set[str] = set()
        self.examined: Mapping[str, int] = {}
        self.listed: list[FileEntry] = []
        self.probed: set[str] = set()
        self.blind: set[str] = set()
        self.unsearchable: dict[str, str] = {}
        self.groups: dict[tuple[tuple[_Compiled, ...], bool], _Group] = {}

    # listing and selection

    def run(self) -> None:
        ripgrep = None
        if isinstance(self.tree, WorkingTree) and self.compiled:
            exclusions = rg_exclusions(self.tree.ignored())
            ripgrep = _Ripgrep(self.tree.root, self.compiled.values(), self.limit, exclusions)
        try:
            self._list()
        except BaseException:
            if ripgrep is not None:
                ripgrep.kill()
            raise
        scopes = self._pattern_scopes()
        searched: set[_Compiled] = set()
        nominated: dict[_Compiled, set[str]] = {}
        # Files rg does not report: symlinks (it does not follow them) and paths with a
        # newline (its output is split at newlines). The Python engine reads those.
        if ripgrep is not None and ripgrep.process is not None:
            tree = self.tree
            assert isinstance(tree, WorkingTree)
            self.blind = {
                path
                for path, entry in self.entries.items()
                if "\n" in path or tree.is_symlink(entry)
            }
            collected = self._collect(ripgrep, scopes)
            if collected is not None:
                searched, nominated = collected
        # Patterns that share a scope (the same globs) run on its files together.
        groups: dict[int, tuple[set[str], list[_Compiled]]] = {}
        for item, paths in scopes.items():
            if item in searched:
                paths = paths & self.blind
            elif item in nominated:
                paths = nominated[item] | (paths & self.blind)
            groups.setdefault(id(paths), (paths, []))[1].append(item)
        self._python(*self._combinations(list(groups.values()), memo=ripgrep is None))
        self._probe_binary()

    def _combinations(
        self, groups: list[tuple[set[str], list[_Compiled]]], *, memo: bool
    ) -> tuple[dict[str, int], list[tuple[_Compiled, ...]], list[frozenset[str]], Any]:
        """Which patterns run on which file: file -> combination number, the patterns of
        each combination, their keys, and a signature when it is kept. Consecutive
        revisions of a backfill have the same files and scopes, so all this is kept with
        the listing in the cache; the key sets then stay the same objects, which makes the
        cache test per file an identity test."""
        signature = tuple((id(paths), tuple(item.key for item in items)) for paths, items in groups)
        known = self.listing.combinations.get(signature) if memo else None
        if known is None:
            of_path: dict[str, tuple[int, ...]] = {}
            for number, (paths, _) in enumerate(groups):
                for path in paths:
                    of_path[path] = (*of_path.get(path, ()), number)
            numbering: dict[tuple[int, ...], int] = {}
            mapping = {
                path: numbering.setdefault(combo, len(numbering)) for path, combo in of_path.items()
            }
            keys = [tuple(item.key for n in combo for item in groups[n][1]) for combo in numbering]
            known = (mapping, keys, [frozenset(combo) for combo in keys])
            if memo:
                self.listing.combinations[signature] = known
        mapping, keys, keysets = known
        by_key = {item.key: item for item in self.compiled.values()}
        combinations = [tuple(by_key[key] for key in combo) for combo in keys]
        return mapping, combinations, keysets, signature if memo else None

    def _list(self) -> None:
        # map/zip/max rather than loops: a backfill lists thousands of files per revision.
        self.listed = listed = sorted(self.tree.files(), key=_PATH)
        paths = tuple(map(_PATH, listed))
        self.entries = dict(zip(paths, listed, strict=True))
        listing = self.cache._listing if self.cache is not None else None
        if listing is None or listing.paths != paths:
            listing = _Listing(paths)
            if self.cache is not None:
                self.cache._listing = listing
        self.listing = listing
        skipped: list[SkippedFile] = list(getattr(self.tree, "skipped", ()))
        self.tree_skipped = {item.path: item.reason for item in skipped}
        self.unlisted_directories = sorted(
            item.path for item in skipped if item.reason.startswith("unreadable directory")
        )
        self.skipped_index = PathIndex(self.tree_skipped)
        if listed and max(map(_SIZE, listed)) > self.limit:
            for entry in listed:
                if entry.size > self.limit:
                    self.unsearchable[entry.path] = (
                        f"larger than the {self.limit}-byte limit ({entry.size} bytes)"
                    )

    def select(self, glob: str) -> list[str]:
        selected = self.listing.selected
        found = selected.get(glob)
        if found is None:
            found = selected[glob] = self.listing.index.select(glob)
        return found

    def scope_paths(self, globs: tuple[str, ...]) -> list[str]:
        if len(globs) == 1:
            return self.select(globs[0])
        return sorted(self.scope_set(globs))

    def scope_set(self, globs: tuple[str, ...]) -> set[str]:
        """The files `globs` select, as a set shared by every use of the same globs (and
        kept with the listing: never modify it)."""
        sets = self.listing.scope_sets
        found = sets.get(globs)
        if found is None:
            found = sets[globs] = {p for glob in globs for p in self.select(glob)}
        return found

    def _pattern_scopes(self) -> dict[_Compiled, set[str]]:
        """Per pattern, the files it runs on: what the globs of all its uses select (one
        shared set object for patterns with the same globs)."""
        globs: dict[_Compiled, list[str]] = {}
        for plan in self.plans:
            for use in plan.uses:
                found = globs.setdefault(self.compiled[use.matcher], [])
                found.extend(glob for glob in use.globs if glob not in found)
        return {item: self.scope_set(tuple(found)) for item, found in globs.items()}

    # engines

    def _collect(
        self, ripgrep: _Ripgrep, scopes: Mapping[_Compiled, set[str]]
    ) -> tuple[set[_Compiled], dict[_Compiled, set[str]]] | None:
        """Take rg's lines: tallies for the patterns rg searched, and for each prefiltered
        multiline pattern the files it nominated. None when rg's output is unusable."""
        output = ripgrep.output()
        if output is None:
            return None
        lines, unreadable = output
        for path, message in unreadable.items():
            if path in self.entries:
                self.unsearchable[path] = f"unreadable: {message}"
        members = ripgrep.members
        # Per member: the files it counts in (None for a prefix), and the multiline
        # patterns it nominates files for, with their scopes.
        counting = [
            None if i in ripgrep.prefilters else scopes.get(item, set())
            for i, item in enumerate(members)
        ]
        nominating = [
            [(item, scopes.get(item, set())) for item in ripgrep.prefilters.get(i, ())]
            for i in range(len(members))
        ]
        nominated: dict[_Compiled, set[str]] = {
            item: set() for items in ripgrep.prefilters.values() for item in items
        }
        for path, records in lines.items():
            if path not in self.entries or path in self.unsearchable or path in self.blind:
                continue
            relevant = [
                i
                for i in range(len(members))
                if (counting[i] is not None and path in counting[i])
                or any(path in scope for _, scope in nominating[i])
            ]
            if not relevant:
                continue
            tallies: dict[int, _Tally] = {}
            for number, text in records:
                for i in ripgrep.confirm(text, relevant):
                    for item, scope in nominating[i]:
                        if path in scope:
                            nominated[item].add(path)
                    scope = counting[i]
                    if scope is None or path not in scope:
                        continue
                    tally = tallies.get(i)
                    if tally is None:
                        tally = tallies[i] = _Tally(members[i])
                    tally.scan(text, number)
            for i, tally in tallies.items():
                self.results[members[i]][path] = tally.result()
        searched = {item for i, item in enumerate(members) if counting[i] is not None}
        return searched, nominated

    def _group(self, members: Sequence[_Compiled], multiline: bool) -> _Group:
        key = (tuple(members), multiline)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(members, multiline=multiline)
        return group

    def _python(
        self,
        needs: Mapping[str, int],
        combinations: Sequence[tuple[_Compiled, ...]],
        keysets: Sequence[frozenset[str]],
        signature: tuple[Any, ...] | None,
    ) -> None:
        """Match the files of `needs` (file -> combination of patterns) that the cache
        cannot answer, reading each once. With a `signature` (the scan of a cached
        listing), files unchanged since the previous such scan keep what it found."""
        self.examined = needs  # with the probed files, all whose binary status is known
        blobs = self.cache._blobs if self.cache is not None else {}
        entries, unsearchable = self.entries, self.unsearchable
        todo: Iterable[str] = needs
        last = self.listing.last if signature is not None else None
        if last is not None and last.signature == signature:
            # The same paths in the same order: compare the entries pairwise.
            todo = [e.path for e in compress(self.listed, map(is_not, self.listed, last.listed))]
            changed = set(todo)
            for item in self.compiled.values():
                target = self.results[item]
                for path, matches in last.results.get(item.key, {}).items():
                    if path not in changed:
                        target[path] = matches
            for path, reason in last.unreadable.items():
                if path not in changed:
                    unsearchable.setdefault(path, reason)
        pending: list[tuple[FileEntry, Sequence[_Compiled], frozenset[str], _BlobRecord | None]]
        pending = []
        # The hot loop of a backfill's first revision (later ones visit changed files only).
        for path in todo:
            number = needs.get(path)
            if number is None or path in unsearchable:
                continue
            entry = entries[path]
            record = blobs.get(entry.blob) if entry.blob else None
            keyset = keysets[number]
            if record is None:
                pending.append((entry, combinations[number], keyset, None))
            elif record.examined is not keyset and not keyset <= record.examined:
                missing = [item for item in combinations[number] if item.key not in record.examined]
                pending.append((entry, missing, keyset, record))
            elif record.found:
                self._apply_cached(path, record, combinations[number])
        if self.cache is not None:
            self.cache.reuses += len(needs) - len(pending)
        if pending:
            self._read_and_match(pending, needs, combinations)
        if signature is not None:
            self.listing.last = _LastScan(
                signature,
                self.listed,
                {
                    item.key: {p: m for p, m in found.items() if not m.truncated}
                    for item, found in self.results.items()
                },
                {p: r for p, r in unsearchable.items() if r.startswith("unreadable")},
            )

    def _read_and_match(
        self,
        pending: list[tuple[FileEntry, Sequence[_Compiled], frozenset[str], _BlobRecord | None]],
        needs: Mapping[str, int],
        combinations: Sequence[tuple[_Compiled, ...]],
    ) -> None:
        pending.sort(key=lambda item: item[0].path)  # git reads neighbours faster
        # Files with the same content (the same blob) are read and matched once.
        same: dict[str, list[tuple[FileEntry, Sequence[_Compiled], frozenset[str]]]] = {}
        records: dict[str, _BlobRecord | None] = {}
        for entry, members, keyset, record in pending:
            content = entry.blob or entry.path
            same.setdefault(content, []).append((entry, members, keyset))
            records[content] = record
        members_of = {
            content: list(dict.fromkeys(item for _, found, _ in group for item in found))
            for content, group in same.items()
        }

        def prefiltered() -> Iterator[tuple[FileEntry, Any, list[_Compiled]]]:
            # Run by a thread: the RE2 passes that rule most files out release the GIL.
            for first, data in self._read_many([group[0][0] for group in same.values()]):
                if isinstance(data, SourceError):
                    yield first, data, []
                else:
                    yield first, data, self._prefilter(data, members_of[first.blob or first.path])

        for first, data, candidates in read_ahead(prefiltered(), size=_data_size):
            content = first.blob or first.path
            group = same[content]
            if isinstance(data, SourceError):
                for entry, _, _ in group:
                    self.unsearchable[entry.path] = f"unreadable: {data}"
                continue
            binary = b"\x00" in data[:BINARY_PROBE_BYTES]
            found = self._match(data, members_of[content], binary, candidates)
            record = records[content] or _BlobRecord(binary)
            for item, matches in found.items():
                if matches is not NO_MATCHES and not matches.truncated:
                    record.found[item.key] = matches
            # A count cut short by this scan's budget is not recorded.
            complete = {item.key for item, matches in found.items() if not matches.truncated}
            examined = record.examined | complete
            keyset = group[0][2]
            record.examined = keyset if examined == keyset else frozenset(examined)
            if self.cache is not None and first.blob:
                self.cache._put(first.blob, record)
                self.cache.reads += 1
            for entry, _, _ in group:
                if binary:
                    self.binary.add(entry.path)
                self._apply(entry.path, record, combinations[needs[entry.path]], found)

    def _read_many(self, entries: list[FileEntry]) -> Iterable[tuple[FileEntry, Any]]:
        read_many = getattr(self.tree, "read_many", None)
        if read_many is not None:
            return read_many(entries)
        return ((entry, self._read(entry)) for entry in entries)

    def _read(self, entry: FileEntry, limit: int | None = None) -> bytes | SourceError:
        try:
            return self.tree.read(entry, limit) if limit else self.tree.read(entry)
        except SourceError as exc:
            return exc
        except OSError as exc:
            return SourceError(f"{entry.path}: {exc.strerror or exc}")

    def _apply_cached(self, path: str, record: _BlobRecord, members: Sequence[_Compiled]) -> None:
        """Note what the cache says the file holds for the patterns `members`."""
        for key, matches in record.found.items():
            for item in members:
                if item.key == key:
                    self.results[item][path] = matches

    def _apply(
        self,
        path: str,
        record: _BlobRecord,
        members: Sequence[_Compiled],
        found: Mapping[_Compiled, FileMatches],
    ) -> None:
        """Note what the file holds for the patterns `members`: the blob's record, or this
        scan's `found` where a count was cut short (those are not recorded)."""
        for item in members:
            matches = found.get(item)
            if matches is None or not matches.truncated:
                matches = record.found.get(item.key)
            if matches is not None:
                self.results[item][path] = matches

    def _prefilter(self, data: bytes, members: Sequence[_Compiled]) -> list[_Compiled]:
        """The members that run over the whole file and match somewhere in it."""
        whole = [item for item in members if not item.per_line]
        found = []
        for multiline in (False, True):
            group = [item for item in whole if item.matcher.multiline == multiline]
            if group:
                found += self._group(group, multiline).matching(data)
        return found

    def _match(
        self,
        data: bytes,
        members: Sequence[_Compiled],
        binary: bool,
        candidates: Sequence[_Compiled],
    ) -> dict[_Compiled, FileMatches]:
        """What each of `members` finds in `data`; `candidates` are the whole-file members
        that `_prefilter` found matching."""
        found: dict[_Compiled, FileMatches] = dict.fromkeys(members, NO_MATCHES)
        for item in candidates:
            found[item] = self._tally(item, data, binary)
        per_line = [item for item in members if item.per_line]
        if per_line:
            lines = data.split(b"\n")
            for item in per_line:
                tally = _Tally(item)
                for number, line in enumerate(lines, 1):
                    if item.regex.search(line) is not None:
                        if binary:
                            tally.count = 1
                            break
                        tally.scan(line, number)
                found[item] = _BINARY_HIT if binary and tally.count else tally.result()
        return found

    def _tally(self, item: _Compiled, data: bytes, binary: bool) -> FileMatches:
        if binary:
            return _BINARY_HIT  # only whether it matched matters for a binary file
        if item.budget <= 0:
            return _NOT_EXAMINED
        tally = _Tally(item)
        tally.scan(data)
        return tally.result()

    def _probe_binary(self) -> None:
        """Binary status of files it matters for that no engine read: files with a match
        (found by rg), and every file in the scope of an each_file check."""
        wanted = {path for matches in self.results.values() for path in matches}
        for plan in self.plans:
            for use in plan.uses:
                if use.each_file:
                    wanted.update(self.scope_paths(use.globs))
        for path in sorted(wanted):
            if path in self.examined or path in self.probed or path in self.unsearchable:
                continue
            head = self._read(self.entries[path], BINARY_PROBE_BYTES)
            if isinstance(head, SourceError):
                self.unsearchable[path] = f"unreadable: {head}"
                continue
            self.probed.add(path)
            if b"\x00" in head:
                self.binary.add(path)

    # what each check sees

    def scope(self, use: Use) -> Scope:
        paths = self.scope_paths(use.globs)
        outside = sorted({path for glob in use.globs for path in self.skipped_index.select(glob)})
        skipped: dict[str, str] = {path: self.tree_skipped[path] for path in outside}
        if outside:
            paths = sorted(set(paths).union(outside))
        inside = self.scope_set(use.globs) if not outside else set(paths)
        for path, reason in self.unsearchable.items():
            if path in inside:
                skipped[path] = reason
        matches: dict[str, FileMatches] = {}
        for path, found in self.results[self.compiled[use.matcher]].items():
            if path in inside and path not in skipped:
                if self._binary(path):
                    skipped[path] = BINARY_REASON
                else:
                    matches[path] = found
        if use.each_file:
            for path in inside:
                if self._binary(path):
                    skipped.setdefault(path, BINARY_REASON)
        return Scope(paths, matches, skipped)

    def _binary(self, path: str) -> bool:
        """Whether the file is binary, as far as it was read, probed or is cached (files
        answered by the cache are not noted one by one: a backfill has thousands)."""
        if path in self.binary:
            return True
        entry = self.entries.get(path)
        if entry is None or not entry.blob or self.cache is None:
            return False
        record = self.cache._blobs.get(entry.blob)
        return record is not None and record.binary

    def found(self, glob: str) -> list[str]:
        existing = self.select(glob) + [
            path
            for path in self.skipped_index.select(glob)
            if not self.tree_skipped[path].startswith("unreadable directory")
        ]
        return sorted(existing)

    def unlisted(self, globs: Sequence[str]) -> list[str]:
        return [
            directory
            for directory in self.unlisted_directories
            if any(_could_hold(glob, directory) for glob in globs)
        ]

    def outcome(self, plan: _Plan) -> Outcome:
        assert plan.type.evaluate is not None
        return plan.type.evaluate(plan.options, self)


def run_file_checks(
    specs: Sequence[CheckSpec],
    tree: Tree,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: BlobCache | None = None,
) -> dict[str, Outcome]:
    """Outcomes of the grep, file and consistency checks `specs`, keyed by check key, from
    one shared pass over `tree` (a WorkingTree, a GitRevision, or anything with `files()`
    and `read()`). A check whose options are unusable, or whose evaluation fails, gets an
    `error` outcome with the reason; a tree that cannot be listed makes every check an
    `error`. Each outcome's `duration_ms` is the time of the whole shared scan."""
    started = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    plans: list[_Plan] = []
    compiled: dict[Matcher, _Compiled] = {}
    for spec in specs:
        try:
            plan = _plan(spec)
            for use in plan.uses:
                if use.matcher not in compiled:
                    item = _Compiled(use.matcher)
                    if item.empty:
                        raise ValueError(
                            f"pattern {use.matcher.pattern!r} can match an empty string, so "
                            "it would match on every line; make it match at least one character"
                        )
                    compiled[use.matcher] = item
        except (ValueError, PatternError, TypeError) as exc:
            outcomes[spec.key] = Outcome.error(f"invalid {spec.type} check: {exc}")
            continue
        plans.append(plan)
    if plans:
        scanner = _Scanner(tree, plans, compiled, max_file_bytes, cache)
        try:
            scanner.run()
        except SourceError as exc:
            for plan in plans:
                outcomes[plan.spec.key] = Outcome.error(f"could not read the files: {exc}")
        except Exception as exc:  # a scan bug must not take the assessment down
            for plan in plans:
                outcomes[plan.spec.key] = Outcome.error(
                    f"file scan failed: {type(exc).__name__}: {exc}"
                )
        else:
            for plan in plans:
                try:
                    outcomes[plan.spec.key] = scanner.outcome(plan)
                except Exception as exc:
                    outcomes[plan.spec.key] = Outcome.error(
                        f"{plan.spec.type} check failed: {type(exc).__name__}: {exc}"
                    )
    elapsed = (time.perf_counter() - started) * 1000
    return {
        spec.key: replace(outcomes[spec.key], duration_ms=elapsed)
        for spec in specs
        if spec.key in outcomes
    }

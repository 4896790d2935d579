"""The `grep` check: a pattern that must be present in (or absent from) the files `paths`
selects, and the match data the scan hands to the pattern-based checks.

Semantics:
- Lines: by default the pattern is matched line by line, like grep: a match never spans a
  newline; `^`/`$` (and `\\A`/`\\z`) anchor at the start and end of each line. With
  `multiline: true` it is matched against the whole file, so `\\s` and classes span
  newlines; `^`/`$` still anchor at line boundaries, `.` still stops at a newline, and
  `\\A`/`\\z` anchor at the file's start and end.
- Counting: every non-overlapping match counts (two on one line count two), as
  `grep -o | wc -l` does; evidence shows each matching line once. A pattern that can
  match the empty string (`x*`, `a|`) is an `error`: it would match everywhere. Counts stop
  at the scan's limits (checks.scan); a count cut short decides the check only when the
  answer is already certain (absent, or over max_count), else the check is an `error`.
- `expect: present` passes when the total over all files is at least
  max(1, min_count) and, with `max_count`, at most max_count. `expect: absent` passes when
  there is no match. With `each_file: true` the same test applies to every file on its
  own (min_count/max_count per file), and the evidence lists the files that fail it.
- Files that cannot be searched are reported in `details["skipped_files"]` and in the
  summary and never count as a pass: files over the size limit, unreadable files, symlinks
  that lead outside the repository. A binary file (a NUL byte in its first 8 KiB) is not
  text: a match inside it is ignored and the file is listed as skipped; with `each_file`
  every binary file is listed, as it can neither satisfy nor break the check. Bytes that
  are not UTF-8 are matched as they are; evidence shows them as U+FFFD and the files are
  listed in `details["non_utf8_files"]`.
- `paths` matching no file at all is an `error` ("paths matched no file"), as is a scope
  where no file could be searched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.messages import Message, counted, gettext_noop, message
from checks.paths import parse_globs
from checks.patterns import compile_pattern
from checks.spec import MAX_EVIDENCE_ITEMS, Evidence, Outcome, Status

BINARY_REASON = "binary file (NUL byte in the first 8 KiB)"
MAX_LISTED_FILES = 50


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


def _flag(options: Mapping[str, Any], name: str) -> bool:
    value = options.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _count(options: Mapping[str, Any], name: str) -> int | None:
    value = options.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} must be a whole number ≥ 0")
    return value


def parse_expect(options: Mapping[str, Any]) -> str:
    expect = options.get("expect", "present")
    if expect not in ("present", "absent"):
        raise ValueError(f"expect must be 'present' or 'absent', not {expect!r}")
    return expect


@dataclass(frozen=True)
class GrepOptions:
    paths: tuple[str, ...]
    pattern: str
    expect: str = "present"
    min_count: int | None = None
    max_count: int | None = None
    each_file: bool = False
    multiline: bool = False
    ignore_case: bool = False

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> GrepOptions:
        """Options as the checklist loader left them; missing optional keys take their
        defaults. Raises ValueError (or PatternError) naming the bad field."""
        pattern = options.get("pattern")
        if not isinstance(pattern, str):
            raise ValueError("pattern must be a string")
        parsed = cls(
            paths=parse_globs(options.get("paths")),
            pattern=pattern,
            expect=parse_expect(options),
            min_count=_count(options, "min_count"),
            max_count=_count(options, "max_count"),
            each_file=_flag(options, "each_file"),
            multiline=_flag(options, "multiline"),
            ignore_case=_flag(options, "ignore_case"),
        )
        compile_pattern(pattern, ignore_case=parsed.ignore_case, multiline=parsed.multiline)
        return parsed

    @property
    def matcher(self) -> Matcher:
        return Matcher(self.pattern, self.ignore_case, self.multiline)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def files_text(count: int) -> Message:
    return counted(count, gettext_noop("%(count)s file"), gettext_noop("%(count)s files"))


def _searched_files(count: int) -> Message:
    return counted(
        count, gettext_noop("%(count)s searched file"), gettext_noop("%(count)s searched files")
    )


def _matches_text(count: int) -> Message:
    return counted(count, gettext_noop("%(count)s match"), gettext_noop("%(count)s matches"))


def skipped_details(scope: Scope) -> dict[str, Any]:
    """The part of `details` that reports files not searched and non-UTF-8 text."""
    details: dict[str, Any] = {}
    if scope.skipped:
        items = sorted(scope.skipped.items())
        details["skipped_files"] = [
            {"path": path, "reason": reason} for path, reason in items[:MAX_LISTED_FILES]
        ]
        details["skipped_count"] = len(items)
    non_utf8 = sorted(path for path, found in scope.matches.items() if found.non_utf8)
    if non_utf8:
        details["non_utf8_files"] = non_utf8[:MAX_LISTED_FILES]
    return details


def with_note(summary: Message, note: Message) -> Message:
    """`summary` followed by `note` in parentheses."""
    return message(gettext_noop("%(summary)s (%(note)s)"), summary=summary, note=note)


def with_skipped(summary: Message, *scopes: Scope) -> Message:
    """`summary` followed by a note on the files of `scopes` that could not be searched."""
    for scope in scopes:
        if scope.skipped:
            # The reasons come from the scan (paths, OS errors) and stay as they are.
            reasons = sorted(set(scope.skipped.values()))
            shown = "; ".join(reasons[:2]) + ("; …" if len(reasons) > 2 else "")
            note = counted(
                len(scope.skipped),
                gettext_noop("%(count)s file skipped: %(reasons)s"),
                gettext_noop("%(count)s files skipped: %(reasons)s"),
                reasons=shown,
            )
            summary = with_note(summary, note)
    return summary


def no_file_outcome(scope: Scope, paths: Sequence[str], label: str = "paths") -> Outcome | None:
    """The error outcome when `paths` selected nothing searchable, else None."""
    if not scope.paths:
        return Outcome.said(
            Status.ERROR,
            message(gettext_noop("%(label)s matched no file"), label=label),
            details={"paths": list(paths)},
        )
    if not scope.searched:
        problem = message(
            gettext_noop("none of the %(files)s that %(label)s matched could be searched"),
            files=files_text(len(scope.paths)),
            label=label,
        )
        return Outcome.said(
            Status.ERROR,
            with_skipped(problem, scope),
            details={"paths": list(paths), **skipped_details(scope)},
        )
    return None


def _hits(scope: Scope, paths: Sequence[str]) -> tuple[Evidence, ...]:
    evidence: list[Evidence] = []
    for path in paths:
        for hit in scope.found(path).hits:
            if len(evidence) == MAX_EVIDENCE_ITEMS:
                return tuple(evidence)
            evidence.append(Evidence(path, hit.line, hit.text))
    return tuple(evidence)


def _within(count: int, options: GrepOptions) -> bool:
    if options.expect == "absent":
        return count == 0
    low = max(1, options.min_count or 1)
    return count >= low and (options.max_count is None or count <= options.max_count)


def _certain(count: int, truncated: bool, options: GrepOptions) -> bool:
    """Whether `_within` is decided although `count` is only a lower bound."""
    if not truncated:
        return True
    if options.expect == "absent":
        return count > 0
    if options.max_count is not None:
        return count > options.max_count
    return count >= max(1, options.min_count or 1)


def _expected(options: GrepOptions) -> Message:
    if options.expect == "absent":
        return message(gettext_noop("none"))
    low = max(1, options.min_count or 1)
    if options.max_count is None:
        return message(gettext_noop("at least %(count)s"), count=low)
    return message(gettext_noop("%(low)s to %(high)s"), low=low, high=options.max_count)


def evaluate(options: GrepOptions, scope: Scope) -> Outcome:
    """The outcome of a grep check over the files the scan found for it."""
    problem = no_file_outcome(scope, options.paths)
    if problem:
        return problem
    if options.each_file:
        return _evaluate_each(options, scope)
    total = sum(found.count for found in scope.matches.values())
    truncated = any(found.truncated for found in scope.matches.values())
    matching = sorted(path for path, found in scope.matches.items() if found.count)
    details: dict[str, Any] = {
        "matches": total,
        "files": scope.searched,
        "matching_files": len(matching),
        **skipped_details(scope),
    }
    if total:
        found_text = message(
            gettext_noop("at least %(matches)s in %(files)s")
            if truncated
            else gettext_noop("%(matches)s in %(files)s"),
            matches=_matches_text(total),
            files=files_text(len(matching)),
        )
    else:
        found_text = message(
            gettext_noop("no match in %(files)s"), files=_searched_files(scope.searched)
        )
    if not _certain(total, truncated, options):
        details["truncated"] = True
        return Outcome.said(
            Status.ERROR,
            message(
                gettext_noop("too many matches to count (%(found)s); expected %(expected)s"),
                found=found_text,
                expected=_expected(options),
            ),
            _hits(scope, matching),
            details,
        )
    ok = _within(total, options)
    if truncated:
        details["truncated"] = True
    summary = (
        found_text
        if ok
        else message(
            gettext_noop("%(found)s, expected %(expected)s"),
            found=found_text,
            expected=_expected(options),
        )
    )
    return Outcome.said(
        Status.PASS if ok else Status.FAIL,
        with_skipped(summary, scope),
        _hits(scope, matching),
        details,
    )


def _evaluate_each(options: GrepOptions, scope: Scope) -> Outcome:
    failing: list[str] = []
    undecided: list[str] = []
    for path in scope.paths:
        if path in scope.skipped:
            continue
        found = scope.found(path)
        if not _certain(found.count, found.truncated, options):
            undecided.append(path)
        elif not _within(found.count, options):
            failing.append(path)
    searched = scope.searched
    details: dict[str, Any] = {
        "matches": sum(found.count for found in scope.matches.values()),
        "files": searched,
        "failing_files": len(failing),
        **skipped_details(scope),
    }
    simple = options.min_count in (None, 0, 1) and options.max_count is None
    if options.expect == "absent":
        evidence = _hits(scope, failing)
        problem = message(
            gettext_noop("%(failing)s of %(files)s have a match, expected none"),
            failing=len(failing),
            files=files_text(searched),
        )
    else:
        evidence = tuple(
            Evidence(path, None, plural(scope.found(path).count, "match", "matches"))
            for path in failing[:MAX_EVIDENCE_ITEMS]
        )
        problem = (
            message(
                gettext_noop("%(failing)s of %(files)s have no match"),
                failing=len(failing),
                files=files_text(searched),
            )
            if simple
            else message(
                gettext_noop("%(failing)s of %(files)s do not have %(expected)s matches"),
                failing=len(failing),
                files=files_text(searched),
                expected=_expected(options),
            )
        )
    if failing:
        return Outcome.said(Status.FAIL, with_skipped(problem, scope), evidence, details)
    if undecided:
        details["truncated"] = True
        return Outcome.said(
            Status.ERROR,
            message(
                gettext_noop("too many matches to count in %(files)s"),
                files=files_text(len(undecided)),
            ),
            details=details,
        )
    if options.expect == "absent":
        summary = message(
            gettext_noop("no match in any of %(files)s"), files=_searched_files(searched)
        )
    elif simple:
        summary = message(gettext_noop("all %(files)s match"), files=_searched_files(searched))
    else:
        summary = message(
            gettext_noop("all %(files)s have %(expected)s matches"),
            files=_searched_files(searched),
            expected=_expected(options),
        )
    matching = sorted(path for path, found in scope.matches.items() if found.count)
    return Outcome.said(Status.PASS, with_skipped(summary, scope), _hits(scope, matching), details)

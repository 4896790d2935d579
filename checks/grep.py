"""The `grep` check type: a pattern that must be present in (or absent from) the files
`paths` selects.

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
- With `each_directory: true` the test applies to every directory holding files in scope,
  on its own: the matches of its files (not those of its subdirectories) are added up;
  the evidence lists the directories that fail it.
- `where` (with `each_file` or `each_directory`): a second pattern that picks which files
  (or directories, through any of their files) are held to the test; the others are not
  judged (each Terraform root configuration, the directory declaring a `provider`, must
  have a backend; its modules need none). When `where` picks nothing the check is `skip`,
  also when `exclude` left no file to pick from.
- `forbid` (with `expect: present`): a second pattern, searched in the same files, that
  must not match: any match fails the check with its lines, whatever `pattern` found
  (`DEBUG` read from the environment, but not with a default of True), in every mode.
- `exclude`: globs of files that `paths` selects but the check leaves out (test settings).
- `paths` matching no file at all is an `error` ("paths matched no file"), as is a scope
  where no file could be searched.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checks import reader as read
from checks.checktype import CheckType, Kind, option
from checks.matches import Found, Matcher, Scope, Use
from checks.messages import Message, counted, gettext_noop, message
from checks.reader import Fields, Reader, join
from checks.scopes import (
    EXCLUDE,
    EXPECT,
    files_text,
    no_file_outcome,
    skipped_details,
    with_skipped,
    without,
)
from checks.spec import MAX_EVIDENCE_ITEMS, Evidence, Outcome, Status

MAX_MATCH_COUNT = 1_000_000_000
_COUNT = read.integer(minimum=0, maximum=MAX_MATCH_COUNT)


@dataclass(frozen=True, kw_only=True)
class GrepOptions:
    paths: tuple[str, ...] = option(read.globs, note=" for a grep check")
    pattern: str = option(read.pattern(searched=True), note=" for a grep check")
    expect: str = option(EXPECT, "present")
    min_count: int | None = option(_COUNT, None)
    max_count: int | None = option(_COUNT, None)
    each_file: bool = option(read.boolean, False)
    multiline: bool = option(read.boolean, False)
    ignore_case: bool = option(read.boolean, False)
    forbid: str | None = option(read.pattern(searched=True), None)
    exclude: tuple[str, ...] = option(EXCLUDE, ())
    each_directory: bool = option(read.boolean, False)
    where: str | None = option(read.pattern(searched=True), None)

    @property
    def matcher(self) -> Matcher:
        return Matcher(self.pattern, self.ignore_case, self.multiline)

    @property
    def forbidden(self) -> Matcher | None:
        if self.forbid is None:
            return None
        return Matcher(self.forbid, self.ignore_case, self.multiline)

    @property
    def selector(self) -> Matcher | None:
        if self.where is None:
            return None
        return Matcher(self.where, self.ignore_case, self.multiline)

    @property
    def each(self) -> bool:
        return self.each_file or self.each_directory


def _check(reader: Reader, f: Fields, options: dict[str, Any]) -> None:
    read.flagged_pattern(
        reader,
        f.line("pattern"),
        join(f.path, "pattern"),
        options["pattern"],
        ignore_case=options["ignore_case"],
        multiline=options["multiline"],
    )
    for name in ("forbid", "where"):
        if options[name] is not None:
            read.flagged_pattern(
                reader,
                f.line(name),
                join(f.path, name),
                options[name],
                ignore_case=options["ignore_case"],
                multiline=options["multiline"],
            )
    if options["forbid"] is not None and options["expect"] == "absent":
        reader.add(
            f.line("forbid"),
            join(f.path, "forbid"),
            "applies to expect: present only (write the pattern itself with absent)",
        )
    if options["each_file"] is True and options["each_directory"] is True:
        reader.add(
            f.line("each_directory"),
            join(f.path, "each_directory"),
            "cannot be used with each_file (choose files or directories)",
        )
    if (
        options["where"] is not None
        and options["each_file"] is not True
        and options["each_directory"] is not True
    ):
        reader.add(
            f.line("where"),
            join(f.path, "where"),
            "needs each_file or each_directory (it picks the files or directories held to "
            "the test)",
        )
    low, high = options["min_count"], options["max_count"]
    if options["expect"] == "absent":
        for name in ("min_count", "max_count"):
            if f.given(name):
                reader.add(
                    f.line(name),
                    join(f.path, name),
                    "applies to expect: present only (absent means no match at all)",
                )
    if isinstance(low, int) and isinstance(high, int) and low > high:
        reader.add(
            f.line("min_count"),
            join(f.path, "min_count"),
            f"is greater than max_count ({low} > {high})",
        )


def _uses(options: GrepOptions) -> tuple[Use, ...]:
    """The pattern's use, then those of `forbid` and `where` when given."""
    uses = (Use(options.paths, options.matcher, options.each),)
    for matcher in (options.forbidden, options.selector):
        if matcher is not None:
            uses += (Use(options.paths, matcher, False),)
    return uses


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def _searched_files(count: int) -> Message:
    return counted(
        count, gettext_noop("%(count)s searched file"), gettext_noop("%(count)s searched files")
    )


def _matches_text(count: int) -> Message:
    return counted(count, gettext_noop("%(count)s match"), gettext_noop("%(count)s matches"))


def _hits(scope: Scope, paths: Sequence[str]) -> tuple[Evidence, ...]:
    evidence: list[Evidence] = []
    for path in paths:
        if len(evidence) >= MAX_EVIDENCE_ITEMS:
            break
        evidence += scope.evidence(path)
    return tuple(evidence[:MAX_EVIDENCE_ITEMS])


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


def _evaluate(options: GrepOptions, found: Found) -> Outcome:
    """The outcome of a grep check over the files the scan found for it."""
    use, *others = _uses(options)
    selected = found.scope(use)
    scope = without(selected, options.exclude)
    if options.where is not None and selected.paths and not scope.paths:
        # Every file was excluded: `where` has nothing to pick, as in a module repository.
        return _evaluate_each(options, scope, [])
    problem = no_file_outcome(scope, options.paths)
    if problem:
        return problem
    if options.forbid is not None:
        forbidden = without(found.scope(others[0]), options.exclude)
        bad = sorted(path for path, hit in forbidden.matches.items() if hit.count)
        if bad:
            count = sum(forbidden.matches[path].count for path in bad)
            return Outcome.said(
                Status.FAIL,
                message(
                    gettext_noop("%(matches)s of the forbidden pattern in %(files)s"),
                    matches=_matches_text(count),
                    files=files_text(len(bad)),
                ),
                _hits(forbidden, bad),
                {"forbidden_matches": count, "files": forbidden.searched},
            )
    if options.each:
        selector = None
        if options.where is not None:
            selector = without(found.scope(others[-1]), options.exclude)
        if options.each_directory:
            return _evaluate_each(options, scope, _by_directory(scope, selector))
        return _evaluate_each(options, scope, _by_file(scope, selector))
    total = scope.total()
    truncated = scope.truncated()
    matching = scope.matching()
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


# A unit an `each_` check judges on its own (a file, or a directory), with its searched files.
_Unit = tuple[str, list[str]]


def _by_file(scope: Scope, selector: Scope | None) -> list[_Unit]:
    return [
        (path, [path])
        for path in scope.paths
        if path not in scope.skipped and (selector is None or selector.found(path).count)
    ]


def _by_directory(scope: Scope, selector: Scope | None) -> list[_Unit]:
    units: dict[str, list[str]] = {}
    for path in scope.paths:
        if path not in scope.skipped:
            units.setdefault(posixpath.dirname(path), []).append(path)
    if selector is not None:
        picked = {posixpath.dirname(path) for path in selector.matching()}
        units = {directory: files for directory, files in units.items() if directory in picked}
    return sorted(units.items())


def _units_text(count: int, directories: bool, *, searched: bool = False) -> Message:
    if not directories:
        return _searched_files(count) if searched else files_text(count)
    return counted(
        count, gettext_noop("%(count)s directory"), gettext_noop("%(count)s directories")
    )


def _shown(unit: str, directories: bool) -> str:
    return (unit or ".") + "/" if directories else unit


def _evaluate_each(options: GrepOptions, scope: Scope, units: list[_Unit]) -> Outcome:
    directories = options.each_directory
    if not units:
        # Only `where` leaves nothing to judge: without it, no_file_outcome said so before.
        return Outcome.said(
            Status.SKIP,
            message(
                gettext_noop("no directory has a file matching `where`")
                if directories
                else gettext_noop("no file matches `where`")
            ),
            details={"files": scope.searched, **skipped_details(scope)},
        )
    failing: list[_Unit] = []
    undecided: list[_Unit] = []
    for unit in units:
        count = sum(scope.found(path).count for path in unit[1])
        truncated = any(scope.found(path).truncated for path in unit[1])
        if not _certain(count, truncated, options):
            undecided.append(unit)
        elif not _within(count, options):
            failing.append(unit)
    judged = len(units)
    details: dict[str, Any] = {
        "matches": scope.total(),
        "files": scope.searched,
        ("failing_directories" if directories else "failing_files"): len(failing),
        **skipped_details(scope),
    }
    if directories:
        details["directories"] = judged
    if options.where is not None:
        details["picked"] = judged
    simple = options.min_count in (None, 0, 1) and options.max_count is None
    if options.expect == "absent":
        evidence = _hits(scope, [path for _, files in failing for path in files])
        problem = message(
            gettext_noop("%(failing)s of %(files)s have a match, expected none"),
            failing=len(failing),
            files=_units_text(judged, directories),
        )
    else:
        evidence = tuple(
            Evidence(
                _shown(unit, directories),
                None,
                plural(sum(scope.found(path).count for path in files), "match", "matches"),
            )
            for unit, files in failing[:MAX_EVIDENCE_ITEMS]
        )
        problem = (
            message(
                gettext_noop("%(failing)s of %(files)s have no match"),
                failing=len(failing),
                files=_units_text(judged, directories),
            )
            if simple
            else message(
                gettext_noop("%(failing)s of %(files)s do not have %(expected)s matches"),
                failing=len(failing),
                files=_units_text(judged, directories),
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
                files=_units_text(len(undecided), directories),
            ),
            details=details,
        )
    if options.expect == "absent":
        summary = message(
            gettext_noop("no match in any of %(files)s"),
            files=_units_text(judged, directories, searched=True),
        )
    elif simple:
        summary = message(
            gettext_noop("all %(files)s match"),
            files=_units_text(judged, directories, searched=True),
        )
    else:
        summary = message(
            gettext_noop("all %(files)s have %(expected)s matches"),
            files=_units_text(judged, directories, searched=True),
            expected=_expected(options),
        )
    judged_files = {path for _, files in units for path in files}
    matching = [path for path in scope.matching() if path in judged_files]
    return Outcome.said(Status.PASS, with_skipped(summary, scope), _hits(scope, matching), details)


GREP = CheckType("grep", Kind.FILE, GrepOptions, uses=_uses, evaluate=_evaluate, check=_check)

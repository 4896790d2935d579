"""The `file` check type: files that must exist (or must not).

`expect: present` passes when every glob of `paths` matches at least one entry of the
tree (with `match: any`, when one of them does: alternatives such as
`tests/**/test_*.py` or `*/tests.py`); `expect: absent` passes when none does. Evidence
lists what was found and, for `present`, which globs found nothing. A glob naming a
directory matches the files below it. Entries that the scan never reads still exist for
this check (a special file, a symlink to a directory), but a symlink that leads outside the
repository (to `/etc/passwd`), into `.git`, to nothing or round a loop is no file of the
repository, present for no glob, in a working tree as in a git revision; directories that
could not be listed are reported in `details["unlisted"]`, since what they hold is unknown.
`exclude` globs leave entries out: an entry they select is found by no glob of `paths`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checks import reader as read
from checks.checktype import CheckType, Kind, option
from checks.matches import Found
from checks.messages import Message, counted, gettext_noop, message
from checks.scopes import EXCLUDE, EXPECT, MAX_LISTED_FILES, excluded, with_note
from checks.spec import MAX_EVIDENCE_ITEMS, Evidence, Outcome, Status


@dataclass(frozen=True, kw_only=True)
class FileOptions:
    paths: tuple[str, ...] = option(read.globs, note=" for a file check")
    expect: str = option(EXPECT, "present")
    match: str = option(read.choice("all", "any"), "all")
    exclude: tuple[str, ...] = option(EXCLUDE, ())


def _evaluate(options: FileOptions, scan: Found) -> Outcome:
    found = [scan.found(glob) for glob in options.paths]
    if options.exclude:
        dropped = excluded(sorted({path for paths in found for path in paths}), options.exclude)
        found = [[path for path in paths if path not in dropped] for paths in found]
    return evaluate(options, found, scan.unlisted(options.paths))


def evaluate(
    options: FileOptions,
    found: Sequence[Sequence[str]],
    unlisted: Sequence[str] = (),
) -> Outcome:
    """`found[i]` holds the entries that `options.paths[i]` matches, sorted; `unlisted`
    the directories in scope that could not be listed."""
    missing = [glob for glob, paths in zip(options.paths, found, strict=True) if not paths]
    every = sorted({path for paths in found for path in paths})
    details: dict[str, Any] = {
        "found": every[:MAX_LISTED_FILES],
        "found_count": len(every),
        "missing": missing,
    }
    if unlisted:
        details["unlisted"] = list(unlisted[:MAX_LISTED_FILES])

    def noted(summary: Message) -> Message:
        if not unlisted:
            return summary
        note = counted(
            len(unlisted),
            gettext_noop("%(count)s directory unreadable"),
            gettext_noop("%(count)s directories unreadable"),
        )
        return with_note(summary, note)

    if options.expect == "absent":
        evidence = tuple(Evidence(path, None, "exists") for path in every[:MAX_EVIDENCE_ITEMS])
        if every:
            shown = ", ".join(every[:3]) + (", …" if len(every) > 3 else "")
            problem = counted(
                len(every),
                gettext_noop("found %(count)s file that should not exist: %(files)s"),
                gettext_noop("found %(count)s files that should not exist: %(files)s"),
                files=shown,
            )
            return Outcome.said(Status.FAIL, problem, evidence, details)
        if unlisted:
            return Outcome.said(
                Status.ERROR, noted(message(gettext_noop("no such file found"))), details=details
            )
        return Outcome.said(
            Status.PASS,
            message(gettext_noop("no file matches %(paths)s"), paths=_globs(options.paths)),
            (),
            details,
        )
    evidence = tuple(
        [
            Evidence(paths[0], None, f"matches {glob}")
            for glob, paths in zip(options.paths, found, strict=True)
            if paths
        ]
        + [Evidence(None, None, f"no file matches {glob}") for glob in missing]
    )[:MAX_EVIDENCE_ITEMS]
    if missing and (options.match == "all" or not every):
        status = Status.ERROR if unlisted else Status.FAIL
        problem = message(gettext_noop("missing: %(paths)s"), paths=_globs(missing))
        return Outcome.said(status, noted(problem), evidence, details)
    count = len(options.paths)
    if count == 1:
        summary = message(gettext_noop("the file exists"))
    elif missing:
        summary = counted(
            count - len(missing),
            gettext_noop("1 of %(total)s alternatives exist"),
            gettext_noop("%(count)s of %(total)s alternatives exist"),
            total=count,
        )
    else:
        summary = message(gettext_noop("all %(count)s paths exist"), count=count)
    return Outcome.said(Status.PASS, summary, evidence, details)


def _globs(globs: Sequence[str]) -> str:
    return ", ".join(globs[:5]) + (", …" if len(globs) > 5 else "")


FILE = CheckType("file", Kind.FILE, FileOptions, evaluate=_evaluate)

"""What the file checks say alike about a scope: files not searched, paths matching nothing.

Also the fields grep and file checks share: `expect`, and `exclude` (globs of files that
`paths` selects but the check leaves out: test settings, example configurations).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checks import reader as read
from checks.matches import Scope
from checks.messages import Message, counted, gettext_noop, message
from checks.paths import PathIndex
from checks.spec import Outcome, Status

MAX_LISTED_FILES = 50
EXPECT = read.choice("present", "absent")
EXCLUDE = read.globs


def excluded(paths: Sequence[str], exclude: Sequence[str]) -> set[str]:
    """The entries of `paths` that a glob of `exclude` selects."""
    if not exclude or not paths:
        return set()
    index = PathIndex(paths)
    return {path for glob in exclude for path in index.select(glob)}


def without(scope: Scope, exclude: Sequence[str]) -> Scope:
    """`scope` without the files `exclude` selects: they are neither searched, nor skipped,
    nor counted."""
    dropped = excluded(scope.paths, exclude)
    if not dropped:
        return scope
    return Scope(
        [path for path in scope.paths if path not in dropped],
        {path: found for path, found in scope.matches.items() if path not in dropped},
        {path: reason for path, reason in scope.skipped.items() if path not in dropped},
    )


def files_text(count: int) -> Message:
    return counted(count, gettext_noop("%(count)s file"), gettext_noop("%(count)s files"))


def skipped_details(scope: Scope) -> dict[str, Any]:
    """The part of `details` that reports files not searched and non-UTF-8 text."""
    details: dict[str, Any] = {}
    if scope.skipped:
        items = sorted(scope.skipped.items())
        details["skipped_files"] = [
            {"path": path, "reason": reason} for path, reason in items[:MAX_LISTED_FILES]
        ]
        details["skipped_count"] = len(items)
    non_utf8 = scope.non_utf8()
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

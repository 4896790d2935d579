"""What the patterns find in one file's content: the matching step shared by the scan of
a tree (checks.scan) and the incremental walk of a history (checks.history).

A file is first ruled in or out by one combined RE2 pass per group of whole-file patterns
(checks.compiled.Group); only the patterns that match there, and those that must run line
by line, then count and collect evidence, each on its own clock (checks.budget)."""

from __future__ import annotations

from collections.abc import Sequence

from checks.budget import DEFAULT_PATTERN_SECONDS, Cancel
from checks.compiled import BINARY_HIT, NOT_EXAMINED, Compiled, Group, Tally
from checks.matches import NO_MATCHES, FileMatches


class BlobMatcher:
    """Matches file contents against Compiled patterns; keeps the combined groups it built,
    so one set of patterns is combined once per scan."""

    def __init__(self, seconds: float = DEFAULT_PATTERN_SECONDS) -> None:
        self.seconds = seconds
        self.groups: dict[tuple[tuple[Compiled, ...], bool], Group] = {}

    def _group(self, members: Sequence[Compiled], multiline: bool) -> Group:
        key = (tuple(members), multiline)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(members, multiline=multiline, seconds=self.seconds)
        return group

    def prefilter(self, data: bytes, members: Sequence[Compiled], path: str) -> list[Compiled]:
        """The members that run over the whole file `path` and match somewhere in it."""
        whole = [item for item in members if not item.per_line and not item.clock.stopped]
        found = []
        for multiline in (False, True):
            group = [item for item in whole if item.matcher.multiline == multiline]
            if group:
                found += self._group(group, multiline).matching(data, path)
        return found

    def match(
        self,
        data: bytes,
        members: Sequence[Compiled],
        binary: bool,
        candidates: Sequence[Compiled],
        path: str,
    ) -> dict[Compiled, FileMatches]:
        """What each of `members` finds in `data`, the file `path`; `candidates` are the
        whole-file members that `prefilter` found matching. A member stopped for its time
        has NOT_EXAMINED, which is not kept."""
        found: dict[Compiled, FileMatches] = dict.fromkeys(members, NO_MATCHES)
        cost = len(data)
        for item in candidates:
            result = item.clock.run(
                lambda cancel, item=item: _tally(item, data, binary, cancel),
                path=path,
                cost=cost * item.size,
            )
            found[item] = NOT_EXAMINED if result is None else result
        lines: list[bytes] | None = None
        for item in members:
            if item.clock.stopped:
                found[item] = NOT_EXAMINED
            elif item.per_line:
                lines = data.split(b"\n") if lines is None else lines
                result = item.clock.run(
                    lambda cancel, item=item, lines=lines: _per_line(item, lines, binary, cancel),
                    path=path,
                    cost=cost * item.size,
                )
                found[item] = NOT_EXAMINED if result is None else result
        return found


def _tally(item: Compiled, data: bytes, binary: bool, cancel: Cancel) -> FileMatches:
    if binary:
        return BINARY_HIT  # only whether it matched matters for a binary file
    if item.budget <= 0:
        return NOT_EXAMINED
    tally = Tally(item)
    tally.scan(data, cancel=cancel)
    return tally.result()


def _per_line(item: Compiled, lines: list[bytes], binary: bool, cancel: Cancel) -> FileMatches:
    """What a pattern that must run line by line finds in the `lines` of a file."""
    tally = Tally(item)
    for number, line in enumerate(lines, 1):
        if cancel.is_set:
            break
        if item.regex.search(line) is not None:
            if binary:
                return BINARY_HIT
            tally.scan(line, number)
    return tally.result()

"""The `consistency` check: the same value must appear wherever it is configured, e.g. the
region the frontend calls and the region the backend function is deployed in.

Each source is `{paths, pattern}`; the pattern has exactly one capture group and is matched
line by line like a grep pattern (`ignore_case` applies to every source). The check passes
when every source captured at least one value and all captured values, across all sources,
are identical (compared exactly, after decoding; bytes that are not UTF-8 show as U+FFFD).
It fails otherwise, with each distinct value and where it was found as evidence and in
`details["values"]` ({value: ["path:line", ...]}, bounded). A source whose paths match no
file, or no searchable file, makes the check an `error` that names the source by its index
(`sources[1]`). A match whose group did not take part (an optional group) yields no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.grep import (
    MAX_LISTED_FILES,
    Matcher,
    Scope,
    no_file_outcome,
    skipped_details,
    with_skipped,
)
from checks.messages import COMMA_LIST, Message, counted, gettext_noop, joined, message
from checks.paths import parse_globs
from checks.patterns import compile_pattern
from checks.spec import MAX_EVIDENCE_ITEMS, Evidence, Outcome, Status, clip

MAX_VALUES = 50


@dataclass(frozen=True)
class Source:
    paths: tuple[str, ...]
    pattern: str


@dataclass(frozen=True)
class ConsistencyOptions:
    sources: tuple[Source, ...]
    ignore_case: bool = False

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> ConsistencyOptions:
        raw = options.get("sources")
        if not isinstance(raw, list | tuple) or len(raw) < 2:
            raise ValueError("sources must be a list of at least two {paths, pattern}")
        ignore_case = options.get("ignore_case", False)
        if not isinstance(ignore_case, bool):
            raise ValueError("ignore_case must be true or false")
        sources = []
        for index, item in enumerate(raw):
            where = f"sources[{index}]"
            if not isinstance(item, Mapping):
                raise ValueError(f"{where} must be a mapping with paths and pattern")
            pattern = item.get("pattern")
            if not isinstance(pattern, str):
                raise ValueError(f"{where}.pattern must be a string")
            try:
                groups = compile_pattern(pattern, ignore_case=ignore_case).groups
            except ValueError as exc:
                raise ValueError(f"{where}.pattern: {exc}") from None
            if groups != 1:
                raise ValueError(
                    f"{where}.pattern must have exactly one capture group, it has {groups}"
                )
            sources.append(Source(parse_globs(item.get("paths"), f"{where}.paths"), pattern))
        return cls(tuple(sources), ignore_case)

    def matcher(self, source: Source) -> Matcher:
        return Matcher(source.pattern, self.ignore_case, multiline=False, capture=True)


def evaluate(options: ConsistencyOptions, scopes: Sequence[Scope]) -> Outcome:
    """`scopes[i]` holds what source i's pattern found in the files its paths select."""
    for index, (source, scope) in enumerate(zip(options.sources, scopes, strict=True)):
        problem = no_file_outcome(scope, source.paths, f"sources[{index}].paths")
        if problem:
            return problem
    # value -> ["path:line", ...]; per source, the values it captured.
    places: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    per_source: list[list[str]] = []
    truncated = False
    for scope in scopes:
        captured: list[str] = []
        for path in sorted(scope.matches):
            found = scope.matches[path]
            truncated = truncated or found.truncated
            for value, lines in found.values:
                if value not in captured:
                    captured.append(value)
                counts[value] = counts.get(value, 0) + len(lines)
                spots = places.setdefault(value, [])
                spots.extend(f"{path}:{line}" for line in lines if len(spots) < MAX_LISTED_FILES)
        per_source.append(captured)
    details: dict[str, Any] = {
        "values": {value: spots for value, spots in list(places.items())[:MAX_VALUES]},
        "sources": [
            {"paths": list(source.paths), "values": values[:MAX_VALUES], "files": scope.searched}
            for source, values, scope in zip(options.sources, per_source, scopes, strict=True)
        ],
    }
    for scope in scopes:
        for key, value in skipped_details(scope).items():
            if isinstance(value, list):
                details.setdefault(key, []).extend(value)
            else:
                details[key] = details.get(key, 0) + value
    evidence = _evidence(places, per_source)
    empty = [index for index, values in enumerate(per_source) if not values]
    if empty and not truncated:
        names = ", ".join(f"sources[{index}]" for index in empty)
        problem = message(gettext_noop("%(sources)s captured no value"), sources=names)
        return Outcome.said(Status.FAIL, with_skipped(problem, *scopes), evidence, details)
    if len(places) > 1:
        shown = joined([_value_text(value, counts) for value in list(places)[:5]], COMMA_LIST)
        problem = message(gettext_noop("sources disagree: %(values)s"), values=shown)
        return Outcome.said(Status.FAIL, with_skipped(problem, *scopes), evidence, details)
    if truncated:
        details["truncated"] = True
        return Outcome.said(
            Status.ERROR,
            message(gettext_noop("too many matches to compare every value")),
            evidence,
            details,
        )
    (value,) = places
    summary = message(
        gettext_noop("all %(count)s sources agree on %(value)s"),
        count=len(scopes),
        value=_value_text(value, counts),
    )
    return Outcome.said(Status.PASS, with_skipped(summary, *scopes), evidence, details)


def _value_text(value: str, counts: dict[str, int]) -> Message:
    """A captured value and how many places hold it: 'europe-west1' (3 places)."""
    return counted(
        counts[value],
        gettext_noop("%(value)s (%(count)s place)"),
        gettext_noop("%(value)s (%(count)s places)"),
        value=repr(clip(value, 80)),
    )


def _evidence(places: dict[str, list[str]], per_source: list[list[str]]) -> tuple[Evidence, ...]:
    """Every distinct value gets a share of the evidence, whatever the number of places."""
    evidence: list[Evidence] = []
    share = max(1, MAX_EVIDENCE_ITEMS // max(1, len(places)))
    for value, spots in places.items():
        sources = [f"sources[{i}]" for i, values in enumerate(per_source) if value in values]
        for spot in spots[:share]:
            if len(evidence) == MAX_EVIDENCE_ITEMS:
                return tuple(evidence)
            path, _, line = spot.rpartition(":")
            evidence.append(Evidence(path, int(line), clip(f"{value} ({', '.join(sources)})")))
    return tuple(evidence)

"""The `consistency` check type: the same value must appear wherever it is configured, e.g. the
region the frontend calls and the region the backend function is deployed in.

Each source is `{paths, pattern}`, with optional `exclude` globs of files that `paths`
selects but the source leaves out (test settings, examples); the pattern has exactly one
capture group and is matched line by line like a grep pattern (`ignore_case` applies to
every source). The check passes
when every source captured at least one value and all captured values, across all sources,
are identical (compared exactly, after decoding; bytes that are not UTF-8 show as U+FFFD).
It fails otherwise, with each distinct value and where it was found as evidence and in
`details["values"]` ({value: ["path:line", ...]}, bounded). A source whose paths match no
file (after `exclude`), or no searchable file, makes the check an `error` that names the
source by its index (`sources[1]`). A match whose group did not take part (an optional
group) yields no value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checks import reader as read
from checks.checktype import CheckType, Kind, listed, nested, option
from checks.matches import Found, Matcher, Scope, Use
from checks.messages import COMMA_LIST, Message, counted, gettext_noop, joined, message
from checks.reader import Fields, Reader, join
from checks.scopes import (
    EXCLUDE,
    MAX_LISTED_FILES,
    no_file_outcome,
    skipped_details,
    with_skipped,
    without,
)
from checks.spec import MAX_EVIDENCE_ITEMS, Evidence, Outcome, Status, clip

MAX_VALUES = 50


@dataclass(frozen=True, kw_only=True)
class Source:
    paths: tuple[str, ...] = option(read.globs)
    pattern: str = option(read.pattern(groups=1, searched=True))
    exclude: tuple[str, ...] = option(EXCLUDE, ())


@dataclass(frozen=True, kw_only=True)
class ConsistencyOptions:
    sources: tuple[Source, ...] = option(
        listed(
            nested(Source, " for a consistency source", sparse=("exclude",)),
            minimum=2,
            noun="sources",
        ),
        note=" for a consistency check",
    )
    ignore_case: bool = option(read.boolean, False)

    def matcher(self, source: Source) -> Matcher:
        return Matcher(source.pattern, self.ignore_case, multiline=False, capture=True)


def _check(reader: Reader, f: Fields, options: dict[str, Any]) -> None:
    sources = options["sources"]
    if options["ignore_case"] is not True or not isinstance(sources, list):
        return
    items = f.items["sources"][1].value
    for index, source in enumerate(sources):
        if isinstance(source, dict):
            where = next((v for k, v in items[index].value if k.value == "pattern"), None)
            read.flagged_pattern(
                reader,
                where,
                join(f.path, f"sources[{index}].pattern"),
                source["pattern"],
                ignore_case=True,
            )


def _uses(options: ConsistencyOptions) -> tuple[Use, ...]:
    return tuple(Use(source.paths, options.matcher(source)) for source in options.sources)


def _evaluate(options: ConsistencyOptions, found: Found) -> Outcome:
    return evaluate(
        options,
        [
            without(found.scope(use), source.exclude)
            for use, source in zip(_uses(options), options.sources, strict=True)
        ],
    )


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


CONSISTENCY = CheckType(
    "consistency", Kind.FILE, ConsistencyOptions, uses=_uses, evaluate=_evaluate, check=_check
)

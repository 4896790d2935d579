"""`threshold` checks: read one number from a JSON document and compare it with limits.

The document comes from a URL or from a file inside the repository. A URL is read with
checks.http's request, through the same outbound policy, redirects not followed. When no
number can be read (URL unreachable, refused by the outbound policy or answering non-2xx,
file missing or outside the repository, invalid JSON, `json_path` leading nowhere or to
something that is not a number, or to an integer out of a float's range) the status is
`error`: no evidence was gathered, which is different from a value beyond a limit. A
value strictly beyond a `fail_*` limit is `fail`, beyond a `warn_*` limit `warn`, else
`pass`; above and below limits may be combined to describe a band.

`json_path` is a dotted path with optional list indexes: `cpu.used_ratio`,
`nodes[0].load`, `[2].value`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import httpx
from yaml.nodes import Node

from checks import reader as read
from checks.checktype import CheckType, Kind, nested, option
from checks.http import MAX_BODY_BYTES, FetchError, fetch, network_problem
from checks.messages import COMMA_LIST, Message, gettext_noop, joined, message
from checks.outbound import Refused
from checks.placeholders import Unfilled, fill, unfilled
from checks.reader import INVALID, Fields, Reader, join, plain_number
from checks.spec import CheckSpec, Evidence, Outcome, RunContext, Status, clip

LIMITS = ("fail_above", "warn_above", "fail_below", "warn_below")
_PATH = re.compile(r"(?:[^.\[\]]+|\[\d+\])(?:\.[^.\[\]]+|\[\d+\])*")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class DocumentError(ValueError):
    """The document or the value could not be read; the message says what and where."""


def parse_json_path(path: object) -> tuple[str | int, ...]:
    """`"nodes[0].load"` -> `("nodes", 0, "load")`; ValueError naming the problem."""
    if not isinstance(path, str) or not path:
        raise ValueError("json_path must be a non-empty string")
    if not _PATH.fullmatch(path):
        raise ValueError(
            f"json_path {path!r} is not a dotted path with optional [index] (e.g. 'a.b[0].c')"
        )
    return tuple(name if name else int(index) for name, index in _STEP.findall(path))


def _json_path(reader: Reader, node: Node, path: str) -> Any:
    value = reader.text(node, path, limit=500)
    if value is INVALID:
        return INVALID
    try:
        parse_json_path(value)
    except ValueError as exc:
        reader.add(node, path, str(exc))
        return INVALID
    return value


def _one_place(reader: Reader, fields: Fields, source: dict[str, Any]) -> None:
    if fields.given("url") and fields.given("path"):
        reader.add(fields.node, fields.path, "give either url or path, not both")
    elif not fields.given("url") and not fields.given("path"):
        reader.add(
            fields.node,
            fields.path,
            "needs url (a JSON endpoint) or path (a JSON file in the repo)",
        )


@dataclass(frozen=True, kw_only=True)
class Source:
    url: str | None = option(read.url, None)
    path: str | None = option(read.relative_path, None)
    json_path: str = option(_json_path)


@dataclass(frozen=True, kw_only=True)
class ThresholdOptions:
    source: Source = option(nested(Source, " for a threshold source", check=_one_place))
    warn_above: float | None = option(read.number(), None)
    fail_above: float | None = option(read.number(), None)
    warn_below: float | None = option(read.number(), None)
    fail_below: float | None = option(read.number(), None)
    timeout_s: float = option(read.number(above=0.0, maximum=300.0), 10.0)


def _check_limits(reader: Reader, f: Fields, options: dict[str, Any]) -> None:
    given = {name for name in LIMITS if f.given(name)}
    above = given & {"warn_above", "fail_above"}
    below = given & {"warn_below", "fail_below"}
    if not given:
        reader.add(
            f.node,
            f.path,
            "a threshold check needs warn_above/fail_above or warn_below/fail_below",
        )
    elif above and below:
        reader.add(
            f.line(min(below)),
            join(f.path, min(below)),
            "cannot be combined with warn_above/fail_above: use one direction",
        )
    warn, fail = options["warn_above"], options["fail_above"]
    if _both_numbers(warn, fail) and warn >= fail:
        reader.add(
            f.line("warn_above"),
            join(f.path, "warn_above"),
            f"must be below fail_above ({plain_number(warn)} >= {plain_number(fail)})",
        )
    warn, fail = options["warn_below"], options["fail_below"]
    if _both_numbers(warn, fail) and warn <= fail:
        reader.add(
            f.line("warn_below"),
            join(f.path, "warn_below"),
            f"must be above fail_below ({plain_number(warn)} <= {plain_number(fail)})",
        )


def _both_numbers(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"a string ({clip(value, 40)!r})"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if value is None:
        return "null"
    return f"a number ({value})"


def value_at(document: Any, steps: tuple[str | int, ...]) -> float:
    """The number at `steps` in `document`; DocumentError naming what is missing."""
    current = document
    where = "the document"
    walked = ""
    for step in steps:
        if isinstance(step, int):
            if not isinstance(current, list):
                raise DocumentError(f"{where} is {_kind(current)}, not a list")
            if step >= len(current):
                raise DocumentError(f"{where} has {len(current)} item(s), no index {step}")
            walked += f"[{step}]"
        else:
            if not isinstance(current, dict):
                raise DocumentError(f"{where} is {_kind(current)}, not an object")
            if step not in current:
                raise DocumentError(f"key {step!r} not found in {where}")
            walked += f".{step}" if walked else step
        current = current[step]
        where = walked
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise DocumentError(f"{where} is {_kind(current)}, not a number")
    try:
        finite = math.isfinite(current)
    except OverflowError:  # an integer beyond a float's range (about 1.8e308)
        digits = len(str(abs(current)))
        raise DocumentError(f"{where} is out of range (an integer of {digits} digits)") from None
    if not finite:
        raise DocumentError(f"{where} is not a finite number")
    return current


def read_repo_file(repo: Path, relative: object, *, max_bytes: int) -> bytes:
    """The bytes of `relative` inside `repo`. Refuses absolute paths, `..`, anything that
    resolves outside the repository (a symlink leading out), non-regular files and files
    over `max_bytes`, with a DocumentError saying which."""
    if not isinstance(relative, str) or not relative.strip() or "\x00" in relative:
        raise DocumentError("path must be a non-empty string")
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise DocumentError(
            f"absolute path {relative!r} is not allowed: paths are relative to the repository root"
        )
    if ".." in re.split(r"[\\/]", relative):
        raise DocumentError(f"path {relative!r} leaves the repository ('..' is not allowed)")
    root = repo.resolve(strict=True)
    try:
        target = (root / relative).resolve(strict=True)
    except FileNotFoundError:
        raise DocumentError(f"file {relative!r} not found in the repository") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise DocumentError(f"cannot read {relative!r}: {exc}") from None
    if not target.is_relative_to(root):
        raise DocumentError(f"{relative!r} leads outside the repository through a symlink")
    # O_NOFOLLOW: the resolved path holds no symlink; one swapped in since is refused.
    # O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; what was opened
    # is then checked through its descriptor, so nothing swapped in since is read either.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise DocumentError(f"cannot read {relative!r}: {exc.strerror or exc}") from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(fd)
        raise DocumentError(f"{relative!r} is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(f"{relative!r} is larger than the {max_bytes}-byte limit")
    return data


def _read_source(source: Source, ctx: RunContext, timeout_s: float) -> tuple[bytes, str]:
    """The raw document and a label for it (the URL or the repository path)."""
    url, path = source.url, source.path
    if path is not None:
        return read_repo_file(ctx.repo, path, max_bytes=ctx.max_file_bytes), path
    try:
        fetched = fetch(url, policy=ctx.outbound, timeout_s=timeout_s)
    except (FetchError, Refused) as exc:
        raise DocumentError(str(exc)) from None
    except httpx.TransportError as exc:
        raise DocumentError(f"could not read {url}: {network_problem(exc, timeout_s)!s}") from None
    if not 200 <= fetched.status < 300:
        raise DocumentError(f"{url} answered with status {fetched.status}")
    if fetched.truncated:
        raise DocumentError(f"{url} answered more than {MAX_BODY_BYTES // 1024} KiB")
    return fetched.body, url


# One sentence per limit crossed, and one phrase per limit set.
CROSSED = {
    "fail_above": gettext_noop("%(path)s = %(value)s, above the fail limit %(limit)s"),
    "fail_below": gettext_noop("%(path)s = %(value)s, below the fail limit %(limit)s"),
    "warn_above": gettext_noop("%(path)s = %(value)s, above the warn limit %(limit)s"),
    "warn_below": gettext_noop("%(path)s = %(value)s, below the warn limit %(limit)s"),
}
LIMIT_NAMES = {
    "warn_above": gettext_noop("warn above %(limit)s"),
    "fail_above": gettext_noop("fail above %(limit)s"),
    "warn_below": gettext_noop("warn below %(limit)s"),
    "fail_below": gettext_noop("fail below %(limit)s"),
}


def _limit_text(limits: dict[str, float]) -> Message:
    return joined(
        [message(LIMIT_NAMES[name], limit=value) for name, value in limits.items()], COMMA_LIST
    )


def run_threshold(spec: CheckSpec, options: ThresholdOptions, ctx: RunContext) -> Outcome:
    """Read the number at `source.json_path` and compare it with the limits."""
    source = options.source
    limits = {name: value for name in LIMITS if (value := getattr(options, name)) is not None}
    json_path = source.json_path
    steps = parse_json_path(json_path)
    timeout_s = options.timeout_s
    if source.url is not None:
        try:
            source = dataclasses.replace(source, url=fill(source.url, ctx.placeholders))
        except Unfilled as exc:
            return unfilled(exc)
    try:
        raw, label = _read_source(source, ctx, timeout_s)
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # includes decode errors
            raise DocumentError(f"{label} is not valid JSON: {exc}") from None
        value = value_at(document, steps)
    except DocumentError as exc:
        return Outcome.error(str(exc), json_path=json_path, limits=limits)

    crossed_fail = [name for name in ("fail_above", "fail_below") if _beyond(name, value, limits)]
    crossed_warn = [name for name in ("warn_above", "warn_below") if _beyond(name, value, limits)]
    details = {"value": value, "json_path": json_path, "source": label, "limits": limits}
    evidence = (Evidence(path=source.path, text=clip(f"{json_path} = {value} (from {label})")),)
    if crossed_fail or crossed_warn:
        name = (crossed_fail or crossed_warn)[0]
        summary = message(CROSSED[name], path=json_path, value=value, limit=limits[name])
        status = Status.FAIL if crossed_fail else Status.WARN
        return Outcome.said(status, summary, evidence, details)
    summary = message(
        gettext_noop("%(path)s = %(value)s (%(limits)s)"),
        path=json_path,
        value=value,
        limits=_limit_text(limits),
    )
    return Outcome.said(Status.PASS, summary, evidence, details)


def _beyond(name: str, value: float, limits: dict[str, float]) -> bool:
    if name not in limits:
        return False
    return value > limits[name] if name.endswith("_above") else value < limits[name]


def _reads_repository(options: ThresholdOptions, ctx: RunContext) -> bool:
    return options.source.path is not None


THRESHOLD = CheckType(
    "threshold",
    Kind.SLOW,
    ThresholdOptions,
    run=run_threshold,
    check=_check_limits,
    reads_repository=_reads_repository,
)

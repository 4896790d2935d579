"""`command` checks: run an argv list in the repository and judge its exit code and output.

The command comes from a checklist, so it is treated as untrusted: no shell, no stdin,
output kept up to a cap and the rest drained and discarded, and it runs in a sandbox
(checks.sandbox): by default bubblewrap, where it sees the repository read-only, a private
/tmp and the system's programs, no network unless the check says `network: true`, none of
the product's files nor the worker's environment, within limits on memory and processes;
everything it starts dies with it, at the timeout or when it ends. Where bubblewrap cannot
run, the check is `error` with the reason, unless the administrator chose to run commands
without a sandbox (READINESS_COMMAND_SANDBOX=none): then only its own process group and a
minimal environment confine it. Either way, before the first command the process that runs
it is made non-dumpable, so a command of the same user cannot read the worker's
environment back from /proc/<parent>/environ.

A command that does not finish within `timeout_s` is `fail` ("timed out after Ns"): the
check ran and what it checks did not complete, which is a finding, not a missing piece of
evidence. A command that cannot start (executable not found, not executable) is `error`.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import selectors
import shlex
import sys
import time
from dataclasses import dataclass
from typing import Any

from yaml.nodes import Node, ScalarNode

from checks import reader as read
from checks.checktype import CheckType, Kind, nested, option
from checks.messages import Message, gettext_noop, joined, message, timed_out
from checks.patterns import PatternError, compile_pattern
from checks.reader import INVALID, TEXT_TAGS, Reader, kind
from checks.sandbox import Running, StartError, command_start, sandbox_problem
from checks.spec import CheckSpec, Evidence, Outcome, RunContext, Status, clip

MAX_OUTPUT_BYTES = 64 * 1024  # head kept per stream and matched against
TAIL_BYTES = 8 * 1024  # last bytes kept too: failures are usually reported at the end
EXCERPT_CHARS = 2_000  # end of each stream stored in the result's details
MAX_ARGUMENT_LENGTH = 4_000
# After the command itself exits, how long what it left running may keep its output open.
EXIT_GRACE_S = 1.0
_POLL_S = 0.05

DISABLED_ON_DEPLOYMENT = gettext_noop(
    "command checks are disabled on this deployment (READINESS_ALLOW_COMMANDS)"
)
DISABLED_IN_CHECKLIST = gettext_noop("disabled in the checklist")


def _argv(reader: Reader, node: Node, path: str) -> Any:
    if isinstance(node, ScalarNode) and node.tag in TEXT_TAGS:
        try:
            suggestion = f"; write it as {json.dumps(shlex.split(node.value))}"
        except ValueError:
            suggestion = ""
        reader.add(
            node,
            path,
            "must be a list of arguments, not a shell string (commands never run "
            f"through a shell){suggestion}",
        )
        return INVALID
    values = []
    for index, (item, item_path) in enumerate(reader.items(node, path, minimum=1, noun="argument")):
        if not isinstance(item, ScalarNode) or item.tag not in TEXT_TAGS:
            reader.add(item, item_path, f"must be a string, not {kind(item)}")
            values.append(INVALID)
        elif index == 0 and not item.value.strip():
            reader.add(item, item_path, "the program name must not be empty")
            values.append(INVALID)
        elif "\x00" in item.value:
            reader.add(item, item_path, "must not contain a NUL character")
            values.append(INVALID)
        elif len(item.value) > MAX_ARGUMENT_LENGTH:
            reader.add(item, item_path, f"is longer than {MAX_ARGUMENT_LENGTH} characters")
            values.append(INVALID)
        else:
            values.append(item.value)
    return INVALID if INVALID in values or not values else values


@dataclass(frozen=True, kw_only=True)
class Expect:
    exit_code: int = option(read.integer(minimum=0, maximum=255), 0)
    stdout_matches: str | None = option(read.pattern(), None)
    stdout_not_matches: str | None = option(read.pattern(), None)
    # True: must be empty, False: must not be, None: not checked.
    stdout_empty: bool | None = option(read.boolean, None)


@dataclass(frozen=True, kw_only=True)
class CommandOptions:
    argv: tuple[str, ...] = option(_argv, note=" for a command check")
    timeout_s: float = option(read.number(minimum=1.0, maximum=3600.0), 60.0)
    expect: Expect = option(nested(Expect, " for a command's expect"), Expect())
    # Off: the sandbox has a network of its own with only its own loopback.
    network: bool = option(read.boolean, False)
    enabled: bool = option(read.boolean, True)


class _Stream:
    """One output pipe: its first MAX_OUTPUT_BYTES and last TAIL_BYTES kept, the bytes in
    between read and discarded, the total counted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = MAX_OUTPUT_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        self.tail += chunk
        del self.tail[:-TAIL_BYTES]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head)

    @property
    def text(self) -> str:
        return self.head.decode("utf-8", errors="replace")

    @property
    def end(self) -> str:
        """The last part of the output, whether or not it was truncated."""
        kept = self.tail if self.truncated else self.head
        return kept.decode("utf-8", errors="replace")[-EXCERPT_CHARS:]


class _Run:
    def __init__(self) -> None:
        self.stdout = _Stream("stdout")
        self.stderr = _Stream("stderr")
        self.exit_code: int | None = None
        self.timed_out = False
        self.duration_ms = 0.0


def run_command(spec: CheckSpec, options: CommandOptions, ctx: RunContext) -> Outcome:
    """Run `options.argv` in `ctx.repo` and compare the result with `options.expect`."""
    if not options.enabled:
        return Outcome.skip(message(DISABLED_IN_CHECKLIST))
    if not ctx.allow_commands:
        return Outcome.skip(message(DISABLED_ON_DEPLOYMENT))
    argv = list(options.argv)
    timeout_s = options.timeout_s
    expect = options.expect
    try:
        matches = _compiled(expect.stdout_matches)
        not_matches = _compiled(expect.stdout_not_matches)
    except PatternError as exc:
        return Outcome.error(message(gettext_noop("expect: %(problem)s"), problem=str(exc)))
    if not ctx.repo.is_dir():
        return Outcome.error(
            message(
                gettext_noop("repository directory %(path)s does not exist"), path=str(ctx.repo)
            )
        )

    problem = sandbox_problem(ctx.sandbox)
    if problem is not None:
        return Outcome.error(problem)

    _protect_parent_environment()
    started = time.monotonic()
    try:
        running = command_start(ctx.sandbox, argv, ctx.repo, network=options.network)
    except StartError as exc:
        return Outcome.error(exc.problem)
    run = _collect(running, started, timeout_s)
    if not run.timed_out:
        problem = running.start_problem(run.stderr.end)
        if problem is not None:
            return Outcome.error(problem)
    return _judge(run, argv, timeout_s, expect, matches, not_matches, running.details())


def _compiled(pattern: str | None):
    return None if pattern is None else compile_pattern(pattern, multiline=True)


@functools.cache
def _protect_parent_environment() -> None:
    """PR_SET_DUMPABLE 0: processes of the same user can no longer read this process's
    /proc entries (environ, mem). Linux only; elsewhere nothing to do."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


_PR_SET_DUMPABLE = 4


def _collect(running: Running, started: float, timeout_s: float) -> _Run:
    """Read both pipes until the command and everything holding its output are done or the
    deadline passes; then stop it and everything it started."""
    process = running.process
    run = _Run()
    deadline = started + timeout_s
    streams = {process.stdout: run.stdout, process.stderr: run.stderr}
    selector = selectors.DefaultSelector()
    for pipe in streams:
        selector.register(pipe, selectors.EVENT_READ)
    exited_at: float | None = None
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and running.has_exited():
                exited_at = now
            if exited_at is not None and (
                not selector.get_map() or now - exited_at > EXIT_GRACE_S or now >= deadline
            ):
                break
            if now >= deadline:
                run.timed_out = True
                break
            if not selector.get_map():
                time.sleep(min(_POLL_S, deadline - now))
                continue
            for key, _ in selector.select(timeout=min(_POLL_S, deadline - now)):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    streams[key.fileobj].feed(chunk)
                else:
                    selector.unregister(key.fileobj)
    finally:
        running.stop()
        selector.close()
        for pipe in streams:
            pipe.close()
    run.duration_ms = (time.monotonic() - started) * 1000
    run.exit_code = None if run.timed_out else process.returncode
    return run


def _judge(
    run: _Run,
    argv: list[str],
    timeout_s: float,
    expect: Expect,
    matches,
    not_matches,
    confinement: dict[str, Any],
) -> Outcome:
    details: dict[str, Any] = {
        "argv": argv,
        "exit_code": run.exit_code,
        "duration_ms": round(run.duration_ms, 1),
        "timed_out": run.timed_out,
        **confinement,
    }
    for stream in (run.stdout, run.stderr):
        details[f"{stream.name}_excerpt"] = stream.end
        details[f"{stream.name}_bytes"] = stream.total
        details[f"{stream.name}_truncated"] = stream.truncated
    evidence = [Evidence(text=clip(f"$ {' '.join(argv)}"))]

    if run.timed_out:
        evidence += _tail_evidence(run)
        return Outcome.said(Status.FAIL, timed_out(timeout_s), tuple(evidence), details)

    problems: list[Message] = []
    expected_code = expect.exit_code
    if run.exit_code != expected_code:
        if run.exit_code is not None and run.exit_code < 0:
            problems.append(
                message(gettext_noop("killed by signal %(signal)s"), signal=-run.exit_code)
            )
        else:
            problems.append(
                message(
                    gettext_noop("exit code %(code)s, expected %(expected)s"),
                    code=run.exit_code,
                    expected=expected_code,
                )
            )

    # Only the head and the tail of a truncated output were kept: a match in either is
    # certain, but absence cannot be confirmed (the middle was not seen).
    unconfirmed: str | None = None
    if matches is not None:
        found = _search(matches, run.stdout)
        if found:
            evidence.append(found)
        elif run.stdout.truncated:
            unconfirmed = expect.stdout_matches
        else:
            problems.append(
                message(
                    gettext_noop("stdout does not match %(pattern)s"),
                    pattern=repr(expect.stdout_matches),
                )
            )
    if not_matches is not None:
        found = _search(not_matches, run.stdout)
        if found:
            evidence.append(found)
            problems.append(
                message(
                    gettext_noop("stdout matches %(pattern)s"),
                    pattern=repr(expect.stdout_not_matches),
                )
            )
        elif run.stdout.truncated:
            unconfirmed = expect.stdout_not_matches
    stdout = run.stdout.text
    empty = expect.stdout_empty
    if empty is True and stdout.strip():
        problems.append(message(gettext_noop("stdout is not empty")))
    if empty is False and not stdout.strip():
        problems.append(message(gettext_noop("stdout is empty")))

    if problems:
        evidence += _tail_evidence(run)
        return Outcome.said(Status.FAIL, joined(problems), tuple(evidence), details)
    if unconfirmed:
        summary = message(
            gettext_noop(
                "stdout is larger than %(size)s KiB and only its start and end were kept: "
                "cannot tell whether %(pattern)s appears in between"
            ),
            size=MAX_OUTPUT_BYTES // 1024,
            pattern=repr(unconfirmed),
        )
        return Outcome.said(Status.ERROR, summary, tuple(evidence), details)
    if matches is not None:
        summary = message(
            gettext_noop("exit code %(code)s, stdout matches %(pattern)s"),
            code=run.exit_code,
            pattern=repr(expect.stdout_matches),
        )
    else:
        summary = message(gettext_noop("exit code %(code)s"), code=run.exit_code)
    return Outcome.said(Status.PASS, summary, tuple(evidence), details)


def _search(regex: Any, stream: _Stream) -> Evidence | None:
    """Evidence of the first match in the kept head of `stream`, else in its kept end."""
    head = stream.text
    found = regex.search(head)
    if found:
        number = head.count("\n", 0, found.start()) + 1
        return Evidence(text=clip(f"stdout line {number}: {_line(head, found)}"))
    if stream.truncated:
        tail = stream.tail.decode("utf-8", errors="replace")
        found = regex.search(tail)
        if found:
            return Evidence(text=clip(f"stdout (end): {_line(tail, found)}"))
    return None


def _line(text: str, found: Any) -> str:
    """The line(s) of `text` holding the match."""
    start = text.rfind("\n", 0, found.start()) + 1
    end = text.find("\n", max(found.end() - 1, found.start()))
    return text[start : len(text) if end == -1 else end]


def _tail_evidence(run: _Run) -> list[Evidence]:
    return [
        Evidence(text=clip(f"{stream.name}: {_last(stream.end.strip(), 400)}"))
        for stream in (run.stdout, run.stderr)
        if stream.end.strip()
    ]


def _last(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _reads_repository(options: CommandOptions, ctx: RunContext) -> bool:
    # A command runs in the repository root, unless commands are off and it is skipped.
    return ctx.allow_commands


COMMAND = CheckType(
    "command", Kind.SLOW, CommandOptions, run=run_command, reads_repository=_reads_repository
)

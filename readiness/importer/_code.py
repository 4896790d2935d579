"""A document's code blocks → checks (shell commands) or notes (samples, diagrams).

Shell commands are grouped with their title comment and their expected result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from checks.spec import CheckSpec
from readiness.importer._check_options import (
    command_options,
    file_options,
    grep_options,
    http_options,
    plan_type,
)
from readiness.importer._commands import (
    ChangeDir,
    CommandPlan,
    FilePlan,
    GrepPlan,
    HttpPlan,
    Plan,
    plan_command,
)
from readiness.importer._expectations import TEST_NUMBER, Expectation, key_hint, read_expectation
from readiness.importer._markdown import CodeBlock, plain, slugify_key
from readiness.importer._needs import needs_of, with_needs
from readiness.importer._plan import MAX_NAME
from readiness.importer._shell import Refused
from readiness.importer._sql import SQL_INFOS, read_sql
from readiness.importer._state import DocumentWalk
from readiness.importer._text import one_line
from readiness.importer.notes import APPROXIMATE, UNTRANSLATED, NoteMessage

_SHELL_INFOS = {
    "bash",
    "sh",
    "shell",
    "zsh",
    "console",
    "shell-session",
    "terminal",
    "shellsession",
}
_SHELL_WORDS = re.compile(
    r"^(?:\$\s+)?(?:grep|egrep|fgrep|cat|ls|test|\[|cd|npm|yarn|pnpm|npx|git|firebase|gcloud|"
    r"kubectl|docker|curl|wget|make|rm|find|echo|export|python3?|node|tsc|terraform|aws|az|"
    r"helm|go|cargo|mvn|gradle|pytest|ruff|rg)\b"
)


@dataclass
class _CommandGroup:
    """Commands of a code block that belong together: a title comment, commands, the
    expected result."""

    title: str = ""
    title_line: int = 0
    commands: list[tuple[int, str]] = field(default_factory=list)
    expectation: Expectation | None = None
    expectation_after: bool = False


def read_code(walk: DocumentWalk, block: CodeBlock) -> None:
    """A shell block becomes checks; any other code block, a note saying what it is."""
    body = [text for _line, text in block.body]
    if block.info in SQL_INFOS and block.closed:
        read_sql(walk, block)
        return
    if block.info in _SHELL_INFOS or (not block.info and _looks_like_shell(body)):
        _read_shell(walk, block)
        return
    if not block.closed:
        walk.note(
            UNTRANSLATED, block.line, block.end_line, _("code block without its closing fence")
        )
    elif _is_diagram(body):
        walk.note(UNTRANSLATED, block.line, block.end_line, _("diagram: nothing to check"))
    else:
        expectations = sum(1 for text in body if read_expectation(0, _comment_text(text) or ""))
        if expectations:
            walk.note(
                UNTRANSLATED,
                block.line,
                block.end_line,
                _(
                    "%(language)s sample describing a flow; the expected results in it "
                    "(%(count)s) are about runtime behaviour, not files or commands"
                ),
                language=block.info or _("code"),
                count=expectations,
            )
        else:
            walk.note(
                UNTRANSLATED,
                block.line,
                block.end_line,
                _("%(language)s sample: not a command"),
                language=block.info or _("code"),
            )
    walk.consume(block.line, block.end_line)


def _read_shell(walk: DocumentWalk, block: CodeBlock) -> None:
    walk.consume(block.line)
    walk.consume(block.end_line)
    console = any(text.lstrip().startswith("$ ") for _line, text in block.body)
    groups: list[_CommandGroup] = [_CommandGroup()]
    pending_expectation: Expectation | None = None
    lines = list(block.body)
    i = 0
    while i < len(lines):
        number, raw = lines[i]
        i += 1
        text = raw.strip()
        if not text:
            walk.consume(number)
            continue
        comment = _comment_text(text)
        if comment is not None:
            group = groups[-1]
            expectation = read_expectation(number, comment)
            if expectation is not None:
                if group.commands:
                    group.expectation = expectation
                    group.expectation_after = True
                else:
                    pending_expectation = expectation
                walk.consume(number)
                # Following "# - item" lines continue the expectation.
                while i < len(lines) and (_comment_text(lines[i][1].strip()) or "").startswith(
                    ("-", "*", " ")
                ):
                    walk.consume(lines[i][0])
                    i += 1
                continue
            if group.commands or group.expectation:
                groups.append(_CommandGroup())
                group = groups[-1]
            title = TEST_NUMBER.sub("", comment)
            if not group.title:
                group.title, group.title_line = title.strip(), number
            walk.consume(number)
            continue
        if console:
            if not text.startswith("$ "):
                walk.note(UNTRANSLATED, number, number, _("sample output: not compared"))
                walk.consume(number)
                continue
            text = text[2:]
        # Backslash-newline continues a command on the next line.
        last = number
        while text.endswith("\\") and i < len(lines):
            text = text[:-1] + " " + lines[i][1].strip()
            last = lines[i][0]
            i += 1
        group = groups[-1]
        if group.expectation_after:
            groups.append(_CommandGroup())
            group = groups[-1]
        if pending_expectation is not None and not group.expectation:
            group.expectation = pending_expectation
            pending_expectation = None
        group.commands.append((number, text))
        walk.consume(number, last)
    cwd = walk.cwd  # a `cd` in an earlier block of the section carries over
    for group in groups:
        cwd = _translate_group(walk, group, cwd)
    walk.cwd = cwd


def _translate_group(walk: DocumentWalk, group: _CommandGroup, cwd: str) -> str:
    """Add the group's checks; returns the directory a `cd` left the block in."""
    category = walk.category()
    plans: list[tuple[int, str, Plan]] = []
    for number, text in group.commands:
        try:
            for plan in plan_command(text, cwd):
                if isinstance(plan, ChangeDir):
                    cwd = plan.path or ""
                    continue
                plans.append((number, text, plan))
        except Refused as refused:
            walk.note(
                UNTRANSLATED, number, number, refused.message.template, **refused.message.params
            )
    expectation = group.expectation
    if not plans:
        if group.title and not group.commands:
            walk.note(
                UNTRANSLATED, group.title_line, group.title_line, _("comment without a command")
            )
        return cwd
    specs = _group_specs(walk, group, plans, expectation, category.key)
    for spec, line, approx in specs:
        walk.add_check(spec)
        for message in approx:
            walk.note(APPROXIMATE, line, line, message.template, **message.params)
        status = expectation.status if expectation else None
        if status:
            walk.claims[spec.key] = (status, expectation.line)
        else:
            walk.pending_claims.append((spec.key, walk.path_key()))
    if expectation is None and any(isinstance(entry[2], GrepPlan) for entry in plans):
        line = plans[0][0]
        walk.note(
            APPROXIMATE,
            line,
            line,
            _("no expected result given: the check only requires the pattern to be found"),
        )
    return cwd


def _group_specs(
    walk: DocumentWalk,
    group: _CommandGroup,
    plans: list[tuple[int, str, Plan]],
    expectation: Expectation | None,
    category: str,
) -> list[tuple[CheckSpec, int, list[NoteMessage]]]:
    absent = bool(expectation and expectation.absent)
    count = expectation.count if expectation else None
    # Greps of one pattern on one file each, all expected to succeed (or all to find
    # nothing), are one check: each_file says "every one of these files".
    merged: list[tuple[list[tuple[int, str, Plan]], str]] = []
    for entry in plans:
        plan = entry[2]
        for bucket, signature in merged:
            if signature and signature == _merge_signature(plan) and count is None:
                bucket.append(entry)
                break
        else:
            merged.append(([entry], _merge_signature(plan)))
    # Producers piped into grep and expected to print nothing: one check, any match fails.
    if absent:
        merged = _merge_absent_commands(merged)
    results = []
    total = len(merged)
    for index, (entries, _signature) in enumerate(merged, start=1):
        line = entries[0][0]
        plan = entries[0][2]
        commands = "\n".join(f"$ {entry[1]}" for entry in entries)
        # An expectation that is only "empty", "13" or "200" names nothing.
        expectation_title = (
            expectation.text
            if expectation
            and not (expectation.absent or expectation.count or expectation.status_code)
            else ""
        )
        title = group.title or expectation_title or _command_name(plan, entries[0][1])
        name = title if total == 1 else f"{title} ({index}/{total})"
        description = "\n".join(
            part for part in ((expectation.raw if expectation else ""), commands) if part
        )
        hint = key_hint(group.title) if group.title else ""
        if group.title and not hint:
            hint = walk.key_of(TEST_NUMBER.sub("", group.title))
        approx: list[NoteMessage] = []
        kind = plan_type(plan)
        if isinstance(plan, HttpPlan):
            kind, options, approx, needs = http_options(plan, expectation)
            description = with_needs(description, needs)
            fallback = slugify_key(plan.url, limit=60)
        elif isinstance(plan, GrepPlan):
            options, approx = grep_options(entries, absent, count)
            fallback = slugify_key(plan.pattern.replace(".*", " "), limit=60)
        elif isinstance(plan, CommandPlan):
            options, approx = command_options(entries, absent)
            description = with_needs(description, needs_of(plan.argv))
            fallback = slugify_key(entries[0][1], limit=60)
        else:
            assert isinstance(plan, FilePlan)
            options, approx = file_options(entries, absent)
            fallback = slugify_key("file " + " ".join(plan.paths), limit=60)
        key = walk.unique_key(hint, fallback)
        spec = CheckSpec(
            key=key,
            name=one_line(plain(name), MAX_NAME) or key,
            type=kind,
            category=category,
            options=options,
            description=description[:10_000],
        )
        results.append((spec, line, approx))
    return results


def _comment_text(text: str) -> str | None:
    stripped = text.strip()
    for prefix in ("#", "//"):
        if stripped.startswith(prefix) and not stripped.startswith("#!"):
            return stripped[len(prefix) :].strip()
    return None


def _looks_like_shell(body: list[str]) -> bool:
    lines = [line.strip() for line in body if line.strip()]
    if not lines:
        return False
    commands = [line for line in lines if not line.startswith("#")]
    return bool(commands) and all(_SHELL_WORDS.match(line) for line in commands)


def _is_diagram(body: list[str]) -> bool:
    lines = [line for line in body if line.strip()]
    drawn = sum(
        1 for line in lines if re.search(r"[\u2500-\u257f]|[-=]{3,}>|[|+][-=]{3,}[|+]", line)
    )
    return bool(lines) and drawn * 3 >= len(lines)


def _merge_signature(plan: Plan) -> str:
    if (
        isinstance(plan, GrepPlan)
        and plan.single_files
        and plan.count is None
        and len(plan.paths) == 1
    ):
        return f"grep\x00{plan.pattern}\x00{plan.ignore_case}"
    return ""


def _merge_absent_commands(
    merged: list[tuple[list[tuple[int, str, Plan]], str]],
) -> list[tuple[list[tuple[int, str, Plan]], str]]:
    out: list[tuple[list[tuple[int, str, Plan]], str]] = []
    by_argv: dict[tuple[str, ...], list[tuple[int, str, Plan]]] = {}
    for entries, signature in merged:
        plan = entries[0][2]
        if isinstance(plan, CommandPlan) and len(plan.filters) == 1 and len(entries) == 1:
            argv = tuple(plan.argv)
            if argv in by_argv:
                by_argv[argv].extend(entries)
                continue
            by_argv[argv] = entries
        out.append((entries, signature))
    return out


def _command_name(plan: Plan, text: str) -> str:
    """An untitled check is named by its command, as it will run."""
    if isinstance(plan, CommandPlan):
        return " ".join(plan.argv)
    return text

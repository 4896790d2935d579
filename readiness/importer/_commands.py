"""Shell commands of a readiness document → check plans, where their meaning is certain.

`grep [-r] [-n] [-i] "PATTERN" PATH...` becomes a grep check (the pattern converted from
grep's basic or extended syntax to RE2, `-r` on a directory → `dir/**`); `cat FILE | grep
X` a grep check on FILE; `grep A FILE | grep B` the closest grep check (lines holding both,
said to be approximate); `COMMAND | grep X` a command check on COMMAND's output
(`stdout_matches`, or `stdout_not_matches` when the document expects no result); `test -f`
and `ls` file checks; other read-only commands disabled command checks. Commands that
change something (rm, deploy, push…) are procedure steps, never checks: they are reported.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from checks.patterns import pattern_problem
from readiness.importer._grep import (
    both_patterns,
    grep_paths,
    grep_regex,
    parse_grep,
    with_case,
)
from readiness.importer._http import HttpPlan, http_plan
from readiness.importer._needs import needs_of
from readiness.importer._shell import (
    Op,
    Refused,
    Token,
    Word,
    refuse,
    relative_path,
    tokenize,
)
from readiness.importer.notes import NoteMessage

MAX_COMMAND_CHARS = 4_000
LONG_TIMEOUT_S = 600.0

# Plans: what one command line means


@dataclass
class GrepPlan:
    paths: list[str]
    pattern: str
    ignore_case: bool = False
    approx: list[NoteMessage] = field(default_factory=list)
    single_files: bool = True  # every path names one file (no dir/**, no glob)
    count: int | None = None


@dataclass
class CommandPlan:
    argv: list[str]
    filters: list[str] = field(default_factory=list)  # RE2, flags embedded
    approx: list[NoteMessage] = field(default_factory=list)
    timeout_s: float | None = None


@dataclass
class FilePlan:
    paths: list[str]
    absent: bool = False
    approx: list[NoteMessage] = field(default_factory=list)


@dataclass
class ChangeDir:
    path: str | None  # None: somewhere the importer cannot follow


Plan = GrepPlan | CommandPlan | FilePlan | ChangeDir | HttpPlan


# Other commands

# Commands (or subcommand words) that change files, processes, deployments or
# repositories: procedure steps, never checks, even disabled ones.
_CHANGING_PROGRAMS = {
    "rm",
    "rmdir",
    "mv",
    "cp",
    "dd",
    "mkfs",
    "chmod",
    "chown",
    "chgrp",
    "ln",
    "kill",
    "pkill",
    "killall",
    "shutdown",
    "reboot",
    "tee",
    "touch",
    "mkdir",
    "truncate",
    "install",
    "rsync",
    "scp",
    "patch",
    "shred",
    "unlink",
}
_SHELL_PROGRAMS = {
    "sudo",
    "su",
    "doas",
    "sh",
    "bash",
    "zsh",
    "eval",
    "exec",
    "source",
    ".",
    "xargs",
}
_STATE_PROGRAMS = {"export", "unset", "set", "alias", "pushd", "popd", "read", "ulimit", "umask"}
_IDLE_PROGRAMS = {"echo", "printf", "sleep", "wait", "clear", "true", "false", ":", "history"}
_INTERACTIVE_PROGRAMS = {
    "vi",
    "vim",
    "nvim",
    "nano",
    "emacs",
    "code",
    "open",
    "xdg-open",
    "less",
    "more",
    "man",
    "top",
    "htop",
    "watch",
}
_CHANGING_WORDS = {
    "deploy",
    "delete",
    "destroy",
    "apply",
    "publish",
    "push",
    "install",
    "uninstall",
    "add",
    "remove",
    "rm",
    "kill",
    "stop",
    "start",
    "restart",
    "scale",
    "create",
    "update",
    "upgrade",
    "set",
    "patch",
    "replace",
    "rollback",
    "rollout",
    "reset",
    "commit",
    "merge",
    "rebase",
    "checkout",
    "switch",
    "clean",
    "tag",
    "init",
    "login",
    "logout",
    "link",
    "unlink",
    "ci",
    "i",
    "prune",
    "purge",
    "drop",
    "migrate",
    "revert",
    "cherry-pick",
    "stash",
    "pull",
    "fetch",
    "clone",
    "mv",
    "cp",
    "import",
    "enable",
    "disable",
    "run-script-once",
}
_BUILD_PROGRAMS = {
    "npm",
    "yarn",
    "pnpm",
    "npx",
    "make",
    "tsc",
    "mvn",
    "gradle",
    "cargo",
    "go",
    "pytest",
    "tox",
    "docker",
}
_PRESERVING_FILTERS = {"head", "tail", "sort", "uniq", "cat", "column", "nl"}


def _program(word: str) -> str:
    return posixpath.basename(word)


def _check_command(argv: list[str]) -> None:
    program = _program(argv[0])
    if program in _CHANGING_PROGRAMS:
        raise refuse(
            _("%(program)s changes files or processes: a procedure step, not a check"),
            program=program,
        )
    if program in _SHELL_PROGRAMS:
        raise refuse(
            _("%(program)s runs other commands with other rights or another shell"), program=program
        )
    if program in _STATE_PROGRAMS:
        raise refuse(_("%(program)s only changes the shell's state"), program=program)
    if program in _IDLE_PROGRAMS:
        raise refuse(_("%(program)s only prints or waits: nothing to check"), program=program)
    if program in _INTERACTIVE_PROGRAMS:
        raise refuse(_("%(program)s is interactive"), program=program)
    if program in ("curl", "wget", "http", "httpie"):
        if program != "curl" or any(
            a
            in ("-X", "-d", "--data", "-F", "--form", "-T", "--upload-file", "-o", "-O", "--output")
            or a.startswith(("--data", "-X", "--request"))
            for a in argv[1:]
        ):
            raise refuse(_("%(program)s here sends data or writes a file"), program=program)
        return
    for argument in argv[1:]:
        if argument.startswith("-"):
            continue
        words = {part.lower() for part in re.split(r"[:/]", argument)}
        changing = words & _CHANGING_WORDS
        if changing:
            raise refuse(
                _("%(program)s %(word)s changes state: a procedure step, not a check"),
                program=program,
                word=sorted(changing)[0],
            )


def _in_directory(argv: list[str], cwd: str) -> tuple[list[str], list[NoteMessage]]:
    """`argv` made to run in `cwd` from the repository root, where the tool has a flag for it."""
    if not cwd:
        return argv, []
    program = _program(argv[0])
    if program == "npm":
        return [argv[0], "--prefix", cwd, *argv[1:]], []
    if program == "pnpm":
        return [argv[0], "--dir", cwd, *argv[1:]], []
    if program == "yarn":
        return [argv[0], "--cwd", cwd, *argv[1:]], []
    if program in ("git", "make"):
        return [argv[0], "-C", cwd, *argv[1:]], []
    note = NoteMessage(
        _("runs in the repository root; the document ran it in %(directory)s"), {"directory": cwd}
    )
    return argv, [note]


def _file_plan(argv: list[Word], cwd: str) -> FilePlan | None:
    texts = [w.text for w in argv]
    program = _program(texts[0])
    negate = False
    if program == "[":
        if texts[-1] != "]":
            return None
        texts = texts[:-1]
    if program in ("test", "["):
        rest = texts[1:]
        if rest[:1] == ["!"]:
            negate = True
            rest = rest[1:]
        if len(rest) != 2 or rest[0] not in ("-e", "-f", "-d", "-s", "-r"):
            return None
        word = argv[len(argv) - (2 if program == "[" else 1)]
        if word.expands:
            raise refuse(_("the path %(path)s uses shell expansion"), path=word.text)
        approx = []
        if rest[0] == "-d":
            approx.append(NoteMessage(_("a directory counts as present when it holds a file")))
        return FilePlan([relative_path(rest[1], cwd) or "**"], absent=negate, approx=approx)
    if program == "ls":
        operands = [w for w in argv[1:] if not w.text.startswith("-")]
        options = [w.text for w in argv[1:] if w.text.startswith("-")]
        if not operands or any(set(o[1:]) - set("lah1dF") for o in options):
            return None
        paths = []
        for word in operands:
            if word.expands:
                raise refuse(_("the path %(path)s uses shell expansion"), path=word.text)
            paths.append(relative_path(word.text, cwd) or "**")
        return FilePlan(paths)
    return None


def plan_command(line: str, cwd: str = "") -> list[Plan]:
    """What one command line means, one plan per command of a `a && b` / `a; b` list.
    Raises Refused with the reason when it cannot become a check."""
    if len(line) > MAX_COMMAND_CHARS:
        raise refuse(_("the command is longer than %(limit)s characters"), limit=MAX_COMMAND_CHARS)
    tokens = tokenize(line)
    plans: list[Plan] = []
    current: list[Token] = []
    for token in [*tokens, Op(";")]:
        if isinstance(token, Op) and token.text in ("&&", ";"):
            if current:
                plan = _plan_pipeline(current, cwd)
                if isinstance(plan, ChangeDir):
                    if plan.path is None:
                        raise refuse(_("cd to a place the importer cannot follow"))
                    cwd = plan.path
                plans.append(plan)
            current = []
            continue
        current.append(token)
    return plans


def _plan_pipeline(tokens: list[Token], cwd: str) -> Plan:
    stages: list[list[Word]] = [[]]
    expect_target = None
    for token in tokens:
        if isinstance(token, Word):
            if expect_target is not None:
                if expect_target != "<" and token.text != "/dev/null":
                    raise refuse(_("the command writes to a file (%(target)s)"), target=token.text)
                if expect_target == "<":
                    raise refuse(_("the command reads standard input from a file"))
                expect_target = None
                continue
            stages[-1].append(token)
        elif token.text == "|":
            stages.append([])
        elif token.text in (">", ">>", "&>", "2>", "2>>", "<"):
            expect_target = token.text
        elif token.text in ("2>&1", ">&2"):
            continue
        else:
            raise refuse(
                _("the shell operator %(operator)s cannot be translated"), operator=token.text
            )
    if any(not stage for stage in stages):
        raise refuse(_("empty command in a pipeline"))
    first = stages[0]
    program = _program(first[0].text)
    if program == "cd":
        if len(stages) > 1 or len(first) > 2:
            raise refuse(_("cd in a pipeline"))
        target = first[1] if len(first) == 2 else None
        if target is None or target.expands or target.text == "-":
            return ChangeDir(None)
        try:
            return ChangeDir(relative_path(target.text, cwd))
        except Refused:
            return ChangeDir(None)
    if program in ("curl", "wget") and len(stages) == 1:
        return http_plan(first)
    if program == "grep" or program in ("egrep", "fgrep"):
        plan: Plan = _grep_plan(first, program, cwd)
    elif program == "cat" and len(stages) > 1 and _program(stages[1][0].text) == "grep":
        files = [w for w in first[1:] if not w.text.startswith("-")]
        if not files or len(files) != len(first) - 1:
            raise refuse(_("cat with options or without a file"))
        grep_words = stages[1][1:] + files
        plan = _grep_plan([stages[1][0], *grep_words], "grep", cwd)
        stages = stages[1:]
    else:
        file_plan = _file_plan(first, cwd)
        if file_plan is not None:
            if len(stages) > 1:
                raise refuse(_("a file test in a pipeline"))
            return file_plan
        expanded = [w.text for w in first if w.expands]
        if expanded and not needs_of([w.text for w in first]):
            raise refuse(_("the command uses shell expansion ($…, `…`, ~, {a,b})"))
        if any(w.glob for w in first):
            raise refuse(_("the command uses a shell glob, which a check would pass literally"))
        argv = [w.text for w in first]
        _check_command(argv)
        argv, approx = _in_directory(argv, cwd)
        timeout = LONG_TIMEOUT_S if _program(argv[0]) in _BUILD_PROGRAMS else None
        if expanded:
            # A command that needs a database or a cloud account stays, disabled, with
            # its variables to be replaced before it is enabled.
            approx.append(
                NoteMessage(
                    _("the command uses %(words)s, which a check does not expand: replace it"),
                    {"words": ", ".join(expanded)},
                )
            )
        plan = CommandPlan(argv, approx=approx, timeout_s=timeout)
    for stage in stages[1:]:
        _add_filter(plan, stage)
    return plan


def _grep_plan(words: list[Word], program: str, cwd: str) -> GrepPlan:
    args = parse_grep(words[1:])
    if program == "egrep":
        args.syntax = "extended"
    elif program == "fgrep":
        args.syntax = "fixed"
    pattern, approx = grep_regex(args)
    paths, single, path_notes = grep_paths(args, cwd)
    return GrepPlan(paths, pattern, args.ignore_case, approx + path_notes, single)


def _add_filter(plan: Plan, stage: list[Word]) -> None:
    program = _program(stage[0].text)
    if program in _PRESERVING_FILTERS:
        # They keep the output empty or not (head -n 0 aside), which is all a check reads.
        if program in ("head", "tail") and any(
            w.text in ("-0", "-n0", "--lines=0") for w in stage[1:]
        ):
            raise refuse(_("%(program)s -n 0 prints nothing"), program=program)
        if program == "cat" and len(stage) > 1:
            raise refuse(_("cat with arguments in a pipeline"))
        return
    if program == "wc":
        if [w.text for w in stage[1:]] != ["-l"]:
            raise refuse(_("wc without -l in a pipeline"))
        if isinstance(plan, GrepPlan):
            plan.count = -1  # the expectation must give the number of lines
            return
        raise refuse(_("a line count of a command's output cannot be checked"))
    if program not in ("grep", "egrep", "fgrep"):
        raise refuse(_("the pipeline stage %(program)s cannot be translated"), program=program)
    args = parse_grep(stage[1:])
    if program == "egrep":
        args.syntax = "extended"
    elif program == "fgrep":
        args.syntax = "fixed"
    if args.paths:
        raise refuse(_("grep in a pipeline with its own files"))
    pattern, approx = grep_regex(args)
    if isinstance(plan, GrepPlan):
        if plan.count is not None:
            raise refuse(_("grep after wc -l"))
        first = with_case(plan.pattern, plan.ignore_case)
        plan.pattern = both_patterns(first, with_case(pattern, args.ignore_case))
        plan.ignore_case = False
        plan.approx.extend(approx)
        plan.approx.append(
            NoteMessage(_("lines matching both greps of the pipeline, in either order"))
        )
        problem = pattern_problem(plan.pattern)
        if problem:
            raise refuse(_("the pattern cannot be used: %(problem)s"), problem=problem)
    elif isinstance(plan, CommandPlan):
        plan.filters.append(with_case(pattern, args.ignore_case))
        plan.approx.extend(approx)
        if len(plan.filters) > 1:
            plan.approx.append(
                NoteMessage(_("lines matching all greps of the pipeline, in either order"))
            )
    else:
        raise refuse(_("the pipeline cannot be translated"))

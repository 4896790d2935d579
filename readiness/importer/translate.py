"""Shell commands of a readiness document → checks, where their meaning is certain.

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
from typing import Any

from django.utils.translation import gettext_lazy as _

from checks.paths import glob_problem
from checks.patterns import pattern_problem
from readiness.importer.markdown import fold, slugify_key
from readiness.importer.marks import status_of_mark, strip_mark
from readiness.importer.notes import Message

MAX_COMMAND_CHARS = 4_000
LONG_TIMEOUT_S = 600.0


class Refused(Exception):
    """A command that cannot become a check; `message` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def _refuse(template: Any, **params: Any) -> Refused:
    return Refused(Message(template, params))


# Tokens


@dataclass(frozen=True)
class Word:
    text: str
    glob: bool = False  # an unquoted *, ? or [ that the shell would expand
    expands: bool = False  # $VAR, $(...), `...`, ~ or {a,b}: not knowable here


@dataclass(frozen=True)
class Op:
    text: str


Token = Word | Op
_OPERATORS = ("&&", "||", ">>", "&>", ">&2", "|", "&", ";", ">", "<", "(", ")")


def tokenize(line: str) -> list[Token]:
    """Shell words and operators of one command line (POSIX quoting rules)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    text: list[str] = []
    started = glob = expands = False

    def finish() -> None:
        nonlocal text, started, glob, expands
        if started:
            tokens.append(Word("".join(text), glob, expands))
        text, started, glob, expands = [], False, False, False

    while i < n:
        c = line[i]
        if c in " \t":
            finish()
            i += 1
        elif c == "#" and not started:
            break
        elif c == "'":
            end = line.find("'", i + 1)
            if end == -1:
                raise _refuse(_("unbalanced single quote"))
            text.append(line[i + 1 : end])
            started = True
            i = end + 1
        elif c == '"':
            i += 1
            started = True
            while True:
                if i >= n:
                    raise _refuse(_("unbalanced double quote"))
                d = line[i]
                if d == '"':
                    i += 1
                    break
                if d == "\\" and i + 1 < n and line[i + 1] in '$`"\\':
                    text.append(line[i + 1])
                    i += 2
                    continue
                if d in "$`":
                    expands = True
                text.append(d)
                i += 1
        elif c == "\\":
            if i + 1 < n:
                text.append(line[i + 1])
            started = True
            i += 2
        else:
            operator = None
            if not started:
                operator = next(
                    (op for op in ("2>&1", "2>>", "2>") if line.startswith(op, i)), None
                )
            if operator is None:
                operator = next((op for op in _OPERATORS if line.startswith(op, i)), None)
            if operator:
                finish()
                tokens.append(Op(operator))
                i += len(operator)
                continue
            if c in "$`" or (c == "~" and not started):
                expands = True
            elif c in "*?[":
                glob = True
            elif c == "{" and re.match(r"\{[^}\s]*(,|\.\.)[^}\s]*\}", line[i:]):
                expands = True
            text.append(c)
            started = True
            i += 1
    finish()
    return tokens


# Plans: what one command line means


@dataclass
class GrepPlan:
    paths: list[str]
    pattern: str
    ignore_case: bool = False
    approx: list[Message] = field(default_factory=list)
    single_files: bool = True  # every path names one file (no dir/**, no glob)
    count: int | None = None


@dataclass
class CommandPlan:
    argv: list[str]
    filters: list[str] = field(default_factory=list)  # RE2, flags embedded
    approx: list[Message] = field(default_factory=list)
    timeout_s: float | None = None


@dataclass
class FilePlan:
    paths: list[str]
    absent: bool = False
    approx: list[Message] = field(default_factory=list)


@dataclass
class ChangeDir:
    path: str | None  # None: somewhere the importer cannot follow


Plan = GrepPlan | CommandPlan | FilePlan | ChangeDir


@dataclass(frozen=True)
class Expectation:
    """The document's expected result: `# ✅ ATTENDU: …` / `# EXPECTED: …`."""

    line: int
    raw: str
    text: str
    status: str | None = None  # the mark's claim: pass, warn or fail
    absent: bool = False
    count: int | None = None


# grep


@dataclass
class _GrepArgs:
    patterns: list[str] = field(default_factory=list)
    syntax: str = "basic"
    ignore_case: bool = False
    word: bool = False
    whole_line: bool = False
    recursive: bool = False
    includes: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    count: bool = False
    paths: list[Word] = field(default_factory=list)


_GREP_FLAGS = {
    "E": ("syntax", "extended"),
    "F": ("syntax", "fixed"),
    "G": ("syntax", "basic"),
    "P": ("syntax", "perl"),
    "i": ("ignore_case", True),
    "y": ("ignore_case", True),
    "w": ("word", True),
    "x": ("whole_line", True),
    "r": ("recursive", True),
    "R": ("recursive", True),
    "c": ("count", True),
}
# Options that change what is printed, not whether a line matches.
_GREP_HARMLESS = set("nHhsqloIabTUZ")
_GREP_WITH_VALUE = set("ABCefmdD")
_GREP_LONG = {
    "extended-regexp": ("syntax", "extended"),
    "fixed-strings": ("syntax", "fixed"),
    "basic-regexp": ("syntax", "basic"),
    "perl-regexp": ("syntax", "perl"),
    "ignore-case": ("ignore_case", True),
    "word-regexp": ("word", True),
    "line-regexp": ("whole_line", True),
    "recursive": ("recursive", True),
    "dereference-recursive": ("recursive", True),
    "count": ("count", True),
}
_GREP_LONG_HARMLESS = {
    "line-number",
    "with-filename",
    "no-filename",
    "no-messages",
    "quiet",
    "silent",
    "files-with-matches",
    "only-matching",
    "color",
    "colour",
    "text",
    "binary-files",
    "null",
    "max-count",
    "after-context",
    "before-context",
    "context",
    "label",
    "line-buffered",
    "byte-offset",
    "initial-tab",
}


def _parse_grep(words: list[Word]) -> _GrepArgs:
    args = _GrepArgs()
    operands: list[Word] = []
    i = 0
    only_operands = False
    while i < len(words):
        word = words[i]
        text = word.text
        i += 1
        if only_operands or not text.startswith("-") or text == "-":
            operands.append(word)
            continue
        if text == "--":
            only_operands = True
            continue
        if text.startswith("--"):
            name, has_value, value = text[2:].partition("=")
            if name == "regexp":
                if not has_value:
                    if i >= len(words):
                        raise _refuse(_("grep --regexp needs a pattern"))
                    value = words[i].text
                    i += 1
                args.patterns.append(value)
            elif name in _GREP_LONG:
                attribute, setting = _GREP_LONG[name]
                setattr(args, attribute, setting)
            elif name == "include":
                args.includes.append(value)
            elif name in ("exclude", "exclude-dir"):
                args.excludes.append(value)
            elif name in ("invert-match", "files-without-match"):
                raise _refuse(_("grep --%(option)s selects what does not match"), option=name)
            elif name in ("file", "null-data"):
                raise _refuse(_("grep --%(option)s cannot be translated"), option=name)
            elif name in _GREP_LONG_HARMLESS:
                if name in ("max-count",) and value.strip() == "0":
                    raise _refuse(_("grep --max-count=0 never matches"))
            else:
                raise _refuse(_("unknown grep option --%(option)s"), option=name)
            continue
        letters = text[1:]
        j = 0
        while j < len(letters):
            letter = letters[j]
            j += 1
            if letter in _GREP_FLAGS:
                attribute, setting = _GREP_FLAGS[letter]
                setattr(args, attribute, setting)
            elif letter in _GREP_HARMLESS:
                continue
            elif letter in _GREP_WITH_VALUE:
                value = letters[j:]
                if not value:
                    if i >= len(words):
                        raise _refuse(_("grep -%(option)s needs a value"), option=letter)
                    value = words[i].text
                    i += 1
                j = len(letters)
                if letter == "e":
                    args.patterns.append(value)
                elif letter == "f":
                    raise _refuse(_("grep -f reads its patterns from a file"))
                elif letter == "m" and value.strip() == "0":
                    raise _refuse(_("grep -m 0 never matches"))
            elif letter in "vL":
                raise _refuse(_("grep -%(option)s selects what does not match"), option=letter)
            elif letter == "z":
                raise _refuse(_("grep -z reads NUL-separated records"))
            else:
                raise _refuse(_("unknown grep option -%(option)s"), option=letter)
    if not args.patterns:
        if not operands:
            raise _refuse(_("grep without a pattern"))
        first = operands.pop(0)
        if first.expands:
            raise _refuse(_("the pattern uses shell expansion ($…, `…`)"))
        args.patterns.append(first.text)
    args.paths = operands
    return args


def _bracket_end(source: str, start: int) -> int:
    """Index after the bracket expression that opens at `start`."""
    i = start + 1
    if i < len(source) and source[i] == "^":
        i += 1
    if i < len(source) and source[i] == "]":
        i += 1
    while i < len(source):
        if source.startswith("[:", i) or source.startswith("[=", i) or source.startswith("[.", i):
            close = source.find(source[i + 1] + "]", i + 2)
            if close == -1:
                raise _refuse(_("unbalanced bracket expression in the pattern"))
            i = close + 2
            continue
        if source[i] == "]":
            return i + 1
        i += 1
    raise _refuse(_("unbalanced bracket expression in the pattern"))


def _bracket(source: str) -> str:
    """A POSIX bracket expression in RE2 syntax: a backslash is literal inside POSIX
    brackets and must be escaped for RE2; classes like [:alpha:] carry over."""
    body = source[1:-1]
    out = ["["]
    i = 0
    if body.startswith("^"):
        out.append("^")
        i = 1
    if body[i : i + 1] == "]":
        out.append(r"\]")
        i += 1
    while i < len(body):
        if body.startswith("[:", i):
            close = body.find(":]", i + 2)
            out.append(body[i : close + 2])
            i = close + 2
            continue
        if body.startswith(("[=", "[."), i):
            raise _refuse(_("collating elements ([= =], [. .]) are not supported"))
        c = body[i]
        out.append({"\\": r"\\", "[": r"\["}.get(c, c))
        i += 1
    out.append("]")
    return "".join(out)


_BACKREFERENCE = re.compile(r"\\[1-9]")
_RE2_KNOWN_ESCAPES = set("wWsSbB")


def grep_pattern(source: str, syntax: str) -> tuple[str, list[Message]]:
    """`source` in grep's `syntax` (basic, extended, fixed or perl) as an RE2 pattern with
    the same matches, and the reasons it is only approximate (empty when exact)."""
    if syntax == "fixed":
        return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", source), []
    approx: list[Message] = []
    out: list[str] = []
    basic = syntax == "basic"
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        at_start = not out or out[-1] in ("(", "|", "^")
        if c == "[":
            end = _bracket_end(source, i)
            out.append(_bracket(source[i:end]))
            i = end
            continue
        if c == "\\":
            if i + 1 >= n:
                raise _refuse(_("the pattern ends with a backslash"))
            d = source[i + 1]
            i += 2
            if d.isdigit() and d != "0":
                raise _refuse(_("backreference \\%(digit)s is not supported (RE2)"), digit=d)
            if basic and d in "(){}|+?":
                out.append(d)
            elif d in "<>":
                out.append(r"\b")
                approx.append(Message(_("word boundary \\%(edge)s read as \\b"), {"edge": d}))
            elif d in _RE2_KNOWN_ESCAPES or syntax == "perl":
                out.append("\\" + d)
            elif d.isalnum():
                raise _refuse(_("escape \\%(letter)s has no exact RE2 equivalent"), letter=d)
            else:
                out.append("\\" + d)
            continue
        if basic and c in "(){}|+?":
            out.append("\\" + c)
        elif c == "*" and at_start and syntax != "perl":
            out.append(r"\*")
        elif basic and c == "^" and not at_start:
            out.append(r"\^")
        elif basic and c == "$" and i + 1 < n and not source.startswith(("\\)", "\\|"), i + 1):
            out.append(r"\$")
        else:
            out.append(c)
        i += 1
    pattern = "".join(out)
    if syntax == "perl":
        approx.append(Message(_("Perl syntax (-P) read as RE2")))
    return pattern, approx


def _grep_regex(args: _GrepArgs) -> tuple[str, list[Message]]:
    approx: list[Message] = []
    parts = []
    for source in args.patterns:
        if "\n" in source:
            raise _refuse(_("a pattern with a newline holds several patterns"))
        pattern, notes = grep_pattern(source, args.syntax)
        parts.append(pattern)
        approx.extend(notes)
    pattern = parts[0] if len(parts) == 1 else "|".join(f"(?:{p})" for p in parts)
    if args.whole_line:
        pattern = f"^(?:{pattern})$"
    if args.word:
        pattern = rf"\b(?:{pattern})\b"
        approx.append(Message(_("-w read as \\b word boundaries")))
    problem = pattern_problem(pattern)
    if problem:
        raise _refuse(_("the pattern cannot be used: %(problem)s"), problem=problem)
    return pattern, approx


_KNOWN_FILES = {
    "dockerfile",
    "makefile",
    "procfile",
    "license",
    "readme",
    "gemfile",
    "rakefile",
    "jenkinsfile",
    "vagrantfile",
    "codeowners",
    "brewfile",
}


def _relative(text: str, cwd: str) -> str:
    """`text` relative to the repository root, or Refused when it leaves it."""
    if text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
        raise _refuse(_("the path %(path)s is absolute"), path=text)
    joined = posixpath.normpath(posixpath.join(cwd, text)) if cwd else posixpath.normpath(text)
    if joined == ".." or joined.startswith("../"):
        raise _refuse(_("the path %(path)s leaves the repository"), path=text)
    return "" if joined == "." else joined


def _grep_paths(args: _GrepArgs, cwd: str) -> tuple[list[str], bool, list[Message]]:
    """The check's path globs, whether each names one file, and approximations."""
    approx: list[Message] = []
    words = args.paths or ([Word(".")] if args.recursive else [])
    if not words:
        raise _refuse(_("grep reads standard input here: no file to search"))
    globs: list[str] = []
    single = True
    for word in words:
        if word.expands:
            raise _refuse(_("the path %(path)s uses shell expansion"), path=word.text)
        if word.text == "-":
            raise _refuse(_("grep reads standard input here: no file to search"))
        relative = _relative(word.text, cwd)
        last = posixpath.basename(relative)
        directory = relative == "" or word.text.endswith("/") or word.text in (".", "./")
        if args.recursive and not directory and not word.glob:
            directory = "." not in last and last.lower() not in _KNOWN_FILES
        if word.glob:
            single = False
        if args.recursive and directory:
            single = False
            base = f"{relative}/**" if relative else "**"
            if args.includes:
                globs.extend(f"{base}/{include}" for include in args.includes)
            else:
                globs.append(base)
        elif relative:
            globs.append(relative)
        else:
            raise _refuse(_("grep without -r on a directory"))
    if args.excludes:
        approx.append(
            Message(_("--exclude %(globs)s ignored"), {"globs": ", ".join(args.excludes)})
        )
    for glob in globs:
        problem = glob_problem(glob)
        if problem:
            raise _refuse(_("the path cannot be used: %(problem)s"), problem=problem)
    return globs, single, approx


def _both(first: str, second: str) -> str:
    """Lines matching both patterns, in either order (an approximation: a line where the
    two matches overlap is missed)."""
    return f"(?:{first}).*(?:{second})|(?:{second}).*(?:{first})"


def _with_case(pattern: str, ignore_case: bool) -> str:
    return f"(?i:{pattern})" if ignore_case else pattern


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
_NPM_LIKE = {"npm", "yarn", "pnpm", "npx"}
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
        raise _refuse(
            _("%(program)s changes files or processes: a procedure step, not a check"),
            program=program,
        )
    if program in _SHELL_PROGRAMS:
        raise _refuse(
            _("%(program)s runs other commands with other rights or another shell"), program=program
        )
    if program in _STATE_PROGRAMS:
        raise _refuse(_("%(program)s only changes the shell's state"), program=program)
    if program in _IDLE_PROGRAMS:
        raise _refuse(_("%(program)s only prints or waits: nothing to check"), program=program)
    if program in _INTERACTIVE_PROGRAMS:
        raise _refuse(_("%(program)s is interactive"), program=program)
    if program in ("curl", "wget", "http", "httpie"):
        if program != "curl" or any(
            a
            in ("-X", "-d", "--data", "-F", "--form", "-T", "--upload-file", "-o", "-O", "--output")
            or a.startswith(("--data", "-X", "--request"))
            for a in argv[1:]
        ):
            raise _refuse(_("%(program)s here sends data or writes a file"), program=program)
        return
    for argument in argv[1:]:
        if argument.startswith("-"):
            continue
        words = {part.lower() for part in re.split(r"[:/]", argument)}
        changing = words & _CHANGING_WORDS
        if changing:
            raise _refuse(
                _("%(program)s %(word)s changes state: a procedure step, not a check"),
                program=program,
                word=sorted(changing)[0],
            )


def _in_directory(argv: list[str], cwd: str) -> tuple[list[str], list[Message]]:
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
    note = Message(
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
            raise _refuse(_("the path %(path)s uses shell expansion"), path=word.text)
        approx = []
        if rest[0] == "-d":
            approx.append(Message(_("a directory counts as present when it holds a file")))
        return FilePlan([_relative(rest[1], cwd) or "**"], absent=negate, approx=approx)
    if program == "ls":
        operands = [w for w in argv[1:] if not w.text.startswith("-")]
        options = [w.text for w in argv[1:] if w.text.startswith("-")]
        if not operands or any(set(o[1:]) - set("lah1dF") for o in options):
            return None
        paths = []
        for word in operands:
            if word.expands:
                raise _refuse(_("the path %(path)s uses shell expansion"), path=word.text)
            paths.append(_relative(word.text, cwd) or "**")
        return FilePlan(paths)
    return None


def plan_command(line: str, cwd: str = "") -> list[Plan]:
    """What one command line means, one plan per command of a `a && b` / `a; b` list.
    Raises Refused with the reason when it cannot become a check."""
    if len(line) > MAX_COMMAND_CHARS:
        raise _refuse(_("the command is longer than %(limit)s characters"), limit=MAX_COMMAND_CHARS)
    tokens = tokenize(line)
    plans: list[Plan] = []
    current: list[Token] = []
    for token in [*tokens, Op(";")]:
        if isinstance(token, Op) and token.text in ("&&", ";"):
            if current:
                plan = _plan_pipeline(current, cwd)
                if isinstance(plan, ChangeDir):
                    if plan.path is None:
                        raise _refuse(_("cd to a place the importer cannot follow"))
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
                    raise _refuse(_("the command writes to a file (%(target)s)"), target=token.text)
                if expect_target == "<":
                    raise _refuse(_("the command reads standard input from a file"))
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
            raise _refuse(
                _("the shell operator %(operator)s cannot be translated"), operator=token.text
            )
    if any(not stage for stage in stages):
        raise _refuse(_("empty command in a pipeline"))
    first = stages[0]
    program = _program(first[0].text)
    if program == "cd":
        if len(stages) > 1 or len(first) > 2:
            raise _refuse(_("cd in a pipeline"))
        target = first[1] if len(first) == 2 else None
        if target is None or target.expands or target.text == "-":
            return ChangeDir(None)
        try:
            return ChangeDir(_relative(target.text, cwd))
        except Refused:
            return ChangeDir(None)
    if program == "grep" or program in ("egrep", "fgrep"):
        plan: Plan = _grep_plan(first, program, cwd)
    elif program == "cat" and len(stages) > 1 and _program(stages[1][0].text) == "grep":
        files = [w for w in first[1:] if not w.text.startswith("-")]
        if not files or len(files) != len(first) - 1:
            raise _refuse(_("cat with options or without a file"))
        grep_words = stages[1][1:] + files
        plan = _grep_plan([stages[1][0], *grep_words], "grep", cwd)
        stages = stages[1:]
    else:
        file_plan = _file_plan(first, cwd)
        if file_plan is not None:
            if len(stages) > 1:
                raise _refuse(_("a file test in a pipeline"))
            return file_plan
        if any(w.expands for w in first):
            raise _refuse(_("the command uses shell expansion ($…, `…`, ~, {a,b})"))
        if any(w.glob for w in first):
            raise _refuse(_("the command uses a shell glob, which a check would pass literally"))
        argv = [w.text for w in first]
        _check_command(argv)
        argv, approx = _in_directory(argv, cwd)
        timeout = LONG_TIMEOUT_S if _program(argv[0]) in _BUILD_PROGRAMS else None
        plan = CommandPlan(argv, approx=approx, timeout_s=timeout)
    for stage in stages[1:]:
        _add_filter(plan, stage)
    return plan


def _grep_plan(words: list[Word], program: str, cwd: str) -> GrepPlan:
    args = _parse_grep(words[1:])
    if program == "egrep":
        args.syntax = "extended"
    elif program == "fgrep":
        args.syntax = "fixed"
    pattern, approx = _grep_regex(args)
    paths, single, path_notes = _grep_paths(args, cwd)
    return GrepPlan(paths, pattern, args.ignore_case, approx + path_notes, single)


def _add_filter(plan: Plan, stage: list[Word]) -> None:
    program = _program(stage[0].text)
    if program in _PRESERVING_FILTERS:
        # They keep the output empty or not (head -n 0 aside), which is all a check reads.
        if program in ("head", "tail") and any(
            w.text in ("-0", "-n0", "--lines=0") for w in stage[1:]
        ):
            raise _refuse(_("%(program)s -n 0 prints nothing"), program=program)
        if program == "cat" and len(stage) > 1:
            raise _refuse(_("cat with arguments in a pipeline"))
        return
    if program == "wc":
        if [w.text for w in stage[1:]] != ["-l"]:
            raise _refuse(_("wc without -l in a pipeline"))
        if isinstance(plan, GrepPlan):
            plan.count = -1  # the expectation must give the number of lines
            return
        raise _refuse(_("a line count of a command's output cannot be checked"))
    if program not in ("grep", "egrep", "fgrep"):
        raise _refuse(_("the pipeline stage %(program)s cannot be translated"), program=program)
    args = _parse_grep(stage[1:])
    if program == "egrep":
        args.syntax = "extended"
    elif program == "fgrep":
        args.syntax = "fixed"
    if args.paths:
        raise _refuse(_("grep in a pipeline with its own files"))
    pattern, approx = _grep_regex(args)
    if isinstance(plan, GrepPlan):
        if plan.count is not None:
            raise _refuse(_("grep after wc -l"))
        first = _with_case(plan.pattern, plan.ignore_case)
        plan.pattern = _both(first, _with_case(pattern, args.ignore_case))
        plan.ignore_case = False
        plan.approx.extend(approx)
        plan.approx.append(Message(_("lines matching both greps of the pipeline, in either order")))
        problem = pattern_problem(plan.pattern)
        if problem:
            raise _refuse(_("the pattern cannot be used: %(problem)s"), problem=problem)
    elif isinstance(plan, CommandPlan):
        plan.filters.append(_with_case(pattern, args.ignore_case))
        plan.approx.extend(approx)
        if len(plan.filters) > 1:
            plan.approx.append(
                Message(_("lines matching all greps of the pipeline, in either order"))
            )
    else:
        raise _refuse(_("the pipeline cannot be translated"))


# Expectations

_EXPECT_KEYWORDS = re.compile(
    r"^(?:attendu|resultat attendu|resultats attendus|expected(?: result| output)?|expect|"
    r"doit afficher|should (?:print|show|return|output))\b\s*(?P<separator>[:=]|->|=>)?"
)
_ABSENT = re.compile(
    r"^(?:aucun(?:e)?\s+(?:resultat|sortie|occurrence|correspondance|ligne|match|fichier)s?|"
    r"no\s+(?:results?|output|match(?:es)?|lines?|files?)|nothing|rien|vide|empty|none|"
    r"\(?vide\)?|\(?empty\)?|0\s+(?:resultat|result|match|ligne|line|occurrence)s?|0|"
    r"pas de (?:resultat|sortie|correspondance))\b"
)
_COUNT = re.compile(r"^(\d+)\s+(?:resultats?|results?|occurrences?|matches|match|lignes?|lines?)\b")


def read_expectation(line: int, comment: str) -> Expectation | None:
    """The expectation in a comment line (without its `#` or `//`), or None when the
    comment is something else."""
    text = comment.strip()
    status, rest = strip_mark(text)
    found = _EXPECT_KEYWORDS.match(fold(rest))
    if not found:
        return None
    if found.group("separator"):
        separator = found.group("separator")
        expected = rest[rest.find(separator) + len(separator) :].strip()
    else:
        keyword_words = len(found.group(0).split())
        expected = " ".join(rest.split()[keyword_words:])
    inner_status, expected = strip_mark(expected)
    status = status or inner_status
    folded = fold(expected)
    absent = bool(_ABSENT.match(folded))
    count_match = _COUNT.match(folded)
    return Expectation(
        line=line,
        raw=text,
        text=expected,
        status=status_of_mark(status) if status else None,
        absent=absent,
        count=int(count_match.group(1)) if count_match and not absent else None,
    )


# "Test 1:", "Check 2 -", "Étape 3." before a test's title.
TEST_NUMBER = re.compile(
    r"^\s*(?:test|check|step|etape|étape|verification|vérification|controle|contrôle)\s*"
    r"\d+[a-z]?\s*[:.)-]\s*",
    re.IGNORECASE,
)


def key_hint(title: str) -> str:
    """A short key from a test's title, without the "check that" that starts most of them."""
    folded = fold(title)
    folded = TEST_NUMBER.sub("", folded)
    folded = re.sub(
        r"^(?:verifier|verify|check|ensure|s'assurer|controler|confirmer|confirm|tester|test)"
        r"(?:\s+(?:que|qu'|that|if|si|whether|le|la|les|l'|the))?\s*",
        "",
        folded,
    )
    return slugify_key(folded, limit=60)

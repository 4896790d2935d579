"""grep's command line → an RE2 pattern and path globs with the same matches.

Its options, its basic, extended, fixed or Perl syntax, and `-r` on a directory as
`dir/**`; what is only approximate is said, what cannot be converted is refused."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from checks.paths import glob_problem
from checks.patterns import pattern_problem
from readiness.importer._shell import Word, refuse, relative_path
from readiness.importer.notes import NoteMessage


@dataclass
class GrepArgs:
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


def parse_grep(words: list[Word]) -> GrepArgs:
    args = GrepArgs()
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
                        raise refuse(_("grep --regexp needs a pattern"))
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
                raise refuse(_("grep --%(option)s selects what does not match"), option=name)
            elif name in ("file", "null-data"):
                raise refuse(_("grep --%(option)s cannot be translated"), option=name)
            elif name in _GREP_LONG_HARMLESS:
                if name in ("max-count",) and value.strip() == "0":
                    raise refuse(_("grep --max-count=0 never matches"))
            else:
                raise refuse(_("unknown grep option --%(option)s"), option=name)
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
                        raise refuse(_("grep -%(option)s needs a value"), option=letter)
                    value = words[i].text
                    i += 1
                j = len(letters)
                if letter == "e":
                    args.patterns.append(value)
                elif letter == "f":
                    raise refuse(_("grep -f reads its patterns from a file"))
                elif letter == "m" and value.strip() == "0":
                    raise refuse(_("grep -m 0 never matches"))
            elif letter in "vL":
                raise refuse(_("grep -%(option)s selects what does not match"), option=letter)
            elif letter == "z":
                raise refuse(_("grep -z reads NUL-separated records"))
            else:
                raise refuse(_("unknown grep option -%(option)s"), option=letter)
    if not args.patterns:
        if not operands:
            raise refuse(_("grep without a pattern"))
        first = operands.pop(0)
        if first.expands:
            raise refuse(_("the pattern uses shell expansion ($…, `…`)"))
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
                raise refuse(_("unbalanced bracket expression in the pattern"))
            i = close + 2
            continue
        if source[i] == "]":
            return i + 1
        i += 1
    raise refuse(_("unbalanced bracket expression in the pattern"))


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
            raise refuse(_("collating elements ([= =], [. .]) are not supported"))
        c = body[i]
        out.append({"\\": r"\\", "[": r"\["}.get(c, c))
        i += 1
    out.append("]")
    return "".join(out)


_RE2_KNOWN_ESCAPES = set("wWsSbB")


def grep_pattern(source: str, syntax: str) -> tuple[str, list[NoteMessage]]:
    """`source` in grep's `syntax` (basic, extended, fixed or perl) as an RE2 pattern with
    the same matches, and the reasons it is only approximate (empty when exact)."""
    if syntax == "fixed":
        return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", source), []
    approx: list[NoteMessage] = []
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
                raise refuse(_("the pattern ends with a backslash"))
            d = source[i + 1]
            i += 2
            if d.isdigit() and d != "0":
                raise refuse(_("backreference \\%(digit)s is not supported (RE2)"), digit=d)
            if basic and d in "(){}|+?":
                out.append(d)
            elif d in "<>":
                out.append(r"\b")
                approx.append(NoteMessage(_("word boundary \\%(edge)s read as \\b"), {"edge": d}))
            elif d in _RE2_KNOWN_ESCAPES or syntax == "perl":
                out.append("\\" + d)
            elif d.isalnum():
                raise refuse(_("escape \\%(letter)s has no exact RE2 equivalent"), letter=d)
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
        approx.append(NoteMessage(_("Perl syntax (-P) read as RE2")))
    return pattern, approx


def grep_regex(args: GrepArgs) -> tuple[str, list[NoteMessage]]:
    approx: list[NoteMessage] = []
    parts = []
    for source in args.patterns:
        if "\n" in source:
            raise refuse(_("a pattern with a newline holds several patterns"))
        pattern, notes = grep_pattern(source, args.syntax)
        parts.append(pattern)
        approx.extend(notes)
    pattern = parts[0] if len(parts) == 1 else "|".join(f"(?:{p})" for p in parts)
    if args.whole_line:
        pattern = f"^(?:{pattern})$"
    if args.word:
        pattern = rf"\b(?:{pattern})\b"
        approx.append(NoteMessage(_("-w read as \\b word boundaries")))
    problem = pattern_problem(pattern)
    if problem:
        raise refuse(_("the pattern cannot be used: %(problem)s"), problem=problem)
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


def grep_paths(args: GrepArgs, cwd: str) -> tuple[list[str], bool, list[NoteMessage]]:
    """The check's path globs, whether each names one file, and approximations."""
    approx: list[NoteMessage] = []
    words = args.paths or ([Word(".")] if args.recursive else [])
    if not words:
        raise refuse(_("grep reads standard input here: no file to search"))
    globs: list[str] = []
    single = True
    for word in words:
        if word.expands:
            raise refuse(_("the path %(path)s uses shell expansion"), path=word.text)
        if word.text == "-":
            raise refuse(_("grep reads standard input here: no file to search"))
        relative = relative_path(word.text, cwd)
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
            raise refuse(_("grep without -r on a directory"))
    if args.excludes:
        approx.append(
            NoteMessage(_("--exclude %(globs)s ignored"), {"globs": ", ".join(args.excludes)})
        )
    for glob in globs:
        problem = glob_problem(glob)
        if problem:
            raise refuse(_("the path cannot be used: %(problem)s"), problem=problem)
    return globs, single, approx


def both_patterns(first: str, second: str) -> str:
    """Lines matching both patterns, in either order (an approximation: a line where the
    two matches overlap is missed)."""
    return f"(?:{first}).*(?:{second})|(?:{second}).*(?:{first})"


def with_case(pattern: str, ignore_case: bool) -> str:
    return f"(?i:{pattern})" if ignore_case else pattern

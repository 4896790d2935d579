"""The ripgrep engine of the scan: one `rg` process over a working tree for all patterns.

While Python lists the tree, one rg process searches every line-mode pattern that has a
translation (checks.translate) and the line prefixes of multiline ones; each line it
reports is confirmed with RE2, which decides. rg keeps `--no-ignore` (its ignore rules are
not git's, and a tracked file that .gitignore matches must be searched) but is told to skip
what the tree leaves out as git-ignored; its output is capped, its lazy DFA bounded, and it
has the scan's pattern time as its deadline. If rg fails in any way, its output is not used.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import re2

from checks.compiled import Compiled, re2_options
from checks.matches import Matcher
from checks.process import CappedProcess
from checks.translate import line_prefix, rust_translation
from checks.worktree import Ignored

MAX_RG_OUTPUT = 256 << 20
# rg's lazy DFA may grow this big per thread; past it rg falls back to slower engines
# rather than take hundreds of megabytes for a pattern such as `[ab]*a[ab]{200}c`.
RG_DFA_SIZE_LIMIT = "10M"
# Beyond these, what git ignores is left to the filter on rg's output (argv has a size limit).
MAX_RG_EXCLUSIONS = 2_000
MAX_RG_EXCLUSION_BYTES = 256 << 10
_GLOB_SPECIAL = frozenset("\\[]{}*?! ")


def ripgrep_binary() -> str | None:
    """The `rg` of this virtualenv (the PyPI ripgrep wheel), else one on PATH."""
    beside = Path(sys.executable).with_name("rg")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")


def rg_exclusions(ignored: Ignored | None, names: Iterable[str] = ()) -> list[str]:
    """`--glob` arguments that keep rg out of what git ignores: anchored at the search root
    by a leading `/` (rg 14 reads override globs as gitignore lines), a directory with a
    trailing `/`, glob characters escaped. Only a speed-up, since rg's output is taken for
    listed files only: a name a glob cannot spell safely (a control character, bytes that
    are not UTF-8) and anything beyond the limits are left to that filter. Directories come
    first: they hold the bulk. `names`: folder names left out at any depth (unanchored)."""
    globs = [f"--glob=!{name}/" for name in sorted(names)]
    if ignored is None:
        return globs
    size = 0
    for listed, tail in ((ignored.directories, "/"), (ignored.files, "")):
        for name in sorted(listed):
            if not name.isprintable():
                continue
            escaped = "".join("\\" + c if c in _GLOB_SPECIAL else c for c in name)
            glob = f"--glob=!/{escaped}{tail}"
            size += len(glob.encode()) + 1
            if len(globs) >= MAX_RG_EXCLUSIONS or size > MAX_RG_EXCLUSION_BYTES:
                return globs
            globs.append(glob)
    return globs


class Ripgrep:
    """One rg process over a working tree for every line-mode pattern it can take.
    rg only nominates lines; RE2 confirms each one, so rg's wider reading is harmless."""

    def __init__(
        self,
        root: Path,
        compiled: Iterable[Compiled],
        max_file_bytes: int,
        exclusions: Sequence[str] = (),
        *,
        timeout: float,
    ) -> None:
        self.members: list[Compiled] = []
        # For a multiline pattern rg searches its line prefix: member -> multiline matchers
        # it nominates files for.
        self.prefilters: dict[int, list[Compiled]] = {}
        patterns: list[str] = []
        for item in compiled:
            matcher = item.matcher
            if matcher.multiline:
                prefix = line_prefix(matcher.pattern)
                if prefix is None:
                    continue
                matcher = Matcher(prefix, matcher.ignore_case)
            translated = rust_translation(matcher.pattern, ignore_case=matcher.ignore_case)
            if translated is None:
                continue
            self.members.append(Compiled(matcher) if matcher is not item.matcher else item)
            patterns.append(translated)
            if matcher is not item.matcher:
                self.prefilters.setdefault(len(self.members) - 1, []).append(item)
        self.process: CappedProcess | None = None
        binary = ripgrep_binary()
        if not self.members or binary is None:
            self.members = []
            return
        self.set: Any = None
        if len(self.members) > 1:
            try:
                found = re2.Set.SearchSet(re2_options(multiline=False))
                for item in self.members:
                    found.Add(item.set_source)
                found.Compile()
                self.set = found
            except re2.error:
                self.set = None
        argv = [binary, "--no-config", "--no-ignore", "--hidden", "--text", "--encoding=none"]
        argv += ["--null", "--with-filename", "--line-number", "--no-heading", "--color=never"]
        argv += [f"--max-filesize={max_file_bytes}", f"--dfa-size-limit={RG_DFA_SIZE_LIMIT}"]
        argv += ["--glob=!.git", *exclusions]
        for translated in patterns:
            argv += ["--regexp", translated]
        argv += ["--", "."]
        try:
            self.process = CappedProcess(argv, cwd=root, timeout=timeout, max_output=MAX_RG_OUTPUT)
        except OSError:
            self.members = []

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def output(self) -> tuple[dict[str, list[tuple[int, bytes]]], dict[str, str]] | None:
        """Reported lines per file ((number, text), in file order) and the files rg could
        not read, or None when rg did not finish normally (then its output is not used)."""
        assert self.process is not None
        result = self.process.wait()
        if result.timed_out or result.truncated or result.returncode not in (0, 1, 2):
            return None
        unreadable: dict[str, str] = {}
        if result.returncode == 2:
            for raw in result.stderr.decode("utf-8", "surrogateescape").splitlines():
                line = raw.removeprefix("rg: ")
                path, sep, message = line.partition(": ")
                if not sep or not path.startswith("./"):
                    return None  # not a per-file problem: do not trust the output
                unreadable[path[2:]] = message
        lines: dict[str, list[tuple[int, bytes]]] = {}
        for record in result.stdout.split(b"\n"):
            if not record:
                continue
            raw_path, nul, rest = record.partition(b"\x00")
            number, colon, text = rest.partition(b":")
            if not nul or not colon or not number.isdigit():
                return None  # not rg's usual output: do not guess
            path = raw_path.decode("utf-8", "surrogateescape").removeprefix("./")
            lines.setdefault(path, []).append((int(number), text))
        return lines, unreadable

    def confirm(self, text: bytes, relevant: Sequence[int]) -> Iterable[int]:
        """The members (among `relevant`) that RE2 finds on one reported line."""
        indices = self.set.Match(text) if self.set is not None else None
        if indices is None:
            return [i for i in relevant if self.members[i].regex.search(text) is not None]
        return [i for i in indices if i in relevant]

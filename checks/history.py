"""The file checks of a checklist at a series of commits, each evaluated from what changed
since the one before, at about the cost of reading each new blob once.

`HistoryScan(repo, specs).walk(commits)` gives the outcomes at each commit, equal to those
of checks.scan.run_file_checks over a GitRevision of that commit. Instead of listing every
tree, one `git diff-tree --stdin` process streams the paths that changed between
consecutive commits (by object id: unchanged subtrees cost nothing), and the walk keeps,
per pattern use, the files its globs select, what was found in them and which are
skipped. New blobs are read once through `git cat-file --batch` (their sizes first, so a
file over the size limit is never read), in windows of commits, and matched once against
every pattern whose globs select a path holding them. A check is evaluated again only
when something it read changed: a file set of a glob it asked for (a `file` check), or a
selected file, match or skip reason of one of its uses; otherwise its outcome carries over.

Commits the walk cannot follow exactly are evaluated the usual way, with run_file_checks
over a GitRevision (sharing the BlobCache): trees holding a symlink (its content is its
target's) or a submodule, in-scope blobs the repository lacks, and every commit of a
partial clone (its blobs are fetched on demand). The next commit then evaluates every
check afresh. A pattern that runs out of time is reported too slow, as by the scan, from
the commit whose blob it was matching; its match budget counts per window of commits.
"""

from __future__ import annotations

import bisect
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.blobcache import BlobCache, BlobRecord
from checks.blobmatch import BlobMatcher
from checks.budget import DEFAULT_PATTERN_SECONDS
from checks.compiled import NOT_EXAMINED, Compiled
from checks.git import git_argv, git_env, git_promisor_remote
from checks.gitrevision import GitRevision, _CatFile
from checks.matches import BINARY_REASON, NO_MATCHES, FileMatches, Matcher, Scope, Use
from checks.paths import PathIndex, glob_matches
from checks.process import kill_group
from checks.scan import (
    BINARY_PROBE_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    plan_file_checks,
    run_file_checks,
    too_slow_outcome,
)
from checks.spec import CheckSpec, Evidence, Outcome
from checks.tree import MAX_FILES, TreeError, read_ahead

WINDOW = 128  # commits whose new blobs are read and matched together
_LINK, _SUBMODULE = "120000", "160000"
_DELETED = "000000"
_TIMEOUT_S = 600.0


@dataclass
class _UseState:
    """One pattern use (globs and matcher) across the walk: the files it selects, sorted,
    with what the matcher found in them and the files it cannot search."""

    use: Use
    key: str
    paths: list[str] = field(default_factory=list)
    matches: dict[str, FileMatches] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    # Running sums over `matches`, each file's part added or taken back as it changes, so
    # that a check reads them without walking every file (see _LiveScope).
    total: int = 0
    truncated: int = 0  # files whose count stopped at a limit
    matching: list[str] = field(default_factory=list)  # files with a match, sorted
    non_utf8: list[str] = field(default_factory=list)  # sorted

    # Per file with matches, its evidence lines, built again when its matches change.
    evidence: dict[str, tuple[FileMatches, tuple[Evidence, ...]]] = field(default_factory=dict)

    def scope(self) -> Scope:
        return _LiveScope(self.paths, self.matches, self.skipped, state=self)

    def set_found(self, path: str, found: FileMatches | None) -> None:
        """What the matcher finds in `path` now (None: nothing, or not searched)."""
        old = self.matches.get(path, NO_MATCHES)
        if found is None:
            self.matches.pop(path, None)
            self.evidence.pop(path, None)
            found = NO_MATCHES
        else:
            self.matches[path] = found
        if old is found:
            return
        self.total += found.count - old.count
        self.truncated += found.truncated - old.truncated
        _update(self.matching, path, bool(old.count), bool(found.count))
        _update(self.non_utf8, path, old.non_utf8, found.non_utf8)


def _update(paths: list[str], path: str, was: bool, now: bool) -> None:
    """Keep `path` in the sorted list `paths` exactly when `now`, given it was when `was`."""
    if was and not now:
        del paths[bisect.bisect_left(paths, path)]
    elif now and not was:
        bisect.insort(paths, path)


@dataclass(frozen=True)
class _LiveScope(Scope):
    """A use's scope as the walk keeps it, read in place (a check only reads it, during
    its evaluation), its sums answered from the running ones."""

    state: _UseState | None = None

    def total(self) -> int:
        assert self.state is not None
        return self.state.total

    def truncated(self) -> bool:
        assert self.state is not None
        return self.state.truncated > 0

    def matching(self) -> list[str]:
        assert self.state is not None
        return list(self.state.matching)

    def non_utf8(self) -> list[str]:
        assert self.state is not None
        return list(self.state.non_utf8)

    def evidence(self, path: str) -> tuple[Evidence, ...]:
        # The same objects while the file's matches stay the same: most of a check's
        # evidence carries over from one commit to the next.
        assert self.state is not None
        found = self.matches.get(path, NO_MATCHES)
        known = self.state.evidence.get(path)
        if known is None or known[0] is not found:
            items = tuple(Evidence(path, hit.line, hit.text) for hit in found.hits)
            known = self.state.evidence[path] = (found, items)
        return known[1]


class _Traced:
    """What one check's evaluation reads (checks.matches.Found), noting the uses and globs
    it asked for: the check is evaluated again only when one of them changes."""

    def __init__(self, scan: HistoryScan) -> None:
        self.scan = scan
        self.uses: set[int] = set()
        self.globs: set[str] = set()

    def scope(self, use: Use) -> Scope:
        index = self.scan.use_index[use]
        self.uses.add(index)
        return self.scan.use_states[index].scope()

    def found(self, glob: str) -> list[str]:
        self.globs.add(glob)
        return list(self.scan.glob_paths(glob))

    def unlisted(self, globs: Sequence[str]) -> list[str]:
        return []  # a git tree has no unreadable directory


class _Diffs:
    """One `git diff-tree --stdin` process: the changes between consecutive trees, as
    lists of (path, new mode, new blob id), the mode "000000" for a deletion."""

    def __init__(self, repo: Path, pairs: list[tuple[str, str]], subfolder: str) -> None:
        spec = ["--", subfolder + "/"] if subfolder else []
        self._proc = subprocess.Popen(
            git_argv(repo, "diff-tree", "--stdin", "-r", "--raw", "-z", "--no-renames", *spec),
            env=git_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._cut = len(subfolder) + 1 if subfolder else 0
        self._buffer = b""
        self._pos = 0
        payload = "".join(f"{old} {new}\n" for old, new in pairs).encode("ascii")
        self._writer = threading.Thread(target=self._write, args=(payload,), daemon=True)
        self._writer.start()

    def _write(self, payload: bytes) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(payload)
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader reports the dead process

    def _more(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        chunk = stdout.read1(1 << 16)
        if not chunk:
            raise TreeError("git diff-tree stopped before the end of the history")
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0

    def _until(self, end: bytes) -> bytes:
        while (stop := self._buffer.find(end, self._pos)) < 0:
            self._more()
        found = self._buffer[self._pos : stop]
        self._pos = stop + 1
        return found

    def _peek(self) -> bytes:
        if self._pos >= len(self._buffer):
            stdout = self._proc.stdout
            assert stdout is not None
            chunk = stdout.read1(1 << 16)
            if not chunk:
                return b""
            self._buffer, self._pos = chunk, 0
        return self._buffer[self._pos : self._pos + 1]

    def next(self) -> list[tuple[str, str, str]]:
        self._until(b"\n")  # the pair, echoed
        changes = []
        cut = self._cut
        while self._peek() == b":":
            meta = self._until(b"\x00").split(b" ")
            path = self._until(b"\x00").decode("utf-8", "surrogateescape")[cut:]
            changes.append((path, meta[1].decode("ascii"), meta[3].decode("ascii")))
        return changes

    def close(self) -> None:
        kill_group(self._proc)
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def _hidden(path: str) -> bool:
    """Whether a path lies in (or is) a `.git` entry, which a listing of the tree leaves out."""
    return ".git" in path and ".git" in path.split("/")


class HistoryScan:
    """The file checks `specs` walked along commits of the repository `repo` (see the
    module). `cache` keeps per-blob results (a new one by default); its `reads` and
    `reuses` count, as for run_file_checks, the blobs read and the files answered
    without reading. Not thread-safe; one walk at a time."""

    def __init__(
        self,
        repo: Path,
        specs: Sequence[CheckSpec],
        *,
        subfolder: str = "",
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        pattern_seconds: float = DEFAULT_PATTERN_SECONDS,
        cache: BlobCache | None = None,
        window: int = WINDOW,
    ) -> None:
        self.repo = Path(repo)
        self.specs = list(specs)
        self.subfolder = subfolder
        self.limit = max_file_bytes
        self.seconds = pattern_seconds
        self.cache = cache if cache is not None else BlobCache()
        self.window = window
        self.invalid, self.plans, compiled = plan_file_checks(self.specs, pattern_seconds)
        self.matchers: list[Matcher] = list(compiled)
        self.keys = {matcher: item.key for matcher, item in compiled.items()}
        self.use_index: dict[Use, int] = {}
        self.use_states: list[_UseState] = []
        self.plan_uses: list[tuple[int, ...]] = []
        for plan in self.plans:
            indices = []
            for use in plan.uses:
                if use not in self.use_index:
                    self.use_index[use] = len(self.use_states)
                    self.use_states.append(_UseState(use, self.keys[use.matcher]))
                indices.append(self.use_index[use])
            self.plan_uses.append(tuple(indices))
        self._all_globs = list(
            dict.fromkeys(glob for state in self.use_states for glob in state.use.globs)
        )
        self.files: dict[str, str] = {}  # path -> blob id
        self.special: dict[str, str] = {}  # symlinks and submodules: path -> mode
        self.hidden = 0  # entries in .git folders: they make a subfolder exist
        self.lacking: set[str] = set()  # searched files whose blob the repository lacks
        self.searched = 0  # files selected by at least one use
        self.globs: dict[str, list[str]] = {}  # globs `file` checks asked for -> paths
        self._membership: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
        self._slow: dict[str, str] = dict(self.cache.too_slow)  # pattern key -> file
        self._previous: dict[str, Outcome] | None = None
        self._depends: dict[str, tuple[frozenset[int], frozenset[str]]] = {}
        self._dirty_uses: set[int] = set()
        self._dirty_globs: set[str] = set()

    # what changed

    def _member(self, path: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
        known = self._membership.get(path)
        if known is None:
            # Each distinct glob once: many uses share their globs.
            matched: dict[str, bool] = {}
            for glob in self._all_globs:
                matched[glob] = glob_matches(glob, path)
            uses = tuple(
                index
                for index, state in enumerate(self.use_states)
                if any(matched[glob] for glob in state.use.globs)
            )
            globs = tuple(glob for glob in self.globs if glob_matches(glob, path))
            known = self._membership[path] = (uses, globs)
        return known

    def glob_paths(self, glob: str) -> list[str]:
        """The files `glob` selects now, sorted; kept up to date from then on."""
        paths = self.globs.get(glob)
        if paths is None:
            paths = self.globs[glob] = PathIndex(self.files).select(glob)
            self._membership.clear()  # memberships now include this glob
        return paths

    def _entry(
        self, state: _UseState, blob: str, sizes: dict[str, int], records: dict[str, BlobRecord]
    ) -> tuple[str | None, FileMatches | None]:
        """(skip reason, matches) of a file holding `blob` for one use, as the scan says."""
        size = sizes[blob]
        if size > self.limit:
            return f"larger than the {self.limit}-byte limit ({size} bytes)", None
        record = records.get(blob) or self.cache.blobs.get(blob)
        if record is None:
            return None, None
        found = record.found.get(state.key)
        if record.binary and (found is not None or state.use.each_file):
            return BINARY_REASON, None
        return None, found

    def _remove(self, path: str) -> None:
        uses, globs = self._member(path)
        for glob in globs:
            paths = self.globs[glob]
            del paths[bisect.bisect_left(paths, path)]
            self._dirty_globs.add(glob)
        for index in uses:
            state = self.use_states[index]
            del state.paths[bisect.bisect_left(state.paths, path)]
            state.set_found(path, None)
            state.skipped.pop(path, None)
            self._dirty_uses.add(index)
        if uses:
            self.searched -= 1
        self.lacking.discard(path)
        del self._membership[path]

    def _put(
        self,
        path: str,
        blob: str,
        added: bool,
        sizes: dict[str, int],
        records: dict[str, BlobRecord],
        missing: set[str],
    ) -> None:
        uses, globs = self._member(path)
        if added:
            for glob in globs:
                bisect.insort(self.globs[glob], path)
                self._dirty_globs.add(glob)
            if uses:
                self.searched += 1
        if not uses:
            return
        if blob in missing:
            self.lacking.add(path)
        else:
            self.lacking.discard(path)
        for index in uses:
            state = self.use_states[index]
            reason, found = self._entry(state, blob, sizes, records)
            if added:
                bisect.insort(state.paths, path)
            elif state.skipped.get(path) == reason and state.matches.get(path) == found:
                continue
            if reason is None:
                state.skipped.pop(path, None)
            else:
                state.skipped[path] = reason
            state.set_found(path, found)
            self._dirty_uses.add(index)

    def _apply(
        self,
        changes: list[tuple[str, str, str]],
        sizes: dict[str, int],
        records: dict[str, BlobRecord],
        missing: set[str],
    ) -> None:
        for path, mode, blob in changes:
            if _hidden(path):
                self.hidden += -1 if mode == _DELETED else 1
                continue
            was_file = path in self.files
            if mode == _DELETED or mode in (_LINK, _SUBMODULE):
                if was_file:
                    del self.files[path]
                    self._remove(path)
                if mode == _DELETED:
                    self.special.pop(path, None)
                else:
                    self.special[path] = mode
                continue
            self.special.pop(path, None)
            self.files[path] = blob
            self._put(path, blob, not was_file, sizes, records, missing)

    # reading and matching new blobs

    def _wanted(self, changes: list[tuple[str, str, str]]) -> Iterator[tuple[str, str, int]]:
        """(path, blob, use bits) of the changed files some use selects."""
        for path, mode, blob in changes:
            if mode == _DELETED or mode in (_LINK, _SUBMODULE) or _hidden(path):
                continue
            uses = self._member(path)[0]
            if uses:
                yield path, blob, uses

    def _read_window(self, window: list[list[tuple[str, str, str]]], cat: _CatFile, info: _CatFile):
        """What the commits of `window` need: the sizes of their new searched blobs,
        their records (read and matched now when the cache cannot answer), the blobs the
        repository lacks, per commit the number of its files read, and per pattern found
        too slow (commit index, file)."""
        first: dict[str, tuple[int, str]] = {}  # blob -> (commit index, path)
        needed: dict[str, set[str]] = {}  # blob -> pattern keys
        wanted: list[list[str]] = []
        for number, changes in enumerate(window):
            blobs = []
            for path, blob, uses in self._wanted(changes):
                first.setdefault(blob, (number, path))
                keys = needed.setdefault(blob, set())
                keys.update(self.use_states[index].key for index in uses)
                blobs.append(blob)
            wanted.append(blobs)
        blobs = list(first)
        sizes: dict[str, int] = {}
        missing: set[str] = set()
        for blob, found in zip(blobs, info.objects(blobs), strict=True):
            if isinstance(found, TreeError):
                missing.add(blob)
                sizes[blob] = -1
            else:
                sizes[blob] = found.size
        records: dict[str, BlobRecord] = {}
        todo = []
        for blob in blobs:
            if blob in missing or sizes[blob] > self.limit:
                continue
            record = self.cache.blobs.get(blob)
            keys = needed[blob]
            if record is not None:
                records[blob] = record
                if keys <= record.examined:
                    continue
            todo.append(blob)
        slow: dict[str, tuple[int, str]] = {}
        if todo:
            slow = self._match(todo, first, needed, records, missing, cat)
        read = set(todo) - missing
        counts = [
            sum(1 for blob in blobs if blob in read and first[blob][0] == number)
            for number, blobs in enumerate(wanted)
        ]
        return sizes, records, missing, counts, slow

    def _match(
        self,
        todo: list[str],
        first: dict[str, tuple[int, str]],
        needed: dict[str, set[str]],
        records: dict[str, BlobRecord],
        missing: set[str],
        cat: _CatFile,
    ) -> dict[str, tuple[int, str]]:
        # One Compiled per pattern and window: the window is the scan whose time and match
        # budget each pattern spends.
        compiled = {
            self.keys[matcher]: Compiled(matcher, self.seconds) for matcher in self.matchers
        }
        for key, path in self._slow.items():
            if key in compiled:
                compiled[key].clock.slow_on = path
        matcher = BlobMatcher(self.seconds)
        slow: dict[str, tuple[int, str]] = {}
        found = read_ahead(cat.objects(todo), size=_size)
        try:
            for blob, item in zip(todo, found, strict=True):
                if isinstance(item, TreeError):
                    missing.add(blob)
                    continue
                number, path = first[blob]
                record = records.get(blob)
                members = [
                    compiled[key]
                    for key in needed[blob]
                    if record is None or key not in record.examined
                ]
                data = item.data
                binary = b"\x00" in data[:BINARY_PROBE_BYTES]
                candidates = matcher.prefilter(data, members, path)
                results = matcher.match(data, members, binary, candidates, path)
                if record is None:
                    record = records[blob] = BlobRecord(binary)
                examined = set(record.examined)
                for member, matches in results.items():
                    if matches is NOT_EXAMINED:
                        stopped = member.clock.slow_on
                        if stopped is not None and member.key not in self._slow:
                            slow.setdefault(member.key, (number, stopped))
                        continue
                    if matches is not NO_MATCHES:
                        record.found[member.key] = matches
                    examined.add(member.key)
                record.examined = frozenset(examined)
                self.cache.put(blob, record)
                self.cache.reads += 1
        finally:
            found.close()
        return slow

    # evaluating

    def _evaluate(self, revision: str, slow_now: set[str]) -> dict[str, Outcome]:
        if self.subfolder and not self.files and not self.special and not self.hidden:
            raise TreeError(f"no folder {self.subfolder} at revision {revision}")
        if len(self.files) > MAX_FILES:
            self._previous = None
            problem = f"revision {revision} holds more than {MAX_FILES} files"
            return {
                spec.key: self.invalid.get(spec.key)
                or Outcome.error(f"could not read the files: {problem}")
                for spec in self.specs
            }
        outcomes: dict[str, Outcome] = dict(self.invalid)
        previous = self._previous
        for plan, indices in zip(self.plans, self.plan_uses, strict=True):
            key = plan.spec.key
            if previous is not None and key in previous:
                uses, globs = self._depends[key]
                if (
                    uses.isdisjoint(self._dirty_uses)
                    and globs.isdisjoint(self._dirty_globs)
                    and not any(self.use_states[i].key in slow_now for i in indices)
                ):
                    outcomes[key] = previous[key]
                    continue
            outcome = self._outcome(plan, indices)
            if previous is not None and _same(previous.get(key), outcome):
                # The same outcome again: the one object lets the writer prepare it once.
                outcome = previous[key]
            outcomes[key] = outcome
        self._previous = outcomes
        self._dirty_uses.clear()
        self._dirty_globs.clear()
        return {spec.key: outcomes[spec.key] for spec in self.specs if spec.key in outcomes}

    def _outcome(self, plan: Any, indices: tuple[int, ...]) -> Outcome:
        for index in indices:
            path = self._slow.get(self.use_states[index].key)
            if path is not None:
                self._depends[plan.spec.key] = (frozenset(indices), frozenset())
                return too_slow_outcome(path, self.seconds)
        traced = _Traced(self)
        started = time.perf_counter()
        try:
            outcome = plan.type.evaluate(plan.options, traced)
        except Exception as exc:
            outcome = Outcome.error(f"{plan.spec.type} check failed: {type(exc).__name__}: {exc}")
        self._depends[plan.spec.key] = (frozenset(traced.uses), frozenset(traced.globs))
        # The time of this evaluation; an outcome carried over keeps it.
        return Outcome(
            outcome.status,
            outcome.summary,
            outcome.evidence,
            outcome.details,
            (time.perf_counter() - started) * 1000,
            outcome.message,
        )

    def _whole(self, revision: str) -> dict[str, Outcome]:
        """The outcomes at `revision` from a full scan of it (what the walk cannot follow)."""
        self._previous = None
        with GitRevision(self.repo, revision, subfolder=self.subfolder) as tree:
            outcomes = run_file_checks(
                self.specs,
                tree,
                max_file_bytes=self.limit,
                cache=self.cache,
                pattern_seconds=self.seconds,
            )
        self._slow.update(self.cache.too_slow)
        return outcomes

    # the walk

    def walk(self, commits: Sequence[str]) -> Iterator[tuple[str, dict[str, Outcome] | TreeError]]:
        """(commit, outcomes) for each of `commits` (full ids, in order), or a TreeError in
        place of the outcomes when that commit cannot be read (a subfolder it lacks)."""
        if not commits:
            return
        if git_promisor_remote(self.repo) is not None:
            for revision in commits:
                yield revision, self._guarded(revision)
            return
        trees = self._trees(commits)
        empty = _empty_tree(self.repo)
        pairs = list(zip([empty, *trees[:-1]], trees, strict=True))
        diffs = _Diffs(self.repo, pairs, self.subfolder)
        cat = _CatFile(self.repo, _TIMEOUT_S)
        info = _CatFile(self.repo, _TIMEOUT_S, mode="--batch-check")
        try:
            for start in range(0, len(commits), self.window):
                batch = commits[start : start + self.window]
                window = [diffs.next() for _ in batch]
                sizes, records, missing, counts, slow = self._read_window(window, cat, info)
                for number, (revision, changes) in enumerate(zip(batch, window, strict=True)):
                    self._apply(changes, sizes, records, missing)
                    slow_now = set()
                    for key, (at, path) in slow.items():
                        if at == number:
                            # From the commit whose file stopped it, as a scan of it says.
                            self._slow[key] = self.cache.too_slow[key] = path
                            slow_now.add(key)
                    self.cache.reuses += self.searched - counts[number]
                    yield revision, self._point(revision, slow_now)
        finally:
            diffs.close()
            cat.close()
            info.close()

    def _point(self, revision: str, slow_now: set[str]) -> dict[str, Outcome] | TreeError:
        if self.special or self.lacking:
            return self._guarded(revision)
        try:
            return self._evaluate(revision, slow_now)
        except TreeError as exc:
            self._previous = None
            return exc

    def _guarded(self, revision: str) -> dict[str, Outcome] | TreeError:
        try:
            return self._whole(revision)
        except TreeError as exc:
            return exc

    def _trees(self, commits: Sequence[str]) -> list[str]:
        completed = subprocess.run(
            git_argv(self.repo, "cat-file", "--batch-check=%(objectname) %(objecttype)"),
            input="".join(f"{sha}^{{tree}}\n" for sha in commits).encode("ascii"),
            env=git_env(),
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
        trees = []
        for sha, line in zip(commits, completed.stdout.decode("ascii").splitlines(), strict=False):
            name, _, kind = line.partition(" ")
            if kind != "tree":
                raise TreeError(f"commit {sha} cannot be read: {line}")
            trees.append(name)
        if len(trees) != len(commits):
            raise TreeError("git cat-file did not list the tree of every commit")
        return trees


def _same(before: Outcome | None, after: Outcome) -> bool:
    """Whether `after` says what `before` says (their durations apart)."""
    return (
        before is not None
        and before.status == after.status
        and before.summary == after.summary
        and before.evidence == after.evidence
        and before.message == after.message
        and before.details == after.details
    )


def _empty_tree(repo: Path) -> str:
    completed = subprocess.run(
        git_argv(repo, "hash-object", "-t", "tree", "--stdin"),
        input=b"",
        env=git_env(),
        capture_output=True,
        timeout=_TIMEOUT_S,
        check=True,
    )
    return completed.stdout.decode("ascii").strip()


def _size(item: Any) -> int:
    return len(item.data) if hasattr(item, "data") else 0

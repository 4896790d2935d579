"""All file checks of an assessment in one pass over a tree.

`run_file_checks(specs, tree)` lists the tree once, selects each check's files by glob, reads
each file at most once and runs every pattern that concerns it, then hands each check what
was found (checks.matches; see checks.grep for the semantics). Two engines do the matching:

- Python + RE2 (any tree, always correct): per file, one RE2 pass with all its patterns
  combined says whether anything matches at all; only then does an RE2::Set say which, and
  each of those runs alone to count and collect evidence (checks.compiled). A `BlobCache`
  (checks.blobcache) keeps these per-blob results, so scanning consecutive git revisions
  reads and matches only the blobs that changed.
- ripgrep (a `WorkingTree`, when `rg` is installed; checks.ripgrep): one `rg` process
  searches every line-mode pattern at once while Python lists the tree; each line it
  reports is confirmed with RE2, which decides. A pattern without a certain translation
  goes to the Python engine instead. A multiline pattern runs in the Python engine, on the
  files where rg found a line matching its leading newline-free part. Files rg cannot
  report (symlinks, paths with a newline) go to the Python engine too, and if rg fails in
  any way, everything does; what it reports is taken only for files the tree lists.

Limits that keep one scan bounded whatever the repository holds: files over
`max_file_bytes` are not read, match counts stop at the limits of checks.compiled, rg's
output is capped, and every child process has a deadline. Each pattern may spend
`pattern_seconds` matching (checks.budget): past that it is stopped, and the checks that use
it are `error` "pattern too slow on FILE"; rg is given half that time, after which the Python
engine, which can tell the slow pattern, takes over. A BlobCache remembers a pattern found
too slow, so the next revisions of a backfill do not try it again.

A file of a git revision whose blob the repository lacks (checks.tree.MissingObject) makes
`error` the checks that search it, naming it; checks that do not read it are measured.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from operator import attrgetter, is_not
from typing import Any

from checks import registry
from checks.blobcache import BlobCache, BlobRecord, LastScan, Listing
from checks.blobmatch import BlobMatcher
from checks.budget import DEFAULT_PATTERN_SECONDS
from checks.checktype import CheckType, Kind
from checks.compiled import Compiled, Tally
from checks.matches import BINARY_REASON, NO_MATCHES, FileMatches, Matcher, Scope, Use
from checks.messages import Message, counted, gettext_noop, message
from checks.paths import PathIndex
from checks.patterns import PatternError
from checks.ripgrep import Ripgrep, rg_exclusions
from checks.spec import CheckSpec, Outcome
from checks.tree import (
    NOT_PRESENT,
    FileEntry,
    MissingObject,
    SkippedFile,
    Tree,
    TreeError,
    read_ahead,
)
from checks.worktree import WorkingTree

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LISTED_MISSING = 50
BINARY_PROBE_BYTES = 8192
_PATH = attrgetter("path")
_SIZE = attrgetter("size")


def _data_size(item: tuple[FileEntry, Any, list[Compiled]]) -> int:
    return len(item[1]) if isinstance(item[1], bytes) else 0


@dataclass(frozen=True)
class _Plan:
    spec: CheckSpec
    type: CheckType
    options: Any
    uses: tuple[Use, ...]


def _plan(spec: CheckSpec) -> _Plan:
    check_type = registry.find(spec.type)
    if check_type is None or check_type.kind is not Kind.FILE:
        raise ValueError(f"{spec.type!r} is not a file-based check")
    options = check_type.typed(spec.options)
    return _Plan(spec, check_type, options, tuple(check_type.uses(options)))


def _could_hold(glob: str, directory: str) -> bool:
    """Whether files below `directory` could match `glob` (conservative)."""
    cut = min((glob.find(c) for c in "*?[" if c in glob), default=len(glob))
    fixed = glob[:cut]
    return fixed.startswith(directory + "/") or (directory + "/").startswith(fixed)


class _Scanner:
    """One scan. Per-scan tables are keyed by the Compiled objects (identity hashing),
    the BlobCache by their string keys."""

    def __init__(
        self,
        tree: Tree,
        plans: Sequence[_Plan],
        compiled: Mapping[Matcher, Compiled],
        max_file_bytes: int,
        cache: BlobCache | None,
        seconds: float = DEFAULT_PATTERN_SECONDS,
    ) -> None:
        self.tree = tree
        self.seconds = seconds
        self.plans = plans
        self.compiled = compiled
        self.limit = max_file_bytes
        self.cache = cache
        self.results: dict[Compiled, dict[str, FileMatches]] = {
            item: {} for item in compiled.values()
        }
        self.binary: set[str] = set()
        self.examined: Mapping[str, int] = {}
        self.listed: list[FileEntry] = []
        self.probed: set[str] = set()
        self.blind: set[str] = set()
        self.unsearchable: dict[str, str] = {}
        self.missing: dict[str, MissingObject] = {}
        self.matcher = BlobMatcher(seconds)

    # listing and selection

    def run(self) -> None:
        ripgrep = None
        running = [item for item in self.compiled.values() if not item.clock.stopped]
        if isinstance(self.tree, WorkingTree) and running:
            exclusions = rg_exclusions(self.tree.ignored(), self.tree.excluded_names)
            # Half the time: when rg gives up, the Python engine needs time to find the
            # pattern that made it slow.
            ripgrep = Ripgrep(
                self.tree.root, running, self.limit, exclusions, timeout=self.seconds / 2
            )
        try:
            self._list()
        except BaseException:
            if ripgrep is not None:
                ripgrep.kill()
            raise
        scopes = self._pattern_scopes()
        searched: set[Compiled] = set()
        nominated: dict[Compiled, set[str]] = {}
        # Files rg does not report: symlinks (it does not follow them) and paths with a
        # newline (its output is split at newlines). The Python engine reads those.
        if ripgrep is not None and ripgrep.process is not None:
            tree = self.tree
            assert isinstance(tree, WorkingTree)
            self.blind = {
                path
                for path, entry in self.entries.items()
                if "\n" in path or tree.is_symlink(entry)
            }
            collected = self._collect(ripgrep, scopes)
            if collected is not None:
                searched, nominated = collected
        # Patterns that share a scope (the same globs) run on its files together.
        groups: dict[int, tuple[set[str], list[Compiled]]] = {}
        for item, paths in scopes.items():
            if item in searched:
                paths = paths & self.blind
            elif item in nominated:
                paths = nominated[item] | (paths & self.blind)
            groups.setdefault(id(paths), (paths, []))[1].append(item)
        self._python(*self._combinations(list(groups.values()), memo=ripgrep is None))
        self._probe_binary()

    def _combinations(
        self, groups: list[tuple[set[str], list[Compiled]]], *, memo: bool
    ) -> tuple[dict[str, int], list[tuple[Compiled, ...]], list[frozenset[str]], Any]:
        """Which patterns run on which file: file -> combination number, the patterns of
        each combination, their keys, and a signature when it is kept. Consecutive
        revisions of a backfill have the same files and scopes, so all this is kept with
        the listing in the cache; the key sets then stay the same objects, which makes the
        cache test per file an identity test."""
        signature = tuple((id(paths), tuple(item.key for item in items)) for paths, items in groups)
        known = self.listing.combinations.get(signature) if memo else None
        if known is None:
            of_path: dict[str, tuple[int, ...]] = {}
            for number, (paths, _) in enumerate(groups):
                for path in paths:
                    of_path[path] = (*of_path.get(path, ()), number)
            numbering: dict[tuple[int, ...], int] = {}
            mapping = {
                path: numbering.setdefault(combo, len(numbering)) for path, combo in of_path.items()
            }
            keys = [tuple(item.key for n in combo for item in groups[n][1]) for combo in numbering]
            known = (mapping, keys, [frozenset(combo) for combo in keys])
            if memo:
                self.listing.combinations[signature] = known
        mapping, keys, keysets = known
        by_key = {item.key: item for item in self.compiled.values()}
        combinations = [tuple(by_key[key] for key in combo) for combo in keys]
        return mapping, combinations, keysets, signature if memo else None

    def _list(self) -> None:
        # map/zip/max rather than loops: a backfill lists thousands of files per revision.
        self.listed = listed = sorted(self.tree.files(), key=_PATH)
        paths = tuple(map(_PATH, listed))
        self.entries = dict(zip(paths, listed, strict=True))
        listing = self.cache.listing if self.cache is not None else None
        if listing is None or listing.paths != paths:
            listing = Listing(paths)
            if self.cache is not None:
                self.cache.listing = listing
        self.listing = listing
        skipped: list[SkippedFile] = list(getattr(self.tree, "skipped", ()))
        self.tree_skipped = {item.path: item.reason for item in skipped}
        self.unlisted_directories = sorted(
            item.path for item in skipped if item.reason.startswith("unreadable directory")
        )
        self.skipped_index = PathIndex(self.tree_skipped)
        if listed and max(map(_SIZE, listed)) > self.limit:
            for entry in listed:
                if entry.size > self.limit:
                    self.unsearchable[entry.path] = (
                        f"larger than the {self.limit}-byte limit ({entry.size} bytes)"
                    )

    def select(self, glob: str) -> list[str]:
        selected = self.listing.selected
        found = selected.get(glob)
        if found is None:
            found = selected[glob] = self.listing.index.select(glob)
        return found

    def scope_paths(self, globs: tuple[str, ...]) -> list[str]:
        if len(globs) == 1:
            return self.select(globs[0])
        return sorted(self.scope_set(globs))

    def scope_set(self, globs: tuple[str, ...]) -> set[str]:
        """The files `globs` select, as a set shared by every use of the same globs (and
        kept with the listing: never modify it)."""
        sets = self.listing.scope_sets
        found = sets.get(globs)
        if found is None:
            found = sets[globs] = {p for glob in globs for p in self.select(glob)}
        return found

    def _pattern_scopes(self) -> dict[Compiled, set[str]]:
        """Per pattern, the files it runs on: what the globs of all its uses select (one
        shared set object for patterns with the same globs)."""
        globs: dict[Compiled, list[str]] = {}
        for plan in self.plans:
            for use in plan.uses:
                item = self.compiled[use.matcher]
                if item.clock.stopped:
                    continue  # found too slow by an earlier scan of the same cache
                found = globs.setdefault(item, [])
                found.extend(glob for glob in use.globs if glob not in found)
        return {item: self.scope_set(tuple(found)) for item, found in globs.items()}

    # engines

    def _collect(
        self, ripgrep: Ripgrep, scopes: Mapping[Compiled, set[str]]
    ) -> tuple[set[Compiled], dict[Compiled, set[str]]] | None:
        """Take rg's lines: tallies for the patterns rg searched, and for each prefiltered
        multiline pattern the files it nominated. None when rg's output is unusable."""
        output = ripgrep.output()
        if output is None:
            return None
        lines, unreadable = output
        for path, reason in unreadable.items():
            if path in self.entries:
                self.unsearchable[path] = f"unreadable: {reason}"
        members = ripgrep.members
        # Per member: the files it counts in (None for a prefix), and the multiline
        # patterns it nominates files for, with their scopes.
        counting = [
            None if i in ripgrep.prefilters else scopes.get(item, set())
            for i, item in enumerate(members)
        ]
        nominating = [
            [(item, scopes.get(item, set())) for item in ripgrep.prefilters.get(i, ())]
            for i in range(len(members))
        ]
        nominated: dict[Compiled, set[str]] = {
            item: set() for items in ripgrep.prefilters.values() for item in items
        }
        # Confirming rg's lines is RE2 work too: past the budget, the Python engine, which
        # times each pattern on its own, takes over.
        deadline = time.monotonic() + self.seconds / 2
        for path, records in lines.items():
            if time.monotonic() > deadline:
                return None
            if path not in self.entries or path in self.unsearchable or path in self.blind:
                continue
            relevant = [
                i
                for i in range(len(members))
                if (counting[i] is not None and path in counting[i])
                or any(path in scope for _, scope in nominating[i])
            ]
            if not relevant:
                continue
            tallies: dict[int, Tally] = {}
            for number, text in records:
                for i in ripgrep.confirm(text, relevant):
                    for item, scope in nominating[i]:
                        if path in scope:
                            nominated[item].add(path)
                    scope = counting[i]
                    if scope is None or path not in scope:
                        continue
                    tally = tallies.get(i)
                    if tally is None:
                        tally = tallies[i] = Tally(members[i])
                    tally.scan(text, number)
            for i, tally in tallies.items():
                self.results[members[i]][path] = tally.result()
        searched = {item for i, item in enumerate(members) if counting[i] is not None}
        return searched, nominated

    def _python(
        self,
        needs: Mapping[str, int],
        combinations: Sequence[tuple[Compiled, ...]],
        keysets: Sequence[frozenset[str]],
        signature: tuple[Any, ...] | None,
    ) -> None:
        """Match the files of `needs` (file -> combination of patterns) that the cache
        cannot answer, reading each once. With a `signature` (the scan of a cached
        listing), files unchanged since the previous such scan keep what it found."""
        self.examined = needs  # with the probed files, all whose binary status is known
        blobs = self.cache.blobs if self.cache is not None else {}
        entries, unsearchable = self.entries, self.unsearchable
        todo: Iterable[str] = needs
        last = self.listing.last if signature is not None else None
        if last is not None and last.signature == signature:
            # The same paths in the same order: compare the entries pairwise.
            todo = [e.path for e in compress(self.listed, map(is_not, self.listed, last.listed))]
            changed = set(todo)
            for item in self.compiled.values():
                target = self.results[item]
                for path, matches in last.results.get(item.key, {}).items():
                    if path not in changed:
                        target[path] = matches
            for path, reason in last.unreadable.items():
                if path not in changed:
                    unsearchable.setdefault(path, reason)
            # A blob that was missing is asked for again: it may have been fetched since, and
            # the message names this revision.
            todo += [path for path in last.missing if path not in changed]
        pending: list[tuple[FileEntry, Sequence[Compiled], frozenset[str], BlobRecord | None]]
        pending = []
        # The hot loop of a backfill's first revision (later ones visit changed files only).
        for path in todo:
            number = needs.get(path)
            if number is None or path in unsearchable:
                continue
            entry = entries[path]
            record = blobs.get(entry.blob) if entry.blob else None
            keyset = keysets[number]
            if record is None:
                pending.append((entry, combinations[number], keyset, None))
            elif record.examined is not keyset and not keyset <= record.examined:
                missing = [item for item in combinations[number] if item.key not in record.examined]
                pending.append((entry, missing, keyset, record))
            elif record.found:
                self._apply_cached(path, record, combinations[number])
        if self.cache is not None:
            self.cache.reuses += len(needs) - len(pending)
        if pending:
            self._read_and_match(pending, needs, combinations)
        if signature is not None:
            self.listing.last = LastScan(
                signature,
                self.listed,
                {
                    item.key: {p: m for p, m in found.items() if not m.truncated}
                    for item, found in self.results.items()
                },
                {p: r for p, r in unsearchable.items() if r.startswith("unreadable")},
                frozenset(self.missing),
            )

    def _read_and_match(
        self,
        pending: list[tuple[FileEntry, Sequence[Compiled], frozenset[str], BlobRecord | None]],
        needs: Mapping[str, int],
        combinations: Sequence[tuple[Compiled, ...]],
    ) -> None:
        pending.sort(key=lambda item: item[0].path)  # git reads neighbours faster
        # Files with the same content (the same blob) are read and matched once.
        same: dict[str, list[tuple[FileEntry, Sequence[Compiled], frozenset[str]]]] = {}
        records: dict[str, BlobRecord | None] = {}
        for entry, members, keyset, record in pending:
            content = entry.blob or entry.path
            same.setdefault(content, []).append((entry, members, keyset))
            records[content] = record
        members_of = {
            content: list(dict.fromkeys(item for _, found, _ in group for item in found))
            for content, group in same.items()
        }

        def prefiltered() -> Iterator[tuple[FileEntry, Any, list[Compiled]]]:
            # Run by a thread: the RE2 passes that rule most files out release the GIL.
            for first, data in self._read_many([group[0][0] for group in same.values()]):
                if isinstance(data, TreeError):
                    yield first, data, []
                else:
                    members = members_of[first.blob or first.path]
                    yield first, data, self.matcher.prefilter(data, members, first.path)

        for first, data, candidates in read_ahead(prefiltered(), size=_data_size):
            content = first.blob or first.path
            group = same[content]
            if isinstance(data, TreeError):
                for entry, _, _ in group:
                    self._unreadable(entry, data)
                continue
            if len(data) > self.limit:  # a blob fetched on demand, whose size was unknown
                for entry, _, _ in group:
                    self.unsearchable[entry.path] = (
                        f"larger than the {self.limit}-byte limit ({len(data)} bytes)"
                    )
                continue
            binary = b"\x00" in data[:BINARY_PROBE_BYTES]
            found = self.matcher.match(data, members_of[content], binary, candidates, first.path)
            record = records[content] or BlobRecord(binary)
            for item, matches in found.items():
                if matches is not NO_MATCHES and not matches.truncated:
                    record.found[item.key] = matches
            # A count cut short by this scan's budget is not recorded.
            complete = {item.key for item, matches in found.items() if not matches.truncated}
            examined = record.examined | complete
            keyset = group[0][2]
            record.examined = keyset if examined == keyset else frozenset(examined)
            if self.cache is not None and first.blob:
                self.cache.put(first.blob, record)
                self.cache.reads += 1
            for entry, _, _ in group:
                if binary:
                    self.binary.add(entry.path)
                self._apply(entry.path, record, combinations[needs[entry.path]], found)

    def _unreadable(self, entry: FileEntry, error: TreeError) -> None:
        if isinstance(error, MissingObject):
            self.missing[entry.path] = error
        else:
            self.unsearchable[entry.path] = f"unreadable: {error}"

    def _read_many(self, entries: list[FileEntry]) -> Iterable[tuple[FileEntry, Any]]:
        read_many = getattr(self.tree, "read_many", None)
        if read_many is not None:
            return read_many(entries)
        return ((entry, self._read(entry)) for entry in entries)

    def _read(self, entry: FileEntry, limit: int | None = None) -> bytes | TreeError:
        try:
            return self.tree.read(entry, limit) if limit else self.tree.read(entry)
        except TreeError as exc:
            return exc
        except OSError as exc:
            return TreeError(f"{entry.path}: {exc.strerror or exc}")

    def _apply_cached(self, path: str, record: BlobRecord, members: Sequence[Compiled]) -> None:
        """Note what the cache says the file holds for the patterns `members`."""
        for key, matches in record.found.items():
            for item in members:
                if item.key == key:
                    self.results[item][path] = matches

    def _apply(
        self,
        path: str,
        record: BlobRecord,
        members: Sequence[Compiled],
        found: Mapping[Compiled, FileMatches],
    ) -> None:
        """Note what the file holds for the patterns `members`: the blob's record, or this
        scan's `found` where a count was cut short (those are not recorded)."""
        for item in members:
            matches = found.get(item)
            if matches is None or not matches.truncated:
                matches = record.found.get(item.key)
            if matches is not None:
                self.results[item][path] = matches

    def _probe_binary(self) -> None:
        """Binary status of files it matters for that no engine read: files with a match
        (found by rg), and every file in the scope of an each_file check."""
        wanted = {path for matches in self.results.values() for path in matches}
        for plan in self.plans:
            for use in plan.uses:
                if use.each_file:
                    wanted.update(self.scope_paths(use.globs))
        for path in sorted(wanted):
            if path in self.examined or path in self.probed or path in self.unsearchable:
                continue
            if path in self.missing:
                continue
            head = self._read(self.entries[path], BINARY_PROBE_BYTES)
            if isinstance(head, TreeError):
                self._unreadable(self.entries[path], head)
                continue
            self.probed.add(path)
            if b"\x00" in head:
                self.binary.add(path)

    # what each check sees

    def scope(self, use: Use) -> Scope:
        paths = self.scope_paths(use.globs)
        outside = sorted({path for glob in use.globs for path in self.skipped_index.select(glob)})
        skipped: dict[str, str] = {path: self.tree_skipped[path] for path in outside}
        if outside:
            paths = sorted(set(paths).union(outside))
        inside = self.scope_set(use.globs) if not outside else set(paths)
        for path, reason in self.unsearchable.items():
            if path in inside:
                skipped[path] = reason
        matches: dict[str, FileMatches] = {}
        for path, found in self.results[self.compiled[use.matcher]].items():
            if path in inside and path not in skipped:
                if self._binary(path):
                    skipped[path] = BINARY_REASON
                else:
                    matches[path] = found
        if use.each_file:
            for path in inside:
                if self._binary(path):
                    skipped.setdefault(path, BINARY_REASON)
        return Scope(paths, matches, skipped)

    def _binary(self, path: str) -> bool:
        """Whether the file is binary, as far as it was read, probed or is cached (files
        answered by the cache are not noted one by one: a backfill has thousands)."""
        if path in self.binary:
            return True
        entry = self.entries.get(path)
        if entry is None or not entry.blob or self.cache is None:
            return False
        record = self.cache.blobs.get(entry.blob)
        return record is not None and record.binary

    def found(self, glob: str) -> list[str]:
        # Skipped entries exist although they are not searched, except unreadable
        # directories and symlinks that lead to nothing inside the repository.
        existing = self.select(glob) + [
            path
            for path in self.skipped_index.select(glob)
            if not self.tree_skipped[path].startswith("unreadable directory")
            and self.tree_skipped[path] not in NOT_PRESENT
        ]
        return sorted(existing)

    def unlisted(self, globs: Sequence[str]) -> list[str]:
        return [
            directory
            for directory in self.unlisted_directories
            if any(_could_hold(glob, directory) for glob in globs)
        ]

    def outcome(self, plan: _Plan) -> Outcome:
        assert plan.type.evaluate is not None
        for use in plan.uses:
            problem = self._no_evidence(use)
            if problem is not None:
                return problem
        return plan.type.evaluate(plan.options, self)

    def _no_evidence(self, use: Use) -> Outcome | None:
        """The error of a check whose pattern ran out of time, or that needs a file whose
        content the repository lacks; None when it can be evaluated."""
        clock = self.compiled[use.matcher].clock
        if clock.slow_on is not None:
            return too_slow_outcome(clock.slow_on, clock.limit)
        if not self.missing:
            return None
        lacking = [path for path in self.scope_paths(use.globs) if path in self.missing]
        if not lacking:
            return None
        first = self.missing[lacking[0]]
        summary: Message = message(
            gettext_noop("could not read %(file)s at %(revision)s: git object %(blob)s is missing"),
            file=first.path,
            revision=first.revision[:12],
            blob=first.blob,
        )
        if len(lacking) > 1:
            summary = counted(
                len(lacking) - 1,
                gettext_noop("%(summary)s (and %(count)s more file)"),
                gettext_noop("%(summary)s (and %(count)s more files)"),
                summary=summary,
            )
        return Outcome.error(summary, missing_objects=lacking[:MAX_LISTED_MISSING])


def too_slow_outcome(path: str, seconds: float) -> Outcome:
    """The error of a check whose pattern ran out of time on the file `path`."""
    return Outcome.error(
        message(
            gettext_noop("pattern too slow on %(file)s (stopped after %(seconds)s s)"),
            file=path,
            seconds=f"{seconds:g}",
        ),
        too_slow=path,
    )


def plan_file_checks(
    specs: Sequence[CheckSpec], pattern_seconds: float, cache: BlobCache | None = None
) -> tuple[dict[str, Outcome], list[_Plan], dict[Matcher, Compiled]]:
    """The plans of the checks `specs` and their patterns compiled (one Compiled per
    distinct matcher, stopped when `cache` remembers it too slow), with the `error`
    outcome of each check whose options or pattern are unusable."""
    outcomes: dict[str, Outcome] = {}
    plans: list[_Plan] = []
    compiled: dict[Matcher, Compiled] = {}
    for spec in specs:
        try:
            plan = _plan(spec)
            for use in plan.uses:
                if use.matcher not in compiled:
                    item = Compiled(use.matcher, pattern_seconds)
                    if cache is not None and item.key in cache.too_slow:
                        item.clock.slow_on = cache.too_slow[item.key]
                    if item.empty:
                        raise ValueError(
                            f"pattern {use.matcher.pattern!r} can match an empty string, so "
                            "it would match on every line; make it match at least one character"
                        )
                    compiled[use.matcher] = item
        except (ValueError, PatternError, TypeError) as exc:
            outcomes[spec.key] = Outcome.error(f"invalid {spec.type} check: {exc}")
            continue
        plans.append(plan)
    return outcomes, plans, compiled


def run_file_checks(
    specs: Sequence[CheckSpec],
    tree: Tree,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    cache: BlobCache | None = None,
    pattern_seconds: float = DEFAULT_PATTERN_SECONDS,
) -> dict[str, Outcome]:
    """Outcomes of the grep, file and consistency checks `specs`, keyed by check key, from
    one shared pass over `tree` (a WorkingTree, a GitRevision, or anything with `files()`
    and `read()`). A check whose options are unusable, or whose evaluation fails, gets an
    `error` outcome with the reason; a tree that cannot be listed makes every check an
    `error`. Each outcome's `duration_ms` is the time of the whole shared scan."""
    started = time.perf_counter()
    outcomes, plans, compiled = plan_file_checks(specs, pattern_seconds, cache)
    if plans:
        scanner = _Scanner(tree, plans, compiled, max_file_bytes, cache, pattern_seconds)
        try:
            scanner.run()
        except TreeError as exc:
            for plan in plans:
                outcomes[plan.spec.key] = Outcome.error(f"could not read the files: {exc}")
        except Exception as exc:  # a scan bug must not take the assessment down
            for plan in plans:
                outcomes[plan.spec.key] = Outcome.error(
                    f"file scan failed: {type(exc).__name__}: {exc}"
                )
        else:
            if cache is not None:
                for item in compiled.values():
                    if item.clock.slow_on is not None:
                        cache.too_slow[item.key] = item.clock.slow_on
            for plan in plans:
                try:
                    outcomes[plan.spec.key] = scanner.outcome(plan)
                except Exception as exc:
                    outcomes[plan.spec.key] = Outcome.error(
                        f"{plan.spec.type} check failed: {type(exc).__name__}: {exc}"
                    )
    elapsed = (time.perf_counter() - started) * 1000
    return {
        spec.key: replace(outcomes[spec.key], duration_ms=elapsed)
        for spec in specs
        if spec.key in outcomes
    }

"""Backfill: the file checks of a 20-pattern checklist at 30 daily revisions, read from git
objects with one shared BlobCache, beside a shell loop of `git grep -P` running the same
patterns on the same revisions.

Builds (once) a git repository in bench/.work/: by default ("vendored", about 60 MB,
6,400 files, no two copies of anything) the installed Django package's source with a few
other installed packages vendored beside it; with `--tree django` Django alone (23 MB,
3,700 files). A first commit holds the whole tree, then one commit a day changes a few
Python files (a new function, a TODO, a logger line), 30 commits in all, packed by
`git gc` as a clone would be. Files over the scan's 2 MiB size limit are left out, so
that git grep and the scan search the same files.

Then it evaluates the checklist of bench_scan.py at every revision with GitRevision and
one shared BlobCache, and runs, for the same revisions,
`for rev in ...; do git grep -P -n -e P1 ... -e P19 $rev; done | wc -c`. It prints both
times and their ratio. The target is at least 10x faster than the loop.

Then (the whole-history part) it generates a repository of `--files` files (3,000) and
`--commits` commits (1,500) each changing 1 to 20 files (edits, new files, deletions,
renames), packed, and times in the same run:
- the reference: `git cat-file --batch` over every distinct blob of the history, its output
  read through a pipe;
- `backfill --every commit` of a project on that repository with the same checklist (in a
  child process with a throwaway SQLite database: the time of backfill_run, points stored
  in batches) and its peak memory (the child's maxrss), with the RSS after a quarter, half
  and all of the points, which stays flat when memory does not grow with the history.
It prints both times, their ratio (target at most 3x) and the peak (target under 400 MB).

    .venv/bin/python bench/bench_backfill.py [--tree vendored|django] [--days 30]
        [--files 3000] [--commits 1500] [--history-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import DJANGO, GREPS, LANGUAGE, WORK, checklist  # noqa: E402

from checks.blobcache import BlobCache  # noqa: E402
from checks.gitrevision import GitRevision  # noqa: E402
from checks.scan import DEFAULT_MAX_FILE_BYTES as MAX_FILE_BYTES  # noqa: E402
from checks.scan import run_file_checks  # noqa: E402

FILES_PER_COMMIT = 4
EDITS = [
    "\n\ndef added_on_day_{day}():\n    # TODO: remove after the migration (day {day})\n"
    "    return {day}\n",
    "\n\nlogger = logging.getLogger(__name__)  # day {day}\n",
    "\n\ndef helper_{day}(value):\n    try:\n        return int(value)\n"
    "    except Exception:\n        pass\n",
    "\n\nREQUEST_TIMEOUT = {day}  # timeout=seconds\n",
]


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


# Installed packages that, with Django, make a tree of about 60 MB of distinct source.
VENDORED = ["plotly", "faker", "hypothesis", "celery", "kombu", "_pytest", "redis", "psycopg"]


def _copy_package(source: Path, target: Path) -> None:
    # A file over the scan's size limit would be skipped by the scan but searched by git
    # grep: leave those out, so that both do the same work.
    def ignore(directory: str, names: list[str]) -> list[str]:
        def too_big(name: str) -> bool:
            path = os.path.join(directory, name)
            return os.path.isfile(path) and os.path.getsize(path) > MAX_FILE_BYTES

        return [name for name in names if name == "__pycache__" or too_big(name)]

    shutil.copytree(source, target, ignore=ignore)


def build_repo(tree: str, days: int) -> Path:
    repo = WORK / f"backfill-repo-{tree}-{days}"
    if repo.exists():
        return repo
    partial = repo.with_name(repo.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _copy_package(DJANGO, partial / "django")
    if tree == "vendored":
        for name in VENDORED:
            _copy_package(DJANGO.parent / name, partial / "vendor" / name)
    _git(partial, "init", "-q", "-b", "main")
    _git(partial, "config", "gc.auto", "0")  # one explicit gc at the end, not in the background
    python_files = sorted(str(path.relative_to(partial)) for path in partial.rglob("*.py"))
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    rng = random.Random(7)
    for day in range(days):
        if day:
            for name in rng.sample(python_files, FILES_PER_COMMIT):
                with open(partial / name, "a") as handle:
                    handle.write(rng.choice(EDITS).format(day=day))
        stamp = (start + dt.timedelta(days=day)).isoformat()
        env = {
            **os.environ,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        _git(partial, "add", "-A", env=env)
        _git(partial, "commit", "-q", "-m", f"day {day}", env=env)
    # Packed, as a cloned repository is (loose objects make every size lookup slow).
    _git(partial, "gc", "-q")
    partial.rename(repo)
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", choices=["vendored", "django"], default="vendored")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--commits", type=int, default=1500)
    parser.add_argument(
        "--history-only", action="store_true", help="only the whole-history measurement"
    )
    args = parser.parse_args()
    if not args.history_only:
        revisions_bench(args)
    from bench_history import history_bench

    history_bench(files=args.files, commits=args.commits)


def revisions_bench(args: argparse.Namespace) -> None:
    repo = build_repo(args.tree, args.days)
    revisions = _git(repo, "rev-list", "--reverse", "HEAD").split()
    files = _git(repo, "ls-tree", "-r", "-l", "HEAD").splitlines()
    size = sum(int(line.split()[3]) for line in files)
    print(f"repo: {repo} ({len(revisions)} revisions, {len(files)} files, {size / 1e6:.1f} MB)")
    specs = checklist()

    # Both sides read the same packs: have them in the page cache before timing either.
    for pack in (repo / ".git" / "objects" / "pack").iterdir():
        pack.read_bytes()

    cache = BlobCache()
    statuses: Counter[str] = Counter()
    started = time.perf_counter()
    for revision in revisions:
        with GitRevision(repo, revision) as tree:
            outcomes = run_file_checks(specs, tree, cache=cache)
        statuses.update(str(outcome.status) for outcome in outcomes.values())
    ours = time.perf_counter() - started
    print(
        f"checks: {len(specs)} x {len(revisions)} revisions ({dict(statuses)}); "
        f"blobs read {cache.reads}, answered from the cache {cache.reuses}"
    )

    patterns = [
        ("(?i)" if extra.get("ignore_case") else "") + pattern for _, _, pattern, extra in GREPS
    ] + [LANGUAGE]
    grep = " ".join(f"-e {shlex.quote(pattern)}" for pattern in patterns)
    loop = f"for rev in {' '.join(revisions)}; do git grep -P -n {grep} $rev; done | wc -c"
    started = time.perf_counter()
    output = subprocess.run(
        ["bash", "-c", loop], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    theirs = time.perf_counter() - started
    print(f"git grep output: {int(output) / 1e6:.1f} MB")
    print(
        f"run_file_checks + GitRevision + BlobCache: {ours:.2f} s "
        f"({ours / len(revisions) * 1000:.0f} ms per revision)"
    )
    print(
        f"git grep -P loop:                         {theirs:.2f} s "
        f"({theirs / len(revisions) * 1000:.0f} ms per revision)"
    )
    print(f"speed-up: {theirs / ours:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()

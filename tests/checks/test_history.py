"""The incremental walk of a history equals a scan of every commit from scratch."""

from __future__ import annotations

import dataclasses
import random
import subprocess
from pathlib import Path

import pytest

from checks.blobcache import BlobCache
from checks.gitrevision import GitRevision
from checks.history import HistoryScan
from checks.scan import run_file_checks
from checks.spec import CheckSpec
from tests.checks.repos import git

LIMIT = 300  # bytes: files cross the scan's size limit as they grow


def grep(key: str, pattern: str, paths: list[str], **options) -> CheckSpec:
    return CheckSpec(key, key, "grep", "c", options={"paths": paths, "pattern": pattern, **options})


SPECS = [
    grep("todo", r"TODO", ["**/*.py"]),
    grep("no-debug", r"DEBUG = True", ["**"], expect="absent"),
    grep("imports", r"^import \w+", ["app/*.py"], each_file=True),
    grep("few-defs", r"def \w+", ["app/**", "lib/*.py"], min_count=1, max_count=6),
    grep("secret", r"(?i)secret\s*=", ["**/*.py", "cfg/*"], expect="absent"),
    grep("block", r"BEGIN\s+END", ["**/*.txt"], multiline=True),
    grep("none-match", r"NEVER-THERE", ["nowhere/*"]),
    grep("debug-off", r"DEBUG = False", ["**/*.py"], forbid=r"DEBUG = True"),
    grep("todo-not-tests", r"TODO", ["**/*.py"], exclude=["tests/**", "**/test_*.py"]),
    grep("each-dir", r"def \w+", ["**/*.py"], each_directory=True, where=r"^import \w+"),
    CheckSpec(
        "region",
        "region",
        "consistency",
        "c",
        options={
            "sources": [
                {"paths": ["cfg/*.yml"], "pattern": r"region: (\S+)"},
                {"paths": ["app/*.py"], "pattern": r"REGION = \"(\S+)\""},
            ]
        },
    ),
    CheckSpec("readme", "readme", "file", "c", options={"paths": ["README.md"]}),
    CheckSpec(
        "no-backup", "no-backup", "file", "c", options={"paths": ["**/*.bak"], "expect": "absent"}
    ),
    CheckSpec(
        "tests",
        "tests",
        "file",
        "c",
        options={"paths": ["tests/**/test_*.py", "app/tests.py"], "match": "any"},
    ),
    grep("broken", r"(unclosed", ["**"]),
]

NAMES = [
    "app/main.py",
    "app/models.py",
    "app/tests.py",
    "app/util.py",
    "lib/core.py",
    "lib/extra.py",
    "cfg/prod.yml",
    "cfg/dev.yml",
    "cfg/old.bak",
    "docs/notes.txt",
    "docs/block.txt",
    "README.md",
    "tests/unit/test_a.py",
    "assets/logo.bin",
]
LINES = [
    "import os",
    "import sys",
    "# TODO: later",
    "DEBUG = True",
    "DEBUG = False",
    "def handler():",
    "def other():",
    'REGION = "eu-west1"',
    'REGION = "us-east1"',
    "region: eu-west1",
    "region: us-east1",
    "SECRET = 'x'",
    "BEGIN",
    "END",
    "pass",
]


def _content(rng: random.Random, path: str) -> bytes:
    if path.endswith(".bin") or rng.random() < 0.05:
        return b"\x00\x01binary TODO DEBUG = True\n" * rng.randint(1, 3)
    # Now and then long enough to cross the size limit.
    count = rng.randint(1, 6) if rng.random() < 0.85 else rng.randint(20, 40)
    return ("\n".join(rng.choice(LINES) for _ in range(count)) + "\n").encode()


def _history(root: Path, seed: int, commits: int) -> list[str]:
    """A repository whose commits add, change, delete, rename and copy files at random."""
    rng = random.Random(seed)
    git(root, "init", "-q", "-b", "main")
    present: dict[str, bytes] = {}
    shas = []
    for number in range(commits):
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.15 and present:  # delete
                name = rng.choice(sorted(present))
                (root / name).unlink()
                del present[name]
            elif roll < 0.3 and present:  # rename, same content
                name = rng.choice(sorted(present))
                target = rng.choice(NAMES)
                if target not in present:
                    (root / target).parent.mkdir(parents=True, exist_ok=True)
                    (root / name).rename(root / target)
                    present[target] = present.pop(name)
            elif roll < 0.4 and present:  # copy: the same blob at another path
                name = rng.choice(sorted(present))
                target = rng.choice(NAMES)
                (root / target).parent.mkdir(parents=True, exist_ok=True)
                (root / target).write_bytes(present[name])
                present[target] = present[name]
            else:
                name = rng.choice(NAMES)
                data = _content(rng, name)
                if name in present and rng.random() < 0.5:
                    data = present[name] + data  # grows: may cross the limit
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
                present[name] = data
        git(root, "add", "-A")
        date = f"2026-02-01T10:{number // 60:02d}:{number % 60:02d}+00:00"
        git(root, "commit", "-q", "--allow-empty", "-m", f"c{number}", date=date)
        shas.append(git(root, "rev-parse", "HEAD"))
    return shas


def _plain(outcomes):
    return {key: dataclasses.replace(o, duration_ms=0) for key, o in outcomes.items()}


def _from_scratch(root: Path, sha: str, subfolder: str = ""):
    try:
        with GitRevision(root, sha, subfolder=subfolder) as tree:
            return _plain(run_file_checks(SPECS, tree, max_file_bytes=LIMIT))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _walked(root: Path, shas: list[str], subfolder: str = "", window: int = 7):
    scan = HistoryScan(root, SPECS, subfolder=subfolder, max_file_bytes=LIMIT, window=window)
    results = []
    for sha, outcomes in scan.walk(shas):
        if isinstance(outcomes, Exception):
            results.append((sha, (type(outcomes).__name__, str(outcomes))))
        else:
            results.append((sha, _plain(outcomes)))
    return results, scan


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_equals_a_scan_from_scratch_at_every_commit(tmp_path, seed):
    shas = _history(tmp_path, seed, 45)

    walked, _scan = _walked(tmp_path, shas)

    assert [sha for sha, _ in walked] == shas
    for sha, outcomes in walked:
        assert outcomes == _from_scratch(tmp_path, sha), sha


def test_it_equals_a_scan_from_scratch_over_every_other_commit(tmp_path):
    shas = _history(tmp_path, 4, 30)[::3]

    walked, _scan = _walked(tmp_path, shas, window=2)

    for sha, outcomes in walked:
        assert outcomes == _from_scratch(tmp_path, sha), sha


def test_it_reads_each_new_blob_once_and_carries_other_checks_over(tmp_path):
    shas = _history(tmp_path, 5, 30)
    cache = BlobCache()
    scan = HistoryScan(tmp_path, SPECS, max_file_bytes=LIMIT, cache=cache)

    list(scan.walk(shas))

    listed = subprocess.run(
        ["git", "-C", str(tmp_path), "log", "--format=", "--raw", "--no-abbrev", "--root"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    blobs = {line.split()[3] for line in listed.splitlines() if line.startswith(":")}
    assert 0 < cache.reads <= len(blobs)


def test_it_follows_a_subfolder_that_comes_and_goes(tmp_path):
    shas = _history(tmp_path, 6, 25)
    (tmp_path / "app").mkdir(exist_ok=True)

    walked, _scan = _walked(tmp_path, shas, subfolder="app")

    for sha, outcomes in walked:
        assert outcomes == _from_scratch(tmp_path, sha, subfolder="app"), sha


def test_it_evaluates_commits_with_a_symlink_as_a_scan_does(tmp_path):
    shas = _history(tmp_path, 7, 8)
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "link.py").symlink_to("app/main.py")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "link")
    shas.append(git(tmp_path, "rev-parse", "HEAD"))
    (tmp_path / "link.py").unlink()
    (tmp_path / "app" / "main.py").write_text("import os\n# TODO: x\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "unlink")
    shas.append(git(tmp_path, "rev-parse", "HEAD"))

    walked, _scan = _walked(tmp_path, shas, window=3)

    for sha, outcomes in walked:
        assert outcomes == _from_scratch(tmp_path, sha), sha

"""Trees and checks shared by the scan's tests: files to write, a repository to commit
them to, a tree that counts its reads, and a working tree with git-ignored files."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

from checks.spec import CheckSpec
from checks.tree import FileEntry


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.com"}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str | bytes]) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")
    return git(repo, "rev-parse", "HEAD")


def check(key: str, kind: str, **options) -> CheckSpec:
    return CheckSpec(key, key, kind, "c", options=options)


CHECKS = [
    check("todo", "grep", paths=["**/*.py"], pattern=r"\bTODO\b", expect="absent"),
    check(
        "secrets", "grep", paths=["app/**", "*.png"], pattern=r"AKIA[0-9A-Z]{16}", expect="absent"
    ),
    check("login", "grep", paths=["app/*.py"], pattern="login_required", each_file=True),
    check("swallow", "grep", paths=["**/*.py"], pattern=r"except:\s*pass", multiline=True),
    check(
        "region",
        "consistency",
        sources=[
            {"paths": ["app/**"], "pattern": r"REGION = '([a-z-]+\d)'"},
            {"paths": ["web/*.js"], "pattern": r"region: '([a-z-]+\d)'"},
        ],
    ),
    check("readme", "file", paths=["README.md"]),
]


FILES = {
    "README.md": "# demo\n",
    "app/views.py": "@login_required\ndef f():\n    try:\n        g()\n    except:\n        pass\n",
    "app/settings.py": "REGION = 'europe-west1'\n# TODO: remove\nlogin_required = True\n",
    "web/api.js": "call({region: 'europe-west1'})\n",
    "lib/util.py": "x = 1  # TODO\n",
    "logo.png": b"\x89PNG\x00\x00AKIA0000000000000000",
}


class CountingTree:
    """Any tree, counting reads per file (and not a WorkingTree, so no rg)."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self.skipped = []
        self.reads: Counter[str] = Counter()

    def files(self):
        yield from self.tree.files()
        self.skipped = self.tree.skipped

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        self.reads[entry.path] += 1
        return self.tree.read(entry, limit)


def statuses(outcomes) -> dict[str, str]:
    return {key: str(outcome.status) for key, outcome in outcomes.items()}


TRACKED = {
    ".gitignore": ".venv/\n*.log\nbuild/\n",
    "app/settings.py": "REGION = 'eu'\n",
    "app/views.py": "import logging\n\ntry:\n    go()\nexcept ValueError:\n    logging.info('x')\n",
    "app/tests/test_views.py": "def test_it():\n    assert True\n",
    "web/api.js": "call({region: 'eu'})\n",
    "keep.log": "TODO: tracked although *.log is ignored\n",
}


IGNORED = {
    ".venv/lib/site-packages/pkg/mod.py": "print('x')\ntry:\n    f()\nexcept:\n    pass\n",
    ".venv/lib/site-packages/pkg/tests/test_mod.py": "REGION = 'us'\n",
    "build/bundle.js": "call({region: 'us'})\n",
    "debug.log": "TODO: ignored\n",
    "app/trace.log": "TODO: ignored\n",
}


def ignoring_repo(tmp_path: Path) -> Path:
    """A clean working tree (nothing untracked but what .gitignore ignores) with a tracked
    file that .gitignore matches."""
    repo = tmp_path / "repo"
    git(repo.parent, "init", "-q", repo.name)
    write(repo, TRACKED)
    git(repo, "add", "-f", *TRACKED)
    git(repo, "commit", "-q", "-m", "m")
    write(repo, IGNORED)
    assert git(repo, "status", "--porcelain") == ""
    return repo

"""The file checks of a 20-pattern checklist through run_file_checks on a working tree,
beside ripgrep searching the same patterns in one call over the same tree.

Builds (once) a tree of about 70 MB in bench/.work/scan-tree: three copies of the
installed Django package's source (~3,660 files each: Python, templates, JavaScript and
the locale .po/.mo files, which are binary), then times, alternating, a scan of the
checklist below and `rg -uu -n -e P1 ... -e P19 .` with its output read through a pipe
as the scan reads its own. It prints the median of each and their ratio. The target is
at most 2x.

The checklist is what a Django service might hold (secrets over the whole tree, settings,
error handling, logging, SQL), including one multiline check and one consistency check.
ripgrep cannot take the multiline pattern in the same call (a `\\n` needs -U for every
pattern), so the reference leaves it out: the scan does that check's work on top.

    .venv/bin/python bench/bench_scan.py [--copies 3] [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.ripgrep import ripgrep_binary  # noqa: E402
from checks.scan import run_file_checks  # noqa: E402
from checks.spec import CheckSpec  # noqa: E402
from checks.worktree import WorkingTree  # noqa: E402

WORK = ROOT / "bench" / ".work"
DJANGO = next((ROOT / ".venv" / "lib").glob("python3*/site-packages/django"))

PY = ["**/*.py"]
GREPS: list[tuple[str, list[str], str, dict]] = [
    (
        "private-keys",
        ["**"],
        r"-----BEGIN (RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----",
        {"expect": "absent"},
    ),
    ("aws-keys", ["**"], r"AKIA[0-9A-Z]{16}", {"expect": "absent"}),
    (
        "debug-true",
        ["**/settings*.py", "**/conf/*.py"],
        r"^\s*DEBUG\s*=\s*True\b",
        {"expect": "absent"},
    ),
    ("csrf-exempt", PY, r"@csrf_exempt\b", {"max_count": 10}),
    (
        "hardcoded-passwords",
        PY,
        r"password\s*=\s*[\"'][^\"']{4,}[\"']",
        {"expect": "absent", "ignore_case": True},
    ),
    ("no-eval", PY, r"\beval\(", {"expect": "absent"}),
    ("no-shell-true", PY, r"shell\s*=\s*True", {"expect": "absent"}),
    ("safe-yaml", PY, r"yaml\.load\(", {"expect": "absent"}),
    ("mark-safe", PY, r"\bmark_safe\(", {"max_count": 200}),
    ("bare-except", PY, r"except\s*:", {"expect": "absent"}),
    ("raise-from", PY, r"raise \w+\(.*\) from \w+", {"min_count": 10}),
    ("logger-per-module", PY, r"logger\s*=\s*logging\.getLogger\(", {"min_count": 5}),
    ("no-print", PY, r"^\s*print\(", {"max_count": 50}),
    ("todo-budget", ["**/*.py", "**/*.js"], r"\b(TODO|FIXME|XXX)\b", {"max_count": 200}),
    ("no-select-star", PY, r"select \* from", {"max_count": 5, "ignore_case": True}),
    ("queryset-iterator", PY, r"\.iterator\(", {}),
    ("timeouts", PY, r"\btimeout\s*=", {}),
    ("console-log", ["**/*.js"], r"console\.log\(", {"max_count": 20}),
]
MULTILINE = ("swallowed-exceptions", PY, r"except Exception:\s*\n\s*pass\b")
LANGUAGE = r"""^LANGUAGE_CODE = ["']([^"']+)["']"""


def checklist() -> list[CheckSpec]:
    specs = [
        CheckSpec(key, key, "grep", "bench", options={"paths": paths, "pattern": pattern, **extra})
        for key, paths, pattern, extra in GREPS
    ]
    key, paths, pattern = MULTILINE
    options = {"paths": paths, "pattern": pattern, "multiline": True, "expect": "absent"}
    specs.append(CheckSpec(key, key, "grep", "bench", options=options))
    # New projects start with the language of the global defaults.
    sources = [
        {"paths": ["**/conf/global_settings.py"], "pattern": LANGUAGE},
        {"paths": ["**/conf/project_template/**/settings.py-tpl"], "pattern": LANGUAGE},
    ]
    specs.append(
        CheckSpec("same-language", "l", "consistency", "bench", options={"sources": sources})
    )
    specs.append(
        CheckSpec(
            "global-settings",
            "g",
            "file",
            "bench",
            options={"paths": ["**/conf/global_settings.py"]},
        )
    )
    return specs


class PlainTree:
    """The same files as a tree that is not a WorkingTree: the scan then uses its Python
    + RE2 engine instead of rg."""

    def __init__(self, tree: WorkingTree) -> None:
        self.tree = tree
        self.skipped = tree.skipped

    def files(self):
        yield from self.tree.files()
        self.skipped = self.tree.skipped

    def read(self, entry, limit=None):
        return self.tree.read(entry, limit)


def reference_patterns() -> list[str]:
    return [pattern for _, _, pattern, _ in GREPS] + [LANGUAGE]


def build_tree(copies: int) -> Path:
    tree = WORK / f"scan-tree-{copies}"
    if not tree.exists():
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for index in range(1, copies + 1):
            shutil.copytree(
                DJANGO, partial / f"copy{index}", ignore=shutil.ignore_patterns("__pycache__")
            )
        partial.rename(tree)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rg = ripgrep_binary()
    if rg is None:
        sys.exit("rg not found: pip install ripgrep (it is in requirements.txt)")
    root = build_tree(args.copies)
    files = [path for path in root.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    print(f"tree: {root} ({len(files)} files, {size / 1e6:.1f} MB)")
    specs = checklist()
    argv = [rg, "--no-config", "-uu", "-n"]
    for pattern in reference_patterns():
        argv += ["-e", pattern]
    argv.append(".")

    def reference() -> int:
        return len(subprocess.run(argv, cwd=root, capture_output=True, check=True).stdout)

    tree = WorkingTree(root)
    outcomes = run_file_checks(specs, tree)  # warm the page cache and the pattern caches
    reference()
    scans, refs = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        outcomes = run_file_checks(specs, tree)
        scans.append(time.perf_counter() - started)
        started = time.perf_counter()
        output = reference()
        refs.append(time.perf_counter() - started)
    started = time.perf_counter()
    run_file_checks(specs, PlainTree(tree))
    python_only = time.perf_counter() - started
    scan, ref = statistics.median(scans), statistics.median(refs)
    statuses = Counter(str(outcome.status) for outcome in outcomes.values())
    print(f"checks: {len(specs)} ({dict(statuses)}); rg output: {output / 1e6:.1f} MB")
    print(f"run_file_checks (WorkingTree): median {scan * 1000:.0f} ms of {args.runs}")
    print(f"rg, one call, same patterns:   median {ref * 1000:.0f} ms of {args.runs}")
    print(f"ratio: {scan / ref:.2f}x (target <= 2x)")
    print(
        f"for context, the Python + RE2 engine alone (no rg), one run: {python_only * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

"""The whole-history part of bench_backfill.py: a generated repository, the time of reading
each of its distinct blobs once with `git cat-file --batch`, and the time and peak memory
of `backfill --every commit` over all its commits (see bench_backfill.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"

# Lines of generated Python files; a few are what the checklist's patterns look for.
COMMON = [
    "import os",
    "from typing import Any",
    "",
    "class Handler:",
    "    def __init__(self, value: int) -> None:",
    "        self.value = value",
    "    def compute(self, items: list[int]) -> int:",
    "        return sum(item * self.value for item in items)",
    "        result = {key: value for key, value in mapping.items() if value}",
    "        if not result:",
    "            return None",
    "    # A comment explaining why the next lines exist, as code has now and then.",
    "        response = session.get(url, headers=headers)",
    "        raise ValueError(f'bad value {value!r}') from exc",
    "        for index, entry in enumerate(entries):",
    "            total += entry.size",
    "        return total",
    "",
]
RARE = [
    "logger = logging.getLogger(__name__)",
    "        # TODO: handle the empty case",
    "        response = session.get(url, timeout=30)",
    "        print(result)",
    "    except Exception:\n        pass",
    "        rows = Model.objects.filter(active=True).iterator()",
    "@csrf_exempt",
    "        subprocess.run(command, shell=True)",
    "        data = yaml.load(stream)",
    "        password = 'hunter2-secret'",
]


def _lines(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(RARE) if rng.random() < 0.02 else rng.choice(COMMON) for _ in range(count)]


def _size(rng: random.Random) -> int:
    """Lines in a file: most files are small, a few are long (median about 110)."""
    return max(3, min(4000, int(rng.lognormvariate(4.7, 0.9))))


def _path(rng: random.Random, number: int) -> str:
    extension = rng.choices([".py", ".js", ".md", ".yml"], weights=[80, 10, 6, 4])[0]
    return f"pkg{rng.randrange(30)}/sub{rng.randrange(12)}/module_{number}{extension}"


def _stamp(number: int) -> str:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=37 * number)
    return f"{int(moment.timestamp())} +0000"


def build_history(files: int, commits: int) -> Path:
    """A packed repository: `files` files in the first commit, then `commits` - 1 commits
    changing 1 to 20 files each (edits mostly, new files, deletions, renames)."""
    repo = WORK / f"history-{files}-{commits}"
    if repo.exists():
        return repo
    partial = repo.with_name(repo.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(partial)], check=True)
    rng = random.Random(14)
    tree: dict[str, list[str]] = {}
    fixed = {
        "conf/global_settings.py": ['LANGUAGE_CODE = "en-us"', "DEBUG = False"],
        "conf/project_template/project_name/settings.py-tpl": ['LANGUAGE_CODE = "en-us"'],
    }
    importer = subprocess.Popen(
        ["git", "-C", str(partial), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert importer.stdin is not None
    out = importer.stdin

    def put(path: str) -> None:
        data = ("\n".join(tree[path]) + "\n").encode()
        out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    serial = 0
    for number in range(commits):
        message = f"change {number}".encode()
        out.write(
            b"commit refs/heads/main\n"
            + f"author Bench <bench@example.com> {_stamp(number)}\n".encode()
            + f"committer Bench <bench@example.com> {_stamp(number)}\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
        )
        if number == 0:
            tree.update(fixed)
            for _ in range(files - len(fixed)):
                serial += 1
                tree[_path(rng, serial)] = _lines(rng, _size(rng))
            for path in tree:
                put(path)
            continue
        movable = sorted(set(tree) - set(fixed))
        for path in rng.sample(movable, rng.randint(1, 20)):
            roll = rng.random()
            if roll < 0.06:
                del tree[path]
                out.write(f"D {path}\n".encode())
            elif roll < 0.12:
                serial += 1
                target = _path(rng, serial)
                tree[target] = tree.pop(path)
                out.write(f"R {path} {target}\n".encode())
            elif roll < 0.2:
                serial += 1
                target = _path(rng, serial)
                tree[target] = _lines(rng, _size(rng))
                put(target)
            else:
                lines = tree[path]
                at = rng.randrange(len(lines) + 1)
                lines[at : at + rng.randint(0, 3)] = _lines(rng, rng.randint(1, 6))
                put(path)
        out.write(b"\n")
    out.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    # Packed, as a cloned repository is.
    subprocess.run(["git", "-C", str(partial), "gc", "-q"], check=True)
    partial.rename(repo)
    return repo


def distinct_blobs(repo: Path) -> list[str]:
    objects = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--objects", "--no-object-names", "HEAD"],
        capture_output=True,
        check=True,
    ).stdout
    typed = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-check=%(objecttype) %(objectname)"],
        input=objects,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [line.split()[1] for line in typed.splitlines() if line.startswith("blob ")]


def read_blobs(repo: Path, blobs: list[str]) -> tuple[float, int]:
    """Seconds to read `blobs` through `git cat-file --batch`, and the bytes read."""
    payload = "".join(f"{blob}\n" for blob in blobs).encode()
    started = time.perf_counter()
    process = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    import threading

    writer = threading.Thread(target=lambda: (process.stdin.write(payload), process.stdin.close()))
    writer.start()
    total = 0
    while chunk := process.stdout.read(1 << 20):
        total += len(chunk)
    writer.join()
    process.wait()
    return time.perf_counter() - started, total


def blob_contents(repo: Path, blobs: list[str]) -> list[bytes]:
    """The content of each of `blobs`, read through `git cat-file --batch` (not timed)."""
    payload = "".join(f"{blob}\n" for blob in blobs).encode()
    output = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"], input=payload, capture_output=True
    ).stdout
    contents, at = [], 0
    for _ in blobs:
        header_end = output.index(b"\n", at)
        size = int(output[at:header_end].split()[2])
        contents.append(output[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return contents


def one_pass_seconds(contents: list[bytes]) -> float:
    """Seconds of one search per blob of the checklist's patterns combined into one RE2
    program: the least matching can cost (it only says whether any pattern is there)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_scan import reference_patterns

    from checks.patterns import compile_pattern

    combined = compile_pattern("(?m)" + "|".join(f"(?:{p})" for p in reference_patterns()))
    search = combined.search
    started = time.perf_counter()
    for data in contents:
        search(data)
    return time.perf_counter() - started


def store_seconds(database: Path, batches: int) -> float:
    """Seconds to insert the rows the backfill stored (its assessments, category scores
    and check results, values already built) into an empty copy of their tables, indexes
    included, with sqlite3's executemany in `batches` transactions: the least the writes
    can cost in SQLite."""
    import sqlite3

    tables = ["readiness_assessment", "readiness_categoryscore", "readiness_checkresult"]
    source = sqlite3.connect(database)
    rows = {}
    for table in tables:
        cursor = source.execute(f"SELECT * FROM {table}")
        rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    names = ",".join(f"'{table}'" for table in tables)
    schema = [
        sql
        for (sql,) in source.execute(
            f"SELECT sql FROM sqlite_master WHERE tbl_name IN ({names}) AND sql IS NOT NULL "
            "ORDER BY type DESC"  # tables before indexes
        )
    ]
    source.close()
    copy = database.with_name("store-floor.sqlite3")
    copy.unlink(missing_ok=True)
    target = sqlite3.connect(copy, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")  # as the product's SQLite settings
    for sql in schema:
        target.execute(sql)
    started = time.perf_counter()
    for batch in range(batches):
        target.execute("BEGIN")
        for table, (columns, values) in rows.items():
            part = values[batch * len(values) // batches : (batch + 1) * len(values) // batches]
            marks = ",".join("?" * len(columns))
            target.executemany(
                f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})",
                part,
            )
        target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    copy.unlink(missing_ok=True)
    return seconds


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(repo: str, data_dir: str) -> None:
    """In a fresh process: a throwaway database, the project, then backfill_run timed."""
    os.environ["READINESS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import yaml
    from bench_scan import checklist
    from django.core.management import call_command

    from readiness.services.backfill import backfill_run
    from readiness.services.projects import project_upsert

    call_command("migrate", verbosity=0)
    checks = [{"key": s.key, "type": s.type, **s.options} for s in checklist()]
    document = {
        "version": 1,
        "name": "Bench",
        "categories": [{"key": "bench", "weight": 1, "checks": checks}],
    }
    path = Path(data_dir) / "readiness.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    project, _version, _created = project_upsert(slug="bench", source=repo, checklist_path=path)
    samples: list[tuple[int, float]] = []
    marks: set[int] = set()
    count = 0

    def progress(done: int, total: int, assessment: object) -> None:
        nonlocal count
        count += 1
        if not marks:
            marks.update({max(1, total // 4), max(1, total // 2), total})
        if done in marks:
            samples.append((done, _rss_mb()))

    started = time.perf_counter()
    backfill_run(
        project=project, since=dt.date(2000, 1, 1), every="commit", progress=progress, collect=False
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from django.db import connection

    from readiness.services.backfill import BATCH_POINTS

    connection.close()
    store = store_seconds(Path(data_dir) / "readiness.sqlite3", -(-count // BATCH_POINTS))
    result = {"seconds": seconds, "points": count, "peak_mb": peak, "rss": samples}
    print(json.dumps({**result, "store_seconds": store}))


def history_bench(*, files: int, commits: int) -> None:
    repo = build_history(files, commits)
    blobs = distinct_blobs(repo)
    for pack in (repo / ".git" / "objects" / "pack").iterdir():
        pack.read_bytes()  # both sides read the packs from the page cache
    runs = [read_blobs(repo, blobs) for _ in range(3)]
    reference = statistics.median(seconds for seconds, _ in runs)
    size = runs[0][1]
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "HEAD"], capture_output=True, check=True
    ).stdout.count(b"\n")
    print(
        f"history: {repo} ({commits} commits, {listed} files at the tip, "
        f"{len(blobs)} distinct blobs, {size / 1e6:.1f} MB)"
    )
    data_dir = WORK / f"history-db-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    try:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", str(repo), str(data_dir)],
            capture_output=True,
            text=True,
            check=False,
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if completed.returncode != 0:
        raise SystemExit(f"backfill failed:\n{completed.stderr[-3000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    ours = measured["seconds"]
    print(f"git cat-file --batch over every distinct blob: {reference:.2f} s (median of 3)")
    print(
        f"backfill --every commit ({measured['points']} points): {ours:.2f} s "
        f"({ours / max(1, measured['points']) * 1000:.2f} ms per point)"
    )
    print(f"ratio: {ours / reference:.2f}x the cat-file time (target <= 3x)")
    one_pass = one_pass_seconds(blob_contents(repo, blobs))
    store = measured["store_seconds"]
    print(
        "what the backfill cannot go below, each measured alone in this run:\n"
        f"  reading every distinct blob (the reference): {reference:.2f} s (1x)\n"
        f"  one search per blob of all the patterns combined in one RE2 program: "
        f"{one_pass:.2f} s ({one_pass / reference:.2f}x)\n"
        f"  storing the same rows with sqlite3's executemany alone: {store:.2f} s "
        f"({store / reference:.2f}x)\n"
        f"  together: {(reference + one_pass + store) / reference:.2f}x the reference, "
        f"before any check is evaluated; the backfill: {ours / reference:.2f}x"
    )
    rss = ", ".join(f"{mb:.0f} MB after {done}" for done, mb in measured["rss"])
    print(f"memory: peak {max(measured['peak_mb'], children):.0f} MB (target < 400 MB); RSS {rss}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])

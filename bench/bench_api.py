"""The read API at scale: the list of projects for a team of 10 and of 500 projects, and a
page of a project's assessments at the start and at the end of ten years of history.

Builds a throwaway SQLite database (in a temporary READINESS_DATA_DIR): two teams, one
with `--small` projects and one with `--big`, each project with `--history` daily
assessments; and a project with `--days` of them. Then it calls the API with a read token
through Django's test client, counts the SQL statements and times the requests (small and
big alternating), and prints:
- the list of projects: statements at both sizes (the same) and the time per project
  (target: the big team's at most 1.5x the small team's);
- a page of 100 assessments, the first and the last full one of the history (keyset cursor: the
  target is at most 1.3x).

    .venv/bin/python bench/bench_api.py [--small 10] [--big 500] [--history 20] [--days 3650]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_team(slug: str, projects: int, history: int) -> str:
    """A team of `projects` projects with `history` daily assessments each; its token."""
    from django.utils import timezone

    from readiness.models import (
        Assessment,
        AssessmentStatus,
        ChecklistVersion,
        Project,
        Team,
        Trigger,
        Verdict,
    )
    from readiness.services.api_tokens import api_token_create

    team = Team.objects.create(name=f"Team {slug}", slug=slug)
    end = timezone.now() - dt.timedelta(hours=1)
    rows = []
    for n in range(projects):
        project = Project.objects.create(
            team=team, slug=f"{slug}-{n:04d}", name=f"Project {n}", source="/tmp"
        )
        version = ChecklistVersion.objects.create(
            project=project, number=1, name="Bench", source_text="version: 1\n", digest="0" * 64
        )
        rows += [
            Assessment(
                project=project,
                checklist=version,
                trigger=Trigger.SCHEDULE,
                status=AssessmentStatus.DONE,
                evaluated_at=end - dt.timedelta(days=day),
                score=5 + (day % 50) / 10,
                coverage=0.9,
                verdict=Verdict.NOT_READY,
            )
            for day in range(history)
        ]
        if len(rows) > 20_000:
            Assessment.objects.bulk_create(rows)
            rows = []
    Assessment.objects.bulk_create(rows)
    _token, secret = api_token_create(team=team, scope="read", name="bench", by=None)
    return secret


def timed(client, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    return len(queries), elapsed


def alternate(small, big, runs: int) -> tuple[int, int, float, float]:
    """Statements and median times of two (client, url) requests, alternating."""
    small_times, big_times = [], []
    for _ in range(runs):
        q_small, t = timed(*small)
        small_times.append(t)
        q_big, t = timed(*big)
        big_times.append(t)
    return q_small, q_big, statistics.median(small_times), statistics.median(big_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--big", type=int, default=500)
    parser.add_argument("--history", type=int, default=20)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="readiness-bench-") as data_dir:
        os.environ["READINESS_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        small = build_team("small", args.small, args.history)
        big = build_team("big", args.big, args.history)
        long = build_team("long", 1, args.days)
        print(f"built in {time.perf_counter() - started:.1f} s")

        def client(secret: str) -> Client:
            return Client(headers={"Authorization": f"Bearer {secret}"})

        url = "/api/v1/projects/"
        q_small, q_big, t_small, t_big = alternate(
            (client(small), url), (client(big), url), args.runs
        )
        per_small, per_big = t_small / args.small, t_big / args.big
        print(
            f"projects list: {q_small} → {q_big} statements, {t_small * 1000:.1f} ms for "
            f"{args.small}, {t_big * 1000:.1f} ms for {args.big}; per project "
            f"{per_big / per_small:.2f}x (target ≤ 1.50x)"
        )

        reader = client(long)
        pages = "/api/v1/projects/long-0000/assessments/?limit=100"
        urls, url = [], pages
        while url:  # walk the history, as a client would
            urls.append(url)
            url = reader.get(url).json()["next"]
        last = urls[-2]  # the last full page
        q_first, q_last, t_first, t_last = alternate((reader, pages), (reader, last), args.runs)
        print(
            f"assessments page of 100: {q_first} → {q_last} statements, first "
            f"{t_first * 1000:.1f} ms, last of {args.days} {t_last * 1000:.1f} ms, "
            f"{t_last / t_first:.2f}x (target ≤ 1.30x)"
        )


if __name__ == "__main__":
    main()

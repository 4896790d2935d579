"""Dashboard pages with ten years of daily history against the same pages with ten days.

Builds a throwaway SQLite database (in a temporary READINESS_DATA_DIR) holding two teams:
one project with 3,650 daily assessments of a 100-check checklist, and one with 10. Each
assessment has its per-category score rows; per-check results exist only for the latest
few, as they would for a backfilled history. Then it renders the overview, project and
history pages with Django's test client, counts their SQL queries and times them, small
and big requests alternating, and prints the median of the big/small ratios. The target
is at most 1.3x.

    .venv/bin/python bench/bench_pages.py [--days 3650] [--runs 31]
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

CATEGORIES = ["security", "error-handling", "monitoring", "scalability", "regions"]
CHECKS_PER_CATEGORY = 20
RESULT_ROWS_FOR_LATEST = 3


def build(days: int, slug: str):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from readiness.models import (
        Assessment,
        AssessmentStatus,
        Category,
        CategoryScore,
        Check,
        ChecklistVersion,
        CheckResult,
        Membership,
        Project,
        Role,
        Team,
        Trigger,
        Verdict,
    )

    team = Team.objects.create(name=f"Team {slug}", slug=f"team-{slug}")
    user = get_user_model().objects.create_user(username=f"user-{slug}", password="x")
    Membership.objects.create(team=team, user=user, role=Role.EDITOR)
    project = Project.objects.create(team=team, slug=slug, name=f"Project {slug}", source="/tmp")
    version = ChecklistVersion.objects.create(
        project=project, number=1, name="Bench", source_text="version: 1\n", digest="0" * 64
    )
    categories = Category.objects.bulk_create(
        Category(checklist=version, key=key, name=key.title(), weight=1 + i % 2, position=i)
        for i, key in enumerate(CATEGORIES)
    )
    checks = Check.objects.bulk_create(
        Check(
            checklist=version,
            category=category,
            key=f"{category.key}-{n}",
            name=f"{category.name} check {n}",
            type="manual" if n == 0 else "grep",
            options={"valid_days": 30} if n == 0 else {"paths": ["**/*.py"], "pattern": "x"},
            position=c * CHECKS_PER_CATEGORY + n,
        )
        for c, category in enumerate(categories)
        for n in range(CHECKS_PER_CATEGORY)
    )
    end = timezone.now() - dt.timedelta(hours=1)
    assessments = []
    batch = []
    for day in range(days):
        at = end - dt.timedelta(days=days - 1 - day)
        score = 6 + (day % 40) / 10
        batch.append(
            Assessment(
                project=project,
                checklist=version,
                trigger=Trigger.BACKFILL if day < days - 5 else Trigger.SCHEDULE,
                status=AssessmentStatus.DONE,
                evaluated_at=at,
                created_at=at,
                started_at=at,
                finished_at=at + dt.timedelta(seconds=12),
                score=score,
                coverage=0.95,
                verdict=Verdict.READY if score >= 8 else Verdict.NOT_READY,
                verdict_reasons=[]
                if score >= 8
                else [{"code": "score_below", "score": score, "ready_at": 8.0}],
                revision=f"{day:040x}",
                checks_total=len(checks),
                checks_done=len(checks),
            )
        )
        if len(batch) == 500:
            assessments += Assessment.objects.bulk_create(batch)
            batch = []
    assessments += Assessment.objects.bulk_create(batch)
    CategoryScore.objects.bulk_create(
        (
            CategoryScore(
                assessment=a,
                key=c.key,
                name=c.name,
                weight=c.weight,
                score=a.score,
                coverage=0.95,
                position=c.position,
            )
            for a in assessments
            for c in categories
        ),
        batch_size=2000,
    )
    statuses = ["pass", "pass", "pass", "warn", "fail"]
    CheckResult.objects.bulk_create(
        CheckResult(
            assessment=a,
            check_item=check,
            status=statuses[i % len(statuses)],
            summary=f"{check.key}: {statuses[i % len(statuses)]}",
            evidence=[{"path": "src/app.py", "line": i + 1, "text": "match"}],
            details={"matches": 1},
            finished_at=a.finished_at,
        )
        for a in assessments[-RESULT_ROWS_FOR_LATEST:]
        for i, check in enumerate(checks)
    )
    return user, project


def count_queries(client, url: str) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm the template cache and SQLite's page cache
        assert client.get(url).status_code == 200
    # Each request empties the query log, so it must start empty for the count to hold.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Read now: the captured list is a view of the log, which the next request empties.
    return len(queries)


def timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    return elapsed


def compare(small: tuple, big: tuple, runs: int) -> tuple[int, int, float, float, float]:
    """Query counts, median times and the median of per-pair ratios. Small and big
    requests alternate, so that load from other processes hits both alike."""
    (small_client, small_url), (big_client, big_url) = small, big
    queries_small = count_queries(small_client, small_url)
    queries_big = count_queries(big_client, big_url)
    pairs = [(timed(small_client, small_url), timed(big_client, big_url)) for _ in range(runs)]
    return (
        queries_small,
        queries_big,
        statistics.median(p[0] for p in pairs),
        statistics.median(p[1] for p in pairs),
        statistics.median(p[1] / p[0] for p in pairs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="readiness-bench-") as data_dir:
        os.environ["READINESS_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        big_user, big = build(args.days, "big")
        small_user, small = build(args.small, "small")
        print(
            f"built {args.days} + {args.small} assessments in {time.perf_counter() - started:.1f} s"
        )

        pages = [
            ("overview", lambda p: reverse("readiness:overview")),
            ("project", lambda p: reverse("readiness:project", args=[p.slug])),
            ("history", lambda p: reverse("readiness:history", args=[p.slug])),
        ]
        print(f"{'page':<12} {'queries':>15} {'small ms':>9} {'big ms':>9} {'ratio':>6}")
        worst = 0.0
        for name, make_url in pages:
            sides = []
            for user, project in ((small_user, small), (big_user, big)):
                client = Client()
                client.force_login(user)
                sides.append((client, make_url(project)))
            q_small, q_big, t_small, t_big, ratio = compare(*sides, runs=args.runs)
            worst = max(worst, ratio)
            print(
                f"{name:<12} {q_small:>6} → {q_big:<6} {t_small * 1000:>9.1f} "
                f"{t_big * 1000:>9.1f} {ratio:>5.2f}x"
            )
        print(f"worst ratio {worst:.2f}x (target ≤ 1.30x)")


if __name__ == "__main__":
    main()

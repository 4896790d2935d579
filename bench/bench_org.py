"""An organisation of 100 projects with ten years of daily history against the same
organisation with ten days: the pages a team opens every day, and the API's lists.

Builds a throwaway database (a temporary READINESS_DATA_DIR with SQLite, or the
PostgreSQL of DATABASE_URL, whose database it creates and drops) holding two teams of
`--projects` projects each: one with `--days` daily assessments per project, one with
`--small`. Every assessment has its per-category rows and one result per check (25 by
default), all written with bulk inserts. Then it renders the overview, standup, project,
history and metrics pages (`/metrics` scraped from an allowed address, every project, and
with each team's `metrics` token, its projects) and the API's project and assessment lists
with Django's test client, counts their SQL queries and times them, small and big
requests alternating, and prints the median of the big/small ratios. Target: the same
number of queries, and at most 1.5x the time. It also prints the bytes stored per
assessment and per check result.

Before measuring it folds the history into the running totals of `/metrics` (beat's
metrics rollup, readiness/services/metrics_rollup.py) and prints how long that took.

With `--retention DAYS` it then applies retention (readiness/services/retention.py) to
everything older than DAYS and prints the sizes again: the tables' total bytes per
assessment before and after, and the time retention took. `--skip-pages` measures only
the sizes.

    .venv/bin/python bench/bench_org.py [--projects 100] [--days 3650] [--checks 25]
        [--retention DAYS] [--skip-pages]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CATEGORIES = ["security", "error-handling", "monitoring", "scalability", "operations"]
STATUSES = ["pass", "pass", "pass", "pass", "warn", "fail", "pass", "error"]


def build(*, team_slug: str, projects: int, days: int, checks_per_project: int):
    """A team of `projects` projects with `days` daily assessments each; its editor."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from readiness import models as m

    team = m.Team.objects.create(name=f"Team {team_slug}", slug=team_slug)
    user = get_user_model().objects.create_user(username=f"user-{team_slug}", password="x")
    m.Membership.objects.create(team=team, user=user, role=m.Role.EDITOR)
    end = timezone.now() - dt.timedelta(hours=1)
    slugs = []
    for p in range(projects):
        slug = f"{team_slug}-{p:03d}"
        slugs.append(slug)
        project = m.Project.objects.create(team=team, slug=slug, name=f"Service {p}", source="/tmp")
        version = m.ChecklistVersion.objects.create(
            project=project, number=1, name="Bench", source_text="version: 1\n", digest="0" * 64
        )
        categories = m.Category.objects.bulk_create(
            m.Category(checklist=version, key=key, name=key.title(), weight=1, position=i)
            for i, key in enumerate(CATEGORIES)
        )
        checks = m.Check.objects.bulk_create(
            m.Check(
                checklist=version,
                category=categories[n % len(categories)],
                key=f"check-{n}",
                name=f"Check {n}",
                type="grep",
                options={"paths": ["**/*.py"], "pattern": "x"},
                position=n,
            )
            for n in range(checks_per_project)
        )
        assessments = m.Assessment.objects.bulk_create(
            (
                m.Assessment(
                    project=project,
                    checklist=version,
                    trigger=m.Trigger.SCHEDULE,
                    status=m.AssessmentStatus.DONE,
                    evaluated_at=end - dt.timedelta(days=days - 1 - day, minutes=p),
                    created_at=end - dt.timedelta(days=days - 1 - day, minutes=p),
                    started_at=end - dt.timedelta(days=days - 1 - day, minutes=p),
                    finished_at=end - dt.timedelta(days=days - 1 - day, minutes=p - 1),
                    score=6 + ((day + p) % 40) / 10,
                    coverage=0.95,
                    verdict=m.Verdict.READY if (day + p) % 40 >= 20 else m.Verdict.NOT_READY,
                    revision=f"{day:040x}",
                    checks_total=len(checks),
                    checks_done=len(checks),
                )
                for day in range(days)
            ),
            batch_size=1000,
        )
        m.CategoryScore.objects.bulk_create(
            (
                m.CategoryScore(
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
            batch_size=5000,
        )
        insert_results(project.pk)
    return user, slugs


def insert_results(project_id: int) -> None:
    """One result per check for every assessment of the project, in one INSERT … SELECT
    (the ORM's bulk_create would take most of an hour for nine million rows). One day in
    thirty has a mix of statuses; the others pass."""
    from django.db import connection

    from readiness.models import Assessment, Check, CheckResult

    json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    sql = f"""
        INSERT INTO {CheckResult._meta.db_table}
            (assessment_id, check_item_id, status, summary, evidence, details, duration_ms,
             attempts, finished_at)
        SELECT a.id, c.id,
            CASE WHEN a.id %% 30 = 0 THEN
                CASE (a.id + c.position) %% 4 WHEN 0 THEN 'fail' WHEN 1 THEN 'warn'
                    ELSE 'pass' END
            ELSE 'pass' END,
            'ok', {json}, {json}, 12.5, 1, a.finished_at
        FROM {Assessment._meta.db_table} a
        JOIN {Check._meta.db_table} c ON c.checklist_id = a.checklist_id
        WHERE a.project_id = %s
    """
    evidence = '[{"path": "src/app.py", "line": 12, "text": "match"}]'
    with connection.cursor() as cursor:
        cursor.execute(sql, [evidence, '{"matches": 1}', project_id])


def storage_bytes() -> tuple[float, float]:
    """Bytes per assessment (with its category rows) and per check result, from the
    database's own size of each table (SQLite's dbstat or PostgreSQL's relation size)."""
    from django.db import connection

    from readiness.models import Assessment, CategoryScore, CheckResult

    def size(model) -> int:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            else:
                try:
                    cursor.execute(
                        "SELECT SUM(pgsize) FROM dbstat WHERE name = %s OR name IN "
                        "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                        [table, table],
                    )
                except Exception:
                    return 0
            return int(cursor.fetchone()[0] or 0)

    assessments = Assessment.objects.count()
    results = CheckResult.objects.count()
    return (
        (size(Assessment) + size(CategoryScore)) / max(assessments, 1),
        size(CheckResult) / max(results, 1),
    )


def total_bytes() -> int:
    """The bytes of the assessment, category score and check result tables, indexes
    included (live pages only on SQLite: a deleted row's page goes to the free list)."""
    from django.db import connection

    from readiness.models import Assessment, CategoryScore, CheckResult

    total = 0
    with connection.cursor() as cursor:
        for model in (Assessment, CategoryScore, CheckResult):
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            else:
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name = %s OR name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                    [table, table],
                )
            total += int(cursor.fetchone()[0] or 0)
    return total


def print_sizes(label: str) -> None:
    from readiness.models import Assessment, CheckResult

    assessments = Assessment.objects.count()
    results = CheckResult.objects.count()
    total = total_bytes()
    per_assessment, per_result = storage_bytes()
    print(
        f"{label}: {total / 1e6:.1f} MB for {assessments} assessments and {results} check "
        f"results = {total / max(assessments, 1):.0f} bytes per assessment in all "
        f"({results / max(assessments, 1):.1f} results each; {per_assessment:.0f} bytes per "
        f"assessment row with its category rows, {per_result:.0f} bytes per check result)"
    )


def apply_retention(days: int) -> None:
    from django.db import connection

    from readiness.services.retention import retention_apply

    print_sizes("before retention")
    started = time.perf_counter()
    report = retention_apply(days=days)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Dead rows hold their pages until vacuumed; the sizes below are after it.
            cursor.execute("VACUUM FULL ANALYZE")
    print(
        f"retention {days} days: pruned {report.points_pruned} of {report.points_examined} "
        f"points, deleted {report.rows_deleted} check results "
        f"(~{report.bytes_freed / 1e6:.1f} MB of row data) in {seconds:.1f} s "
        f"({report.points_examined / max(seconds, 1e-9):.0f} points/s)"
    )
    print_sizes("after retention")


def metrics_tokens() -> dict[str, str]:
    """An Authorization header with a `metrics` token of each team, by team slug."""
    from readiness.models import Team, TokenScope
    from readiness.services.api_tokens import api_token_create

    headers = {}
    for team in Team.objects.filter(slug__in=("small", "big")):
        _token, secret = api_token_create(
            team=team, scope=TokenScope.METRICS, name="bench", by=None
        )
        headers[team.slug] = f"Bearer {secret}"
    return headers


def main() -> None:
    from bench_pages import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--checks", type=int, default=25)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--retention", type=int, metavar="DAYS", help="apply retention past DAYS, sizes again"
    )
    parser.add_argument("--skip-pages", action="store_true", help="measure the sizes only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="readiness-bench-") as data_dir:
        os.environ["READINESS_DATA_DIR"] = data_dir
        # The test client's address may scrape /metrics (every project).
        os.environ["READINESS_METRICS_ALLOW"] = "127.0.0.1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_databases, teardown_databases

        settings.ALLOWED_HOSTS = ["*"]
        databases = setup_databases(verbosity=0, interactive=False)
        try:
            started = time.perf_counter()
            small_user, small = build(
                team_slug="small",
                projects=args.projects,
                days=args.small,
                checks_per_project=args.checks,
            )
            big_user, big = build(
                team_slug="big",
                projects=args.projects,
                days=args.days,
                checks_per_project=args.checks,
            )
            print(
                f"built {args.projects} projects × ({args.days} and {args.small}) days × "
                f"{args.checks} checks on {connection.vendor} in "
                f"{time.perf_counter() - started:.0f} s"
            )
            per_assessment, per_result = storage_bytes()
            print(
                f"stored: {per_assessment:.0f} bytes per assessment (with its category rows), "
                f"{per_result:.0f} bytes per check result"
            )
            # What beat's metrics rollup keeps up to date (every 5 minutes): /metrics reads
            # these totals and only the assessments settled since.
            from readiness.services.metrics_rollup import metrics_rollup

            started = time.perf_counter()
            folded = metrics_rollup()
            print(
                f"metrics rollup: {folded} assessments folded in "
                f"{time.perf_counter() - started:.0f} s (once; beat then folds only what settled)"
            )
            if args.retention:
                apply_retention(args.retention)
            if args.skip_pages:
                return
            pages = [
                ("overview", lambda team, slug: "/"),
                ("standup", lambda team, slug: f"/teams/{team}/standup/"),
                ("project", lambda team, slug: f"/projects/{slug}/"),
                ("project all", lambda team, slug: f"/projects/{slug}/chart/?range=all"),
                ("history", lambda team, slug: f"/projects/{slug}/history/"),
                ("metrics", lambda team, slug: "/metrics"),
                ("api projects", lambda team, slug: "/api/v1/projects/"),
                # As many rows on both sides: a page of the small history is all of it.
                (
                    "api history",
                    lambda team, slug: f"/api/v1/projects/{slug}/assessments/?limit={args.small}",
                ),
            ]
            # A team's `metrics` token scrapes that team's projects only: the one /metrics
            # that differs between the two organisations (the address allowed scrapes all).
            pages.append(("metrics team", lambda team, slug: "/metrics"))
            scrape = metrics_tokens()
            print(f"{'page':<14} {'queries':>15} {'small ms':>9} {'big ms':>9} {'ratio':>6}")
            worst = 0.0
            for name, make_url in pages:
                sides = []
                for user, team, slugs in ((small_user, "small", small), (big_user, "big", big)):
                    headers = {"HTTP_AUTHORIZATION": scrape[team]} if name == "metrics team" else {}
                    client = Client(REMOTE_ADDR="127.0.0.1", **headers)
                    client.force_login(user)
                    sides.append((client, make_url(team, slugs[len(slugs) // 2])))
                if sides[0][0].get(sides[0][1]).status_code in (401, 403, 404):
                    print(f"{name:<14} (not served here: {sides[0][1]})")
                    continue
                q_small, q_big, t_small, t_big, ratio = compare(*sides, runs=args.runs)
                # The "All" range of a 10-year project draws 1,000 points where the small one
                # draws 10: it is measured, not held to the ratio.
                if name != "project all":
                    worst = max(worst, ratio)
                same = "" if q_small == q_big else "  ← queries differ"
                print(
                    f"{name:<14} {q_small:>6} → {q_big:<6} {t_small * 1000:>9.1f} "
                    f"{t_big * 1000:>9.1f} {ratio:>5.2f}x{same}"
                )
            print(f"worst ratio {worst:.2f}x (target ≤ 1.50x; the 'project all' chart is apart)")
        finally:
            teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()

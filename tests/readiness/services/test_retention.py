"""Retention (readiness/services/retention.py): old points lose their unchanged per-check
rows, and every score, comparison and status read through readiness.retained stays what
it was."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from readiness.models import Assessment, CategoryScore, CheckResult, Trigger
from readiness.retained import retained_results
from readiness.selectors.assessments import comparison
from readiness.selectors.common import is_failing
from readiness.services import retention
from readiness.services.assessments import assessment_scorecard
from readiness.services.retention import retention_apply
from readiness.verdicts import awaiting
from tests.factories import (
    CategoryFactory,
    CheckFactory,
    ChecklistVersionFactory,
    ProjectFactory,
)

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
DAYS = 7
CHECK_KEYS = ("tls", "logs", "backup", "alerts")

# A status and the details its words depend on (plus some that differ every day).
RESULTS = [
    ("pass", {}),
    ("warn", {}),
    ("fail", {}),
    ("skip", {}),
    ("error", {"message": {"template": "checker failed: %(reason)s", "params": {}}}),
    ("error", {"awaiting": "attestation"}),
    ("error", {"awaiting": "attestation", "expired_on": "2026-01-02"}),
    ("error", {"not_evaluable": True}),
    ("waived", {"waived": {"waiver": 3, "until": "2026-09-01", "reason": "r", "measured": "fail"}}),
]


@dataclass
class Point:
    days_ago: int
    origin: str  # "measured", "backfilled", "claimed"
    version: int  # 0 or 1
    results: dict[str, int | None]  # check key -> index in RESULTS, None: no row


points = st.builds(
    Point,
    days_ago=st.integers(min_value=0, max_value=40),
    origin=st.sampled_from(["measured", "measured", "backfilled", "claimed"]),
    version=st.sampled_from([0, 0, 0, 1]),
    results=st.fixed_dictionaries(
        {
            key: st.one_of(
                st.integers(min_value=0, max_value=len(RESULTS) - 1),
                st.integers(min_value=0, max_value=1),  # mostly stable
                st.just(0),
                st.none(),
            )
            for key in CHECK_KEYS
        }
    ),
)


def build_versions(project, *, weights=((1, 2), (3, 1))):
    """Two checklist versions of the same checks, weighted differently."""
    versions = []
    for number, (w1, w2) in enumerate(weights, start=1):
        version = ChecklistVersionFactory(project=project, number=number)
        ops = CategoryFactory(checklist=version, key="ops", weight=w1, position=0)
        sec = CategoryFactory(checklist=version, key="sec", weight=w2, position=1)
        checks = {
            key: CheckFactory(
                checklist=version,
                category=ops if i % 2 else sec,
                key=key,
                weight=1 + i,
                severity="critical" if key == "tls" else "medium",
                position=i,
            )
            for i, key in enumerate(CHECK_KEYS)
        }
        versions.append((version, checks))
    return versions


def build_history(project, history: list[Point]) -> list[Assessment]:
    """The points, each with its rows and the scores computed from them, stored."""
    versions = build_versions(project)
    created = []
    for n, point in enumerate(history):
        version, checks = versions[point.version]
        at = NOW - dt.timedelta(days=point.days_ago, hours=n % 3)
        assessment = Assessment.objects.create(
            project=project,
            checklist=version,
            trigger=Trigger.BACKFILL if point.origin == "backfilled" else Trigger.SCHEDULE,
            claimed=point.origin == "claimed",
            status="done",
            evaluated_at=at,
            finished_at=at,
        )
        CheckResult.objects.bulk_create(
            CheckResult(
                assessment=assessment,
                check_item=checks[key],
                status=RESULTS[index][0],
                summary=f"{key} on day {n}",
                evidence=[{"path": "app.py", "line": n, "text": "seen"}],
                details={**RESULTS[index][1], "seen_on": n},
                finished_at=at,
            )
            for key, index in point.results.items()
            if index is not None
        )
        card = assessment_scorecard(assessment=assessment)
        assessment.score, assessment.coverage = card.score, card.coverage
        assessment.save(update_fields=["score", "coverage"])
        CategoryScore.objects.bulk_create(
            CategoryScore(assessment=assessment, key=c.key, name=c.key, score=c.score, position=i)
            for i, c in enumerate(card.categories)
        )
        created.append(assessment)
    return created


def comparable(before: Assessment, after: Assessment):
    """Everything the compare page shows, but the two assessments themselves."""
    found = comparison(before=before, after=after)
    words = [
        (
            c.key,
            is_failing(c.after or "", c.after_details),
            awaiting(c.after or "", c.after_details),
        )
        for c in found.unchanged
    ]
    return (
        found.attribution,
        found.contributions,
        found.newly_failing,
        found.fixed,
        found.unchanged,
        found.checklist_changes,
        words,
    )


def statuses(assessment: Assessment) -> dict[str, tuple]:
    return {
        r.check_item.key: (r.status, awaiting(r.status, r.details), is_failing(r.status, r.details))
        for r in retained_results(assessment=assessment)
    }


class RetentionPropertyTest(TestCase):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        history=st.lists(points, min_size=1, max_size=12),
        batch_size=st.integers(min_value=1, max_value=5),
        interrupt_after=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
        chain_max=st.sampled_from([2, 3, 100]),
    )
    def test_it_keeps_every_score_and_every_attribution(
        self, history, batch_size, interrupt_after, chain_max
    ):
        project = ProjectFactory()
        assessments = build_history(project, history)
        before_pairs = {
            (a.pk, b.pk): comparable(a, b) for a, b in itertools.permutations(assessments, 2)
        }
        before_statuses = {a.pk: statuses(a) for a in assessments}
        rows_before = CheckResult.objects.count()

        with mock.patch.object(retention, "CHAIN_MAX_POINTS", chain_max):
            if interrupt_after is not None:
                retention_apply(
                    days=DAYS, batch_size=batch_size, now=NOW, max_batches=interrupt_after
                )
            report = retention_apply(days=DAYS, batch_size=batch_size, now=NOW)
            again = retention_apply(days=DAYS, batch_size=batch_size, now=NOW)

        assert again.rows_deleted == 0 and again.points_pruned == 0
        assert CheckResult.objects.count() <= rows_before
        if interrupt_after is None:
            assert CheckResult.objects.count() == rows_before - report.rows_deleted
        fresh = {a.pk: a for a in Assessment.objects.filter(pk__in=[a.pk for a in assessments])}
        cutoff = NOW - dt.timedelta(days=DAYS)
        for a in fresh.values():
            if a.is_pruned:
                assert a.evaluated_at < cutoff
            card = assessment_scorecard(assessment=a)
            assert card.score == a.score
            assert card.coverage == a.coverage
            assert statuses(a) == before_statuses[a.pk]
        for (a, b), expected in before_pairs.items():
            assert comparable(fresh[a], fresh[b]) == expected


def _daily(count: int, *, flip_every: int = 5) -> list[Point]:
    """`count` daily measured points; the "logs" check flips every `flip_every` days."""
    return [
        Point(
            days_ago=count - n,
            origin="measured",
            version=0,
            results={"tls": 0, "logs": (n // flip_every) % 2 * 2, "backup": 0, "alerts": 1},
        )
        for n in range(count)
    ]


def _state(project):
    """What retention left of a project, comparable across two projects built alike."""
    order = list(
        Assessment.objects.filter(project=project)
        .order_by("evaluated_at", "id")
        .values_list("pk", flat=True)
    )
    index = {pk: i for i, pk in enumerate(order)}
    anchors = [
        index.get(anchor)
        for anchor in Assessment.objects.filter(project=project)
        .order_by("evaluated_at", "id")
        .values_list("retention_anchor_id", flat=True)
    ]
    rows = sorted(
        (index[a], key)
        for a, key in CheckResult.objects.filter(assessment__project=project).values_list(
            "assessment_id", "check_item__key"
        )
    )
    return anchors, rows


class RetentionCommandTest(TestCase):
    def test_it_prunes_unchanged_rows_and_says_so_on_the_page(self):
        from django.core.management import call_command
        from django.test import Client

        from tests.factories import MembershipFactory, UserFactory

        project = ProjectFactory()
        assessments = build_history(project, _daily(30))
        user = UserFactory()
        MembershipFactory(team=project.team, user=user)
        rows_before = CheckResult.objects.count()

        with mock.patch("django.utils.timezone.now", return_value=NOW):
            call_command("retention", "--days", "7", "--batch-size", "4", stdout=(out := _Out()))

        assert "Pruned" in out.text and "check results" in out.text
        assert CheckResult.objects.count() < rows_before / 3
        pruned = Assessment.objects.get(pk=assessments[7].pk)
        assert pruned.is_pruned and pruned.retention_days == 7
        client = Client()
        client.force_login(user)
        page = client.get(f"/assessments/{pruned.pk}/").content.decode()
        assert 'data-testid="pruned-notice"' in page
        assert "Evidence pruned by retention after 7 days; status carried from" in page
        # The newest week keeps everything.
        recent = Assessment.objects.get(pk=assessments[-1].pk)
        assert not recent.is_pruned
        assert recent.results.count() == len(CHECK_KEYS)

    def test_a_dry_run_changes_nothing(self):
        from django.core.management import call_command

        project = ProjectFactory()
        build_history(project, _daily(30))
        rows = set(CheckResult.objects.values_list("pk", flat=True))

        with mock.patch("django.utils.timezone.now", return_value=NOW):
            call_command("retention", "--days", "7", "--dry-run", stdout=(out := _Out()))

        assert "Would prune" in out.text and "Dry run: nothing changed." in out.text
        assert set(CheckResult.objects.values_list("pk", flat=True)) == rows
        assert not Assessment.objects.filter(retention_anchor__isnull=False).exists()

    def test_it_does_nothing_when_off_by_default(self):
        from django.conf import settings as django_settings
        from django.core.management import call_command

        from readiness.tasks import retention_task

        project = ProjectFactory()
        build_history(project, _daily(30))
        rows = CheckResult.objects.count()

        assert django_settings.READINESS_RETENTION_DAYS == 0
        call_command("retention", stdout=(out := _Out()))
        assert retention_task() == {}

        assert "Retention is off" in out.text
        assert CheckResult.objects.count() == rows
        assert "readiness-retention" not in django_settings.CELERY_BEAT_SCHEDULE

    def test_an_interrupted_run_resumed_ends_as_an_uninterrupted_one(self):
        whole, resumed = ProjectFactory(), ProjectFactory()
        build_history(whole, _daily(60, flip_every=4))
        build_history(resumed, _daily(60, flip_every=4))

        retention_apply(days=DAYS, batch_size=7, now=NOW, project=whole)
        first = retention_apply(days=DAYS, batch_size=7, now=NOW, project=resumed, max_batches=2)
        assert not first.finished
        retention_apply(days=DAYS, batch_size=7, now=NOW, project=resumed)

        assert _state(resumed) == _state(whole)

    def test_it_keeps_the_rows_of_a_point_of_the_past_added_later(self):
        project = ProjectFactory()
        history = build_history(project, _daily(30))
        retention_apply(days=DAYS, now=NOW)
        pruned = Assessment.objects.get(pk=history[10].pk)
        expected = statuses(pruned)
        # A backfill of the past inserts a measured point between pruned ones, all failing.
        late = Assessment.objects.create(
            project=project,
            checklist=pruned.checklist,
            trigger=Trigger.SCHEDULE,
            status="done",
            evaluated_at=pruned.evaluated_at - dt.timedelta(hours=1),
        )
        CheckResult.objects.bulk_create(
            CheckResult(assessment=late, check_item=check, status="fail")
            for check in pruned.checklist.checks.all()
        )

        retention_apply(days=DAYS, now=NOW)

        assert statuses(Assessment.objects.get(pk=pruned.pk)) == expected
        assert CheckResult.objects.filter(assessment_id=late.pk).exists()

    def test_the_report_json_says_where_a_status_comes_from(self):
        from readiness.reports import assessment_report_data

        project = ProjectFactory()
        history = build_history(project, _daily(30))
        retention_apply(days=DAYS, now=NOW)

        data = assessment_report_data(Assessment.objects.get(pk=history[8].pk))

        carried = [c for c in data["checks"] if "carried_from" in c]
        assert {c["key"] for c in data["checks"]} == set(CHECK_KEYS)
        assert carried and all(c["evidence"] == [] for c in carried)


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_a_retention_under_a_week_is_refused_at_startup(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "READINESS_RETENTION_DAYS": "3", "READINESS_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    found = subprocess.run(
        [sys.executable, "-c", "import readiness.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert found.returncode != 0
    assert "READINESS_RETENTION_DAYS=3: give 0 (off) or at least 7 days" in found.stderr

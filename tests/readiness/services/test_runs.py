import datetime as dt
import os
import threading
from pathlib import Path

import pytest
import yaml
from django.db import OperationalError, connection

from checks.checklist import load_checklist
from checks.registry import FILE_CHECK_TYPES
from checks.spec import Evidence, Outcome, Status
from readiness.models import AssessmentStatus, CategoryScore, CheckResult, ResultStatus, Trigger
from readiness.services.assessments import assessment_create, assessment_scorecard
from readiness.services.checklists import checklist_version_save
from readiness.services.runs import (
    assessment_record_outcomes,
    assessment_run_check,
    assessment_run_file_checks,
    assessment_run_inline,
)
from tests.factories import AttestationFactory, ProjectFactory, UserFactory
from tests.integration.support import SlowServer
from tests.readiness.repo_builders import GitRepo, category, checklist, write_files

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


def make_project(source, *categories, **fields):
    text = yaml.safe_dump(checklist(*categories), sort_keys=False)
    project = ProjectFactory(source=str(source), **fields)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def grep(key, pattern, **options):
    return {"key": key, "type": "grep", "paths": ["**/*.py"], "pattern": pattern, **options}


def http(key, url, **options):
    return {"key": key, "type": "http", "url": url, "timeout_s": 5, **options}


def manual(key, **options):
    return {"key": key, "type": "manual", **options}


def results(assessment):
    return {r.check_item.key: r for r in assessment.results.select_related("check_item").all()}


@pytest.fixture
def repo(tmp_path):
    return write_files(tmp_path / "repo", {"app/settings.py": "DEBUG = False\nSENTRY = 1\n"})


def test_it_runs_an_assessment_inline_to_the_score_of_the_formula(repo, server):
    user = UserFactory()
    project = make_project(
        repo,
        category(
            "security",
            grep("no-debug", r"DEBUG = False", weight=1),
            grep("csp", r"CONTENT_SECURITY_POLICY", weight=3),
            weight=2,
        ),
        category("ops", http("health", server.url(50)), manual("runbook")),
    )
    AttestationFactory(project=project, check_key="runbook", status="warn")

    assessment = assessment_create(project=project, trigger=Trigger.CLI, user=user)
    assessment = assessment_run_inline(assessment=assessment)

    rows = results(assessment)
    statuses = {key: row.status for key, row in rows.items()}
    assert statuses == {"no-debug": "pass", "csp": "fail", "health": "pass", "runbook": "warn"}
    security = 10 * (1 * 1 + 3 * 0) / (1 + 3)
    ops = 10 * (1 + 0.5) / 2
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.score == pytest.approx((2 * security + 1 * ops) / 3, abs=1e-9)
    assert assessment.coverage == 1.0
    assert assessment.verdict == "not-ready"
    assert assessment.requested_by == user
    assert assessment.checks_done == assessment.checks_total == 4
    assert assessment.finished_at >= assessment.started_at
    assert assessment.score == assessment_scorecard(assessment=assessment).score
    categories = {c.key: c.score for c in assessment.category_scores.all()}
    assert categories == pytest.approx({"security": security, "ops": ops}, abs=1e-9)
    assert rows["no-debug"].evidence[0]["path"] == "app/settings.py"
    assert rows["health"].duration_ms >= 50


def test_it_counts_progress_as_results_are_written(repo, server):
    project = make_project(
        repo, category("c", grep("a", "DEBUG"), grep("b", "SENTRY"), http("h", server.url(0)))
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    assert assessment_run_file_checks(assessment_id=assessment.pk) == 2

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RUNNING
    assert (assessment.checks_done, assessment.checks_total) == (2, 3)
    assert assessment.progress_percent == 67
    assert assessment.score is None


def test_it_records_the_head_commit_of_a_git_working_tree(tmp_path):
    git = GitRepo(tmp_path / "repo")
    sha = git.commit({"app.py": "DEBUG = False\n"}, when=WHEN)
    project = make_project(git.root, category("c", grep("debug", "DEBUG = False")))

    assessment = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI)
    )

    assert assessment.revision == sha
    assert results(assessment)["debug"].status == "pass"


def test_it_evaluates_a_pinned_revision_of_a_working_tree_from_that_commit(tmp_path):
    git = GitRepo(tmp_path / "repo")
    old = git.commit({"app.py": "DEBUG = True\n"}, when=WHEN)
    git.commit({"app.py": "DEBUG = False\n"}, when=WHEN + dt.timedelta(days=1))
    project = make_project(git.root, category("c", grep("debug", "DEBUG = False")))

    assessment = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI, revision="HEAD~1")
    )

    assert assessment.revision == old
    assert results(assessment)["debug"].status == "fail"


def test_it_clones_a_git_url_at_its_ref_and_records_the_sha(tmp_path, settings):
    git = GitRepo(tmp_path / "work")
    first = git.commit({"app.py": "DEBUG = True\n"}, when=WHEN)
    git.branch("release")
    second = git.commit({"app.py": "DEBUG = False\n"}, when=WHEN + dt.timedelta(days=1))
    bare = tmp_path / "origin.git"
    git.git("clone", "--bare", "--quiet", str(git.root), str(bare))
    project = make_project(
        f"file://{bare}", category("c", grep("debug", "DEBUG = False")), ref="release"
    )

    at_release = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI)
    )
    project.ref = ""
    project.save()
    at_main = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI)
    )

    assert (at_release.revision, results(at_release)["debug"].status) == (first, "fail")
    assert (at_main.revision, results(at_main)["debug"].status) == (second, "pass")
    checkouts = Path(settings.READINESS_GIT_CACHE_DIR) / project.slug / "trees"
    assert {p.name for p in checkouts.iterdir()} == {first, second}


def test_it_turns_a_missing_source_into_an_error_on_each_file_check(tmp_path, server):
    project = make_project(
        tmp_path / "gone", category("c", grep("a", "x"), grep("b", "y"), http("h", server.url(0)))
    )

    assessment = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI)
    )

    rows = results(assessment)
    for key in ("a", "b"):
        assert rows[key].status == "error"
        assert rows[key].summary.startswith("source unavailable: source ")
    assert rows["h"].status == "pass"
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.coverage == pytest.approx(1 / 3)


def test_it_never_overwrites_a_finished_result_on_a_duplicate_delivery(repo, server):
    project = make_project(repo, category("c", grep("a", "DEBUG"), http("h", server.url(0))))
    assessment = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.MANUAL)
    )
    before = {key: (r.status, r.finished_at, r.attempts) for key, r in results(assessment).items()}

    assert assessment_run_check(result_id=results(assessment)["h"].pk) is False
    assert assessment_run_file_checks(assessment_id=assessment.pk) == 0

    assessment.refresh_from_db()
    after = {key: (r.status, r.finished_at, r.attempts) for key, r in results(assessment).items()}
    assert after == before
    assert assessment.checks_done == 2
    assert server.hits["/delay/0/"] == 1


def test_it_gives_a_claim_back_when_its_result_cannot_be_written(repo, server):
    project = make_project(repo, category("c", http("h", server.url(0))))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    row = results(assessment)["h"]

    def refuse_the_result(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and '"finished_at"' in sql:
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_the_result), pytest.raises(OperationalError):
        assessment_run_check(result_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (ResultStatus.PENDING, 0)
    # The task's retry claims it again at once, and the attempt was not spent.
    assert assessment_run_check(result_id=row.pk) is True
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ResultStatus.PASS, 1)


def _in_threads(count, target):
    """Run target(index) in `count` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def run(index):
        try:
            barrier.wait()
            answers[index] = target(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_it_counts_every_result_once_when_the_last_checks_finish_together(server):
    keys = [f"h{i}" for i in range(8)]
    project = make_project("/tmp", category("c", *(http(k, server.url(100, k)) for k in keys)))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [results(assessment)[k].pk for k in keys]

    answers = _in_threads(len(ids), lambda i: assessment_run_check(result_id=ids[i]))

    assert answers == [True] * len(ids)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == assessment.checks_total == len(ids)
    assert assessment.score == 10.0 == assessment_scorecard(assessment=assessment).score
    assert CategoryScore.objects.filter(assessment=assessment).count() == 1


def test_it_records_outcomes_computed_elsewhere_once(repo):
    project = make_project(repo, category("c", grep("a", "DEBUG"), grep("b", "SENTRY")))
    assessment = assessment_create(
        project=project, trigger=Trigger.BACKFILL, evaluated_at=WHEN, only_types=FILE_CHECK_TYPES
    )
    outcomes = {
        "a": Outcome(Status.PASS, "found", (Evidence("app.py", 1, "DEBUG"),)),
        "b": Outcome(Status.FAIL, "not found"),
    }

    assert assessment_record_outcomes(assessment=assessment, outcomes=outcomes) == 2
    assert assessment_record_outcomes(assessment=assessment, outcomes=outcomes) == 0

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.score == 10 * (1 + 0) / 2
    rows = results(assessment)
    assert rows["a"].evidence == [{"path": "app.py", "line": 1, "text": "DEBUG"}]
    assert CheckResult.objects.filter(assessment=assessment, attempts=1).count() == 2


def test_it_runs_a_threshold_on_a_url_even_when_the_source_is_missing(tmp_path):
    def threshold(key, source):
        return {"key": key, "type": "threshold", "source": source, "fail_above": 1}

    project = make_project(
        tmp_path / "gone",
        category(
            "c",
            threshold("on-file", {"path": "metrics.json", "json_path": "cpu"}),
            threshold("on-url", {"url": "http://127.0.0.1:9/metrics", "json_path": "cpu"}),
        ),
    )

    assessment = assessment_run_inline(
        assessment=assessment_create(project=project, trigger=Trigger.CLI)
    )

    rows = results(assessment)
    assert rows["on-file"].summary.startswith("source unavailable: source ")
    assert "http://127.0.0.1:9/metrics" in rows["on-url"].summary
    assert not rows["on-url"].summary.startswith("source unavailable")


def test_it_stops_a_pattern_after_the_configured_seconds(tmp_path, settings):
    settings.READINESS_PATTERN_SECONDS = 1
    # 2 MB of a and b at random, on one line: one search of this pattern over it takes
    # seconds, since RE2's fast engine (and rg's) gives up on it.
    letters = bytes(b"ab"[byte & 1] for byte in range(256))
    source = write_files(tmp_path / "repo", {"runs.txt": os.urandom(2_000_000).translate(letters)})
    project = make_project(
        source,
        category(
            "code",
            grep("slow", "[ab]*a[ab]{1000}c", paths=["*.txt"], multiline=True),
            grep("fine", "a", paths=["*.txt"]),
        ),
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    assessment_run_file_checks(assessment_id=assessment.pk)

    found = results(assessment)
    assert (found["slow"].status, found["slow"].summary) == (
        ResultStatus.ERROR,
        "pattern too slow on runs.txt (stopped after 1 s)",
    )
    assert found["fine"].status == ResultStatus.PASS

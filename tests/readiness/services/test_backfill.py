import datetime as dt

import pytest

from checks.blobcache import BlobCache
from readiness import models
from readiness.services.backfill import BackfillError, backfill_plan, backfill_point, backfill_run
from readiness.services.projects import project_upsert
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    checklist,
    formula,
    write_checklist,
    write_files,
)

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 2, day, hour, minute, tzinfo=UTC)


HISTORY_CHECKLIST = checklist(
    category(
        "code",
        {
            "key": "no-debug",
            "type": "grep",
            "paths": ["*.py"],
            "pattern": "DEBUG = True",
            "expect": "absent",
        },
        {"key": "signature", "type": "grep", "paths": ["*.py"], "pattern": r"verify_signature\("},
        {"key": "readme", "type": "file", "paths": ["README.md"]},
    ),
    category(
        "ops",
        {"key": "health", "type": "http", "url": "http://127.0.0.1:9/health"},
        {"key": "runbook", "type": "manual"},
    ),
)


def statuses_shape(no_debug: str, signature: str, readme: str) -> list:
    # The http check is not evaluable on history and the manual one has no attestation:
    # both are error (not measured), so ops has no score and coverage is below 100%.
    return [(1, [(1, no_debug), (1, signature), (1, readme)]), (1, [(1, "error"), (1, "error")])]


@pytest.fixture
def git(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.shas = [
        repo.commit({"app.py": "DEBUG = True\n", "README.md": "# Shop\n"}, when=at(10, 8)),
        repo.commit({"app.py": "DEBUG = False\n"}, when=at(10, 17)),
        repo.commit({"hooks.py": "verify_signature(event)\n"}, when=at(12, 9)),
        repo.commit({"README.md": None}, when=at(13, 9)),
    ]
    return repo


@pytest.fixture
def project(tmp_path, git):
    path = write_checklist(tmp_path / "readiness.yml", HISTORY_CHECKLIST)
    project, _version, _created = project_upsert(
        slug="shop", source=str(git.root), checklist_path=path
    )
    return project


def backfilled(project):
    return list(
        models.Assessment.objects.filter(project=project, trigger=models.Trigger.BACKFILL).order_by(
            "evaluated_at", "id"
        )
    )


@pytest.mark.django_db
def test_it_plans_the_last_commit_of_each_day_oldest_first(project, git):
    plan = backfill_plan(project=project, since=dt.date(2026, 2, 10), every="day")

    assert plan == [(git.shas[1], at(10, 17)), (git.shas[2], at(12, 9)), (git.shas[3], at(13, 9))]


@pytest.mark.django_db
def test_it_plans_every_commit_between_since_and_until_inclusive(project, git):
    plan = backfill_plan(
        project=project, since=dt.date(2026, 2, 10), until=dt.date(2026, 2, 12), every="commit"
    )

    assert [sha for sha, _ in plan] == git.shas[:3]


@pytest.mark.django_db
def test_it_plans_along_first_parents_only(project, git):
    git.branch("feature", git.shas[1])
    git.switch("feature")
    side = git.commit({"side.py": "x = 1\n"}, when=at(11, 10))
    git.switch("main")
    merge = git.merge("feature", when=at(14, 9))

    plan = backfill_plan(project=project, since=dt.date(2026, 2, 1), every="commit")

    assert [sha for sha, _ in plan] == [*git.shas, merge]
    assert side not in [sha for sha, _ in plan]


@pytest.mark.django_db
def test_it_groups_days_in_the_projects_time_zone(project, git):
    # 23:30 UTC on the 13th is 00:30 on the 14th in Paris.
    late = git.commit({"late.py": "y = 2\n"}, when=at(13, 23, 30))
    project.timezone = "Europe/Paris"
    project.save()

    plan = backfill_plan(project=project, since=dt.date(2026, 2, 14), every="day")

    assert plan == [(late, at(13, 23, 30))]


@pytest.mark.django_db
def test_it_stores_one_assessment_per_point_dated_at_its_commit_time(project, git):
    created = backfill_run(project=project, since=dt.date(2026, 2, 10), every="day")

    points = backfilled(project)
    assert [a.pk for a in created] == [a.pk for a in points]
    assert [(a.revision, a.evaluated_at) for a in points] == [
        (git.shas[1], at(10, 17)),
        (git.shas[2], at(12, 9)),
        (git.shas[3], at(13, 9)),
    ]
    assert {a.status for a in points} == {models.AssessmentStatus.DONE}
    assert {a.checklist_id for a in points} == {project.current_checklist().pk}


@pytest.mark.django_db
def test_it_evaluates_file_checks_at_each_commit_and_leaves_the_others_not_measured(project, git):
    backfill_run(project=project, since=dt.date(2026, 2, 10), every="commit")

    expected = [
        ("fail", "fail", "pass"),
        ("pass", "fail", "pass"),
        ("pass", "pass", "pass"),
        ("pass", "pass", "fail"),
    ]
    for assessment, (no_debug, signature, readme) in zip(
        backfilled(project), expected, strict=True
    ):
        results = {r.check_item.key: r for r in assessment.results.select_related("check_item")}
        assert {key: r.status for key, r in results.items()} == {
            "no-debug": no_debug,
            "signature": signature,
            "readme": readme,
            "health": "error",
            "runbook": "error",
        }
        assert results["health"].summary == "not evaluable on history"
        assert results["runbook"].summary == "needs attestation"
        score, coverage, per_category = formula(statuses_shape(no_debug, signature, readme))
        assert assessment.score == pytest.approx(score)
        assert assessment.coverage == pytest.approx(coverage)
        assert assessment.coverage == pytest.approx(0.5)
        assert [(c.score, c.coverage) for c in assessment.category_scores.all()] == [
            (pytest.approx(per_category[0][0]), pytest.approx(per_category[0][1])),
            (None, 0.0),
        ]


@pytest.mark.django_db
def test_it_decides_manual_checks_by_the_attestation_valid_at_each_commit(project, git):
    models.Attestation.objects.create(
        project=project,
        check_key="runbook",
        status="pass",
        attested_by="ops",
        attested_at=at(11, 12),
        valid_until=at(13, 0),
    )

    backfill_run(project=project, since=dt.date(2026, 2, 10), every="day")

    runbook = [a.results.get(check_item__key="runbook").status for a in backfilled(project)]
    # Before it was made, while valid, after it expired.
    assert runbook == ["error", "pass", "error"]


@pytest.mark.django_db
def test_it_does_not_duplicate_points_when_run_again(project):
    backfill_run(project=project, since=dt.date(2026, 2, 10), every="day")

    again = backfill_run(project=project, since=dt.date(2026, 2, 1), every="commit")

    # Only the first commit, not a last-of-day point the first run stored, is new.
    assert len(again) == 1
    assert len(backfilled(project)) == 4
    assert len({a.revision for a in backfilled(project)}) == 4


@pytest.mark.django_db
def test_it_backfills_again_for_a_new_checklist_version(project, tmp_path):
    backfill_run(project=project, since=dt.date(2026, 2, 13), every="day")
    changed = dict(HISTORY_CHECKLIST, name="Changed")
    project_upsert(
        slug="shop",
        source=project.source,
        checklist_path=write_checklist(tmp_path / "readiness.yml", changed),
    )

    again = backfill_run(project=project, since=dt.date(2026, 2, 13), every="day")

    assert len(again) == 1
    assert again[0].checklist == project.current_checklist()


@pytest.mark.django_db
def test_it_reads_history_from_git_objects_without_touching_the_working_tree(project, git):
    write_files(git.root, {"app.py": "DEBUG = True  # uncommitted\n"})

    backfill_run(project=project, since=dt.date(2026, 2, 13), every="day")

    [point] = backfilled(project)
    assert point.results.get(check_item__key="no-debug").status == "pass"
    assert (git.root / "app.py").read_text() == "DEBUG = True  # uncommitted\n"


@pytest.mark.django_db
def test_it_refuses_a_checklist_without_file_checks(tmp_path, git):
    path = write_checklist(
        tmp_path / "readiness.yml",
        checklist(category("process", {"key": "runbook", "type": "manual"})),
    )
    project, _version, _created = project_upsert(
        slug="manual-only", source=str(git.root), checklist_path=path
    )

    with pytest.raises(BackfillError, match="no file checks"):
        backfill_run(project=project, since=dt.date(2026, 2, 1))


@pytest.mark.django_db
def test_it_scans_each_blob_once_across_all_points(project, git):
    cache = BlobCache()
    python_entries = [
        line.split()[2]
        for sha in git.shas
        for line in git.git("ls-tree", "-r", sha).splitlines()
        if line.endswith(".py")
    ]

    backfill_run(project=project, since=dt.date(2026, 2, 10), every="commit", cache=cache)

    # Four commits hold six *.py entries but only three contents (app.py twice, hooks.py).
    assert (len(python_entries), len(set(python_entries))) == (6, 3)
    assert cache.reads == len(set(python_entries))
    assert cache.reuses == len(python_entries) - len(set(python_entries))


@pytest.mark.django_db
def test_it_stores_a_point_once_however_often_its_task_runs(project, git):
    first = backfill_point(project_id=project.pk, revision=git.shas[2])
    again = backfill_point(project_id=project.pk, revision=git.shas[2][:8])

    assert again == first
    assert first.evaluated_at == at(12, 9)
    assert len(backfilled(project)) == 1


def expected_statuses(assessment) -> dict[str, str]:
    return {r.check_item.key: r.status for r in assessment.results.select_related("check_item")}


EVERY_COMMIT = [
    {"no-debug": "fail", "signature": "fail", "readme": "pass"},
    {"no-debug": "pass", "signature": "fail", "readme": "pass"},
    {"no-debug": "pass", "signature": "pass", "readme": "pass"},
    {"no-debug": "pass", "signature": "pass", "readme": "fail"},
]


@pytest.mark.django_db
def test_it_measures_every_point_of_a_history_that_lacks_a_blob_no_check_reads(tmp_path, git):
    # Issue 11: one missing blob made every check of every point "could not read the files".
    git.commit({"sos/firebase/services.json": '{"key": "x"}'}, when=at(13, 10))
    blob = git.git("rev-parse", "HEAD:sos/firebase/services.json")
    (git.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    path = write_checklist(tmp_path / "readiness.yml", HISTORY_CHECKLIST)
    project, _version, _created = project_upsert(
        slug="lacking", source=str(git.root), checklist_path=path
    )

    backfill_run(project=project, since=dt.date(2026, 2, 10), every="commit")

    points = backfilled(project)
    assert [
        {key: status for key, status in expected_statuses(point).items() if key in EVERY_COMMIT[0]}
        for point in points
    ] == [*EVERY_COMMIT, EVERY_COMMIT[-1]]
    assert [point.coverage for point in points] == [pytest.approx(0.5)] * 5


@pytest.mark.django_db
def test_it_backfills_a_partial_clone_fetching_the_blobs_its_checks_read(tmp_path, git):
    bare = tmp_path / "origin.git"
    git.git("clone", "--quiet", "--bare", str(git.root), str(bare))
    git.git("-C", str(bare), "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git.git("clone", "--quiet", "--filter=blob:none", "--no-checkout", bare.as_uri(), str(clone))
    path = write_checklist(tmp_path / "readiness.yml", HISTORY_CHECKLIST)
    project, _version, _created = project_upsert(
        slug="partial", source=str(clone), checklist_path=path
    )

    backfill_run(project=project, since=dt.date(2026, 2, 10), every="commit")

    points = backfilled(project)
    assert [
        {key: status for key, status in expected_statuses(point).items() if key in EVERY_COMMIT[0]}
        for point in points
    ] == EVERY_COMMIT
    assert [point.coverage for point in points] == [pytest.approx(0.5)] * 4

"""A project that is one folder of its repository: every check sees that folder as the
root, in live assessments and in backfill, and a bad or missing subfolder is said clearly."""

import datetime as dt

import pytest
import yaml

from checks.blobcache import BlobCache
from checks.checklist import load_checklist
from readiness.models import Project, Trigger, subfolder_clean
from readiness.services.assessments import assessment_create
from readiness.services.backfill import backfill_run
from readiness.services.checklists import checklist_version_save
from readiness.services.projects import ProjectError, project_add
from readiness.services.runs import assessment_run_inline
from tests import factories
from tests.readiness.repo_builders import GitRepo, category, checklist, write_files

pytestmark = pytest.mark.django_db

UTC = dt.UTC
API = "services/api"
# The root has what the subfolder lacks, and the other way round: a check that looked at
# the root would give the opposite status.
ROOT_FILES = {"settings.py": "DEBUG = True\n"}
API_FILES = {
    f"{API}/app/settings.py": "DEBUG = False\n",
    f"{API}/README.md": "# API\n",
    f"{API}/metrics.json": '{"cpu": 0.4}\n',
}
CHECKS = category(
    "api",
    {
        "key": "no-debug",
        "type": "grep",
        "paths": ["**/*.py"],
        "pattern": "DEBUG = True",
        "expect": "absent",
    },
    {"key": "readme", "type": "file", "paths": ["README.md"]},
    {
        "key": "in-folder",
        "type": "command",
        # Only the subfolder has metrics.json: the command sees it as the repository.
        "argv": ["cat", "metrics.json"],
        "expect": {"stdout_matches": '"cpu"'},
    },
    {
        "key": "cpu",
        "type": "threshold",
        "source": {"path": "metrics.json", "json_path": "cpu"},
        "fail_above": 0.8,
    },
)


def make_project(source, subfolder=API, **fields):
    text = yaml.safe_dump(checklist(CHECKS), sort_keys=False)
    project = factories.ProjectFactory(source=str(source), subfolder=subfolder, **fields)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def statuses(assessment):
    return {r.check_item.key: r.status for r in assessment.results.select_related("check_item")}


def summaries(assessment):
    return {r.check_item.key: r.summary for r in assessment.results.select_related("check_item")}


def run(project):
    return assessment_run_inline(assessment=assessment_create(project=project, trigger=Trigger.CLI))


@pytest.fixture
def allow_commands(settings):
    settings.READINESS_ALLOW_COMMANDS = True


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("services/api", "services/api"),
        (" ./services//api/ ", "services/api"),
        ("services/./api", "services/api"),
        ("", ""),
        (" . ", ""),
    ],
)
def test_it_stores_a_subfolder_normalised(typed, stored):
    assert subfolder_clean(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "/srv/app",
            "/srv/app: give a path relative to the repository's root, not an absolute one",
        ),
        ("services/../../etc", "services/../../etc: .. would leave the repository"),
        ("..", "..: .. would leave the repository"),
        ("services/*", "services/*: one folder, without glob characters"),
        ("services/{api,web}", "one folder, without glob characters"),
        ("services\\api", "one folder, without glob characters (* ? [ ] { }) or backslashes"),
        ("api\nx", "one folder, without glob characters"),
        (".git/hooks", ".git/hooks: .git holds git's own files"),
        ("a" * 501, "Longer than 500 characters."),
    ],
)
def test_it_refuses_a_subfolder_that_is_not_one_folder_inside_the_repository(typed, message):
    with pytest.raises(ValueError) as raised:
        subfolder_clean(typed)
    assert message in str(raised.value)


def test_it_runs_every_check_of_a_live_assessment_in_the_subfolder(tmp_path, allow_commands):
    source = write_files(tmp_path / "repo", {**ROOT_FILES, **API_FILES})
    project = make_project(source)

    assessment = run(project)

    assert statuses(assessment) == {
        "no-debug": "pass",
        "readme": "pass",
        "in-folder": "pass",
        "cpu": "pass",
    }
    evidence = assessment.results.get(check_item__key="readme").evidence
    assert [item["path"] for item in evidence] == ["README.md"]


def test_it_reads_the_repository_root_without_a_subfolder(tmp_path, allow_commands):
    source = write_files(tmp_path / "repo", {**ROOT_FILES, **API_FILES})

    assessment = run(make_project(source, subfolder=""))

    assert statuses(assessment) == {
        "no-debug": "fail",
        "readme": "fail",
        "in-folder": "fail",
        "cpu": "error",
    }


def test_it_says_the_subfolder_is_missing_at_the_revision_and_records_the_revision(
    tmp_path, allow_commands
):
    repo = GitRepo(tmp_path / "repo")
    before = repo.commit(ROOT_FILES, when=dt.datetime(2026, 2, 10, 9, tzinfo=UTC))
    repo.commit(API_FILES, when=dt.datetime(2026, 2, 11, 9, tzinfo=UTC))
    project = make_project(repo.root, ref=before)

    assessment = run(project)

    problem = f"source unavailable: no folder {API} at revision {before}"
    assert assessment.revision == before
    assert summaries(assessment) == {
        "no-debug": problem,
        "readme": problem,
        "in-folder": problem,
        "cpu": problem,
    }
    assert set(statuses(assessment).values()) == {"error"}
    assert assessment.coverage == 0


def test_it_says_the_subfolder_is_missing_from_a_plain_folder(tmp_path):
    source = write_files(tmp_path / "repo", ROOT_FILES)

    assessment = run(make_project(source))

    assert summaries(assessment)["readme"] == (
        f"source unavailable: no folder {API} in {tmp_path / 'repo'}"
    )


def test_it_never_follows_a_subfolder_that_links_out_of_the_repository(tmp_path):
    outside = write_files(tmp_path / "outside", {"README.md": "# not ours\n"})
    source = write_files(tmp_path / "repo", ROOT_FILES)
    (source / "services").mkdir()
    (source / API).symlink_to(outside)

    assessment = run(make_project(source))

    assert statuses(assessment)["readme"] == "error"
    assert "leads outside the repository" in summaries(assessment)["readme"]


def test_it_backfills_the_subfolder_at_each_commit(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    shas = [
        repo.commit(
            {"settings.py": "DEBUG = False\n"}, when=dt.datetime(2026, 2, 9, 9, tzinfo=UTC)
        ),
        repo.commit(
            {"settings.py": "DEBUG = False\n", f"{API}/settings.py": "DEBUG = True\n"},
            when=dt.datetime(2026, 2, 10, 9, tzinfo=UTC),
        ),
        repo.commit(
            {
                "settings.py": "DEBUG = True\n",
                f"{API}/settings.py": "DEBUG = False\n",
                f"{API}/README.md": "# API\n",
            },
            when=dt.datetime(2026, 2, 11, 9, tzinfo=UTC),
        ),
    ]
    project = make_project(repo.root)
    cache = BlobCache()

    points = backfill_run(project=project, since=dt.date(2026, 2, 1), every="commit", cache=cache)

    assert [point.revision for point in points] == shas
    missing = f"source unavailable: no folder {API} at revision {shas[0]}"
    assert summaries(points[0])["no-debug"] == missing
    assert summaries(points[0])["readme"] == missing
    assert [(statuses(point)["no-debug"], statuses(point)["readme"]) for point in points[1:]] == [
        ("fail", "fail"),
        ("pass", "pass"),
    ]
    evidence = points[1].results.get(check_item__key="no-debug").evidence
    assert [item["path"] for item in evidence] == ["settings.py"]
    # Command and threshold checks are not evaluable on history, subfolder or not.
    assert statuses(points[2])["cpu"] == "error"


@pytest.fixture
def team():
    return factories.TeamFactory(name="Payments", slug="payments")


def add(team, **fields):
    values = {"name": "API", "slug": "api", "source": "", "ref": "", "starter": "http-service.yml"}
    return project_add(team=team, **{**values, **fields})


def test_it_adds_a_project_with_its_subfolder_normalised(team, tmp_path):
    source = write_files(tmp_path / "repo", API_FILES)

    project = add(team, source=str(source), subfolder=f"./{API}/")

    assert Project.objects.get(pk=project.pk).subfolder == API


@pytest.mark.parametrize(
    ("subfolder", "message"),
    [
        ("../elsewhere", "../elsewhere: .. would leave the repository"),
        ("services/*", "services/*: one folder, without glob characters"),
        ("services/web", "services/web: no such folder in "),
    ],
)
def test_it_names_the_subfolder_field_when_it_cannot_be_used_and_saves_nothing(
    team, tmp_path, subfolder, message
):
    source = write_files(tmp_path / "repo", API_FILES)

    with pytest.raises(ProjectError) as raised:
        add(team, source=str(source), subfolder=subfolder)

    assert [(p.field, message in str(p)) for p in raised.value.all] == [("subfolder", True)]
    assert not Project.objects.exists()


def test_it_looks_for_the_subfolder_at_the_branch_or_tag_given(team, tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit(ROOT_FILES, when=dt.datetime(2026, 2, 10, 9, tzinfo=UTC))
    repo.git("tag", "v1")
    repo.commit(API_FILES, when=dt.datetime(2026, 2, 11, 9, tzinfo=UTC))

    with pytest.raises(ProjectError) as raised:
        add(team, source=str(repo.root), ref="v1", subfolder=API)
    assert raised.value.field == "subfolder"
    assert str(raised.value) == f"{API}: no such folder at v1 of {repo.root}"

    assert add(team, source=str(repo.root), ref="main", subfolder=API).subfolder == API

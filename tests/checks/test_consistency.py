import os
import subprocess
from pathlib import Path

import pytest

from checks.checklist import dump_checklist, load_checklist
from checks.gitrevision import GitRevision
from checks.scan import run_file_checks
from checks.spec import CheckSpec, Outcome, Status
from checks.worktree import WorkingTree
from tests.checks.checklists import check_problems, one_check, problems_of

REGION = r"""region\(["']([a-z0-9-]+)["']\)"""
CALLS = r"""getFunctions\(app, ["']([a-z0-9-]+)["']\)"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@pytest.fixture(params=["working-tree", "git"])
def scan(request, tmp_path):
    def run(files: dict[str, str], spec: CheckSpec) -> Outcome:
        write(tmp_path, files)
        if request.param == "working-tree":
            return run_file_checks([spec], WorkingTree(tmp_path))[spec.key]
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.com"}
        env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.com"}
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "m"]):
            subprocess.run(["git", "-C", str(tmp_path), *args], check=True, env=env)
        with GitRevision(tmp_path, "HEAD") as tree:
            return run_file_checks([spec], tree)[spec.key]

    return run


def consistency(*sources: tuple[list[str], str], **options) -> CheckSpec:
    options["sources"] = [{"paths": paths, "pattern": pattern} for paths, pattern in sources]
    return CheckSpec("same-region", "regions", "consistency", "c", options=options)


def test_it_passes_when_every_source_captures_the_same_value(scan):
    files = {
        "functions/pay.ts": "export const pay = region('europe-west1')\n",
        "functions/call.ts": 'x\nexport const call = region("europe-west1")\n',
        "web/api.ts": "const f = getFunctions(app, 'europe-west1')\n",
    }

    outcome = scan(files, consistency((["functions/*.ts"], REGION), (["web/**"], CALLS)))

    assert outcome.status == Status.PASS
    assert outcome.summary == "all 2 sources agree on 'europe-west1' (3 places)"
    assert outcome.details["values"] == {
        "europe-west1": ["functions/call.ts:2", "functions/pay.ts:1", "web/api.ts:1"]
    }


def test_it_fails_with_each_distinct_value_and_where_it_was_found(scan):
    files = {
        "functions/pay.ts": "region('europe-west3')\n",
        "web/api.ts": "getFunctions(app, 'europe-west1')\n",
    }

    outcome = scan(files, consistency((["functions/**"], REGION), (["web/**"], CALLS)))

    assert outcome.status == Status.FAIL
    assert outcome.details["values"] == {
        "europe-west3": ["functions/pay.ts:1"],
        "europe-west1": ["web/api.ts:1"],
    }
    assert [(item.path, item.line, item.text) for item in outcome.evidence] == [
        ("functions/pay.ts", 1, "europe-west3 (sources[0])"),
        ("web/api.ts", 1, "europe-west1 (sources[1])"),
    ]
    assert outcome.summary.startswith("sources disagree: 'europe-west3'")


def test_it_fails_when_a_source_captures_no_value(scan):
    files = {"functions/pay.ts": "region('europe-west1')\n", "web/api.ts": "nothing\n"}

    outcome = scan(files, consistency((["functions/**"], REGION), (["web/**"], CALLS)))

    assert outcome.status == Status.FAIL
    assert outcome.summary == "sources[1] captured no value"


def test_it_is_an_error_naming_the_source_whose_paths_match_no_file(scan):
    files = {"functions/pay.ts": "region('europe-west1')\n"}

    outcome = scan(files, consistency((["functions/**"], REGION), (["web/**"], CALLS)))

    assert outcome.status == Status.ERROR
    assert outcome.summary == "sources[1].paths matched no file"


def test_a_source_leaves_out_the_files_its_exclude_selects(scan):
    files = {
        "config/settings.py": "REGION = region('europe-west1')\n",
        "config/test_settings.py": "REGION = region('us-central1')\n",
        "web/api.ts": "const f = getFunctions(app, 'europe-west1')\n",
    }
    spec = consistency((["config/*.py"], REGION), (["web/**"], CALLS))
    spec.options["sources"][0]["exclude"] = ["**/test_*.py"]

    outcome = scan(files, spec)

    assert outcome.status == Status.PASS, outcome.summary
    assert [item.path for item in outcome.evidence] == ["config/settings.py", "web/api.ts"]
    assert outcome.details["sources"][0]["files"] == 1


def test_a_source_whose_files_are_all_excluded_is_an_error_naming_it(scan):
    files = {"config/test_settings.py": "region('eu')\n", "web/api.ts": "getFunctions(app, 'eu')\n"}
    spec = consistency((["config/*.py"], REGION), (["web/**"], CALLS))
    spec.options["sources"][0]["exclude"] = ["**/test_*.py"]

    outcome = scan(files, spec)

    assert outcome.status == Status.ERROR
    assert outcome.summary == "sources[0].paths matched no file"


def test_it_compares_values_as_captured_when_ignoring_case_in_patterns(scan):
    files = {"a.ts": "REGION('eu')\n", "b.ts": "region('eu')\n"}
    spec = consistency((["a.ts"], REGION), (["b.ts"], REGION), ignore_case=True)

    assert scan(files, spec).status == Status.PASS


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("region", "it has 0"), ("(a)(b)", "it has 2")],
)
def test_it_rejects_a_source_pattern_without_exactly_one_capture_group(pattern, message):
    spec = consistency((["a.ts"], pattern), (["a.ts"], REGION))

    problems = check_problems({"type": "consistency", **spec.options})

    assert [p.path for p in problems] == ["categories[0].checks[0].sources[0].pattern"]
    assert "must have exactly 1 capture group(s), " + message in problems[0].message


# Its fields, as the checklist loader reads them


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: consistency\nsources: [{paths: [a], pattern: '(x)'}]", "sources", "at least 2"),
        (
            "type: consistency\nsources: [{paths: [a], pattern: x}, {paths: [b], pattern: '(y)'}]",
            "sources[0].pattern",
            "exactly 1 capture group",
        ),
        (
            "type: consistency\nsources: [{paths: [a], pattern: '(x)', exclude: ['']},"
            " {paths: [b], pattern: '(y)'}]",
            "sources[0].exclude[0]",
            "path glob must be a non-empty string",
        ),
        (
            "type: consistency\nsources: [{paths: [a], pattern: '(x)', excluded: [a]},"
            " {paths: [b], pattern: '(y)'}]",
            "sources[0].excluded",
            "unknown",
        ),
    ],
)
def test_it_validates_its_fields_when_loaded(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message


def test_a_source_s_exclude_is_dumped_and_loaded_back_and_absent_when_not_given():
    text = one_check(
        "type: consistency\n"
        "sources: [{paths: [a], pattern: '(x)', exclude: [t/**]}, {paths: [b], pattern: '(y)'}]"
    )
    checklist = load_checklist(text)

    sources = checklist.check("the-check").options["sources"]
    assert sources[0]["exclude"] == ["t/**"]
    assert "exclude" not in sources[1]  # stored options of older checklists stay the same
    dumped = dump_checklist(checklist)
    assert "exclude: [t/**]" in dumped and dumped.count("exclude") == 1
    assert load_checklist(dumped) == checklist

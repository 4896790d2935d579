"""The fixture helpers themselves: what they build and how they report a difference."""

from __future__ import annotations

from checks.checklist import load_checklist
from tests.starters.repos import Fixture, assert_statuses, build, differences, run_starter

CHECKLIST = load_checklist(
    """
version: 1
name: t
categories:
  - key: c
    checks:
      - key: has-app
        name: app
        type: file
        paths: ["**/app.py"]
      - key: up
        name: up
        type: http
        url: "${base_url}/health"
"""
)


def test_it_leaves_git_ignored_files_out_of_a_git_fixture(tmp_path):
    fixture = Fixture(
        name="ignored",
        modelled_on="a service with a virtualenv",
        files={"README.md": "x\n"},
        ignored={".venv/lib/app.py": "print()\n"},
        expected={"has-app": "fail", "up": "skip"},
    )
    outcomes = assert_statuses(CHECKLIST, fixture, tmp_path / "r")
    assert outcomes["up"].summary == "no base URL set"


def test_it_leaves_dependency_folders_out_of_a_plain_folder(tmp_path):
    repo = build(
        Fixture("plain", "x", {"node_modules/a/app.py": "", "vendor/app.py": ""}, {}, git=False),
        tmp_path / "r",
    )
    assert run_starter(CHECKLIST, repo)["has-app"].status == "fail"
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("")
    assert run_starter(CHECKLIST, repo)["has-app"].status == "pass"


def test_it_names_every_check_whose_status_differs(tmp_path):
    repo = build(Fixture("x", "x", {"app.py": ""}, {}), tmp_path / "r")
    wrong = differences(run_starter(CHECKLIST, repo), {"has-app": "fail", "gone": "pass"})
    assert [line.split(":")[0] for line in wrong] == ["gone", "has-app", "up"]

"""The CI recipes in docs/ci/ call the real endpoint with its real parameters: their shell
is parsed (and checked by `bash -n`), their curl's path, method and form fields are looked
up in the OpenAPI document, and the summary they print is made from a real answer."""

from __future__ import annotations

import itertools
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from readiness.api.app import api

DOCS = Path(__file__).resolve().parents[3] / "docs" / "ci"


def github_shell() -> str:
    workflow = yaml.safe_load((DOCS / "github-actions.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    return "\n".join(step["run"] for step in steps if "run" in step)


def gitlab_shell() -> str:
    pipeline = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())
    return "\n".join(pipeline["readiness"]["script"])


RECIPES = {"github": github_shell, "gitlab": gitlab_shell}


def curl_calls(shell: str) -> list[list[str]]:
    joined = shell.replace("\\\n", " ")
    calls = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("curl ") and "/api/v1/" in line:
            calls.append(shlex.split(line.split(" || ")[0]))
    return calls


def form_fields(argv: list[str]) -> dict[str, str]:
    fields = {}
    for flag, value in itertools.pairwise(argv):
        if flag == "-F":
            name, _, given = value.partition("=")
            fields[name] = given
    return fields


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_shell_parses(recipe):
    bash = shutil.which("bash")
    done = subprocess.run([bash, "-n"], input=RECIPES[recipe](), text=True, capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_curl_call_uses_the_real_path_method_and_fields(recipe):
    schema = api.get_openapi_schema()
    calls = curl_calls(RECIPES[recipe]())
    assert len(calls) == 1
    argv = calls[0]
    url = next(a for a in argv if "/api/v1/" in a)
    path = url.removeprefix("$READINESS_URL")
    operation = schema["paths"][path]["post"]  # -F makes curl POST multipart
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = form_fields(argv)
    assert set(fields) <= set(form["properties"])
    assert {"checklist", "tarball", "project", "fail_under", "baseline"} <= set(fields)
    assert fields["checklist"].startswith("@") and fields["tarball"].startswith("@")
    assert "--fail-with-body" in argv  # the gate's 422 fails the job, the body is kept
    assert "Authorization: Bearer $READINESS_TOKEN" in argv


def test_github_writes_the_job_summary_and_gitlab_keeps_a_report_and_notes_the_mr():
    assert '>> "$GITHUB_STEP_SUMMARY"' in github_shell()
    pipeline = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())
    assert "readiness.md" in pipeline["readiness"]["artifacts"]["paths"]
    assert pipeline["readiness"]["artifacts"]["when"] == "always"
    assert "/merge_requests/$CI_MERGE_REQUEST_IID/notes" in gitlab_shell()


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_summary_is_made_from_a_real_answer(api_world, tmp_path):
    from tests.readiness.api.test_assess import upload

    failing = upload(api_world, files={"src/app.py": "x = 1\n"}, fail_under="9")
    assert failing.status_code == 422
    summary = _jq(failing.content, tmp_path)
    assert summary.startswith("## Readiness: ")
    assert "**Gate failed**: score" in summary
    assert "| Stripe webhook signature is verified | fail |" in summary
    refused = upload(api_world, fail_under="eleven")
    assert "`body.fail_under`" in _jq(refused.content, tmp_path)


def _jq(body: bytes, tmp_path: Path) -> str:
    answer = tmp_path / "readiness.json"
    answer.write_bytes(body)
    done = subprocess.run(
        ["jq", "-r", "-f", str(DOCS / "summary.jq"), str(answer)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_readme_shows_the_recipes_as_they_are_in_docs(name):
    readme = (DOCS.parents[1] / "README.md").read_text()
    assert "## CI recipe" in readme
    assert (DOCS / name).read_text().rstrip() in readme

"""POST /api/v1/assess: the CI gate, with a tarball or a project's revision."""

from __future__ import annotations

import io
import json
import os
import tarfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from readiness.models import Assessment, AssessmentStatus
from tests import factories
from tests.readiness.api.write_support import CHECKLIST, FILES, commit

URL = "/api/v1/assess"


def tar_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def upload(world, files=FILES, who="run", checklist=CHECKLIST, **fields):
    data = {
        "checklist": SimpleUploadedFile(".readiness.yml", checklist.encode()),
        "tarball": SimpleUploadedFile("tree.tar.gz", tar_of(files)),
        **{k: str(v) for k, v in fields.items()},
    }
    return world.client(who).post(URL, data=data)


def post_json(world, body, who="run"):
    return world.client(who).post(URL, data=json.dumps(body), content_type="application/json")


def without_timings(document: dict) -> dict:
    return {
        **document,
        "checks": [{k: v for k, v in c.items() if k != "duration_ms"} for c in document["checks"]],
    }


def test_a_tarball_is_assessed_as_assess_json_assesses_the_same_files(api_world, tmp_path):
    response = upload(api_world)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document.pop("gate") == {
        "passed": True,
        "reason": "no gate asked for (give fail_under or baseline)",
    }
    folder = tmp_path / "tree"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (tmp_path / "c.yml").write_text(CHECKLIST)
    out = StringIO()
    call_command(
        "assess",
        "--checklist",
        str(tmp_path / "c.yml"),
        "--repo",
        str(folder),
        "--json",
        stdout=out,
        stderr=StringIO(),
    )
    assert without_timings(document) == without_timings(json.loads(out.getvalue()))
    assert not Assessment.objects.exists()  # nothing stored


def test_a_project_revision_is_assessed_from_its_repository(api_world):
    sha = commit(api_world.repo, {"src/logging.py": None}, "drop the logger")
    response = post_json(api_world, {"checklist": CHECKLIST, "project": "payments-api", "ref": sha})
    assert response.status_code == 200, response.content
    document = response.json()
    assert document["revision"] == sha
    statuses = {c["key"]: c["status"] for c in document["checks"]}
    assert statuses["logger"] == "fail" and statuses["webhook-signature"] == "pass"


def test_the_checklist_may_be_a_json_object(api_world):
    import yaml

    response = post_json(
        api_world, {"checklist": yaml.safe_load(CHECKLIST), "project": "payments-api"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Payments readiness"


def test_a_score_under_fail_under_fails_the_gate_with_422_and_the_whole_report(api_world):
    files = {"src/app.py": "print('no signature check')\n"}
    response = upload(api_world, files=files, fail_under="9.5")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    document = response.json()
    assert document["gate"]["passed"] is False
    assert "below fail_under 9.5" in document["gate"]["reason"]
    assert document["detail"] == document["gate"]["reason"]
    assert document["score"] is not None and len(document["checks"]) == 3
    assert "errors" not in document


def test_a_ready_score_at_the_floor_passes(api_world):
    automatic = CHECKLIST[: CHECKLIST.index("  - key: reviews")]
    response = upload(api_world, checklist=automatic, fail_under="10")
    assert response.status_code == 200, response.json()["gate"]
    assert response.json()["gate"]["passed"] is True


def _assessment_of(world, sha, score):
    checklist = world.project.current_checklist()
    return factories.AssessmentFactory(
        project=world.project,
        checklist=checklist,
        revision=sha,
        score=score,
        status=AssessmentStatus.DONE,
        evaluated_at=timezone.now(),
    )


def test_a_score_lower_than_the_last_assessment_of_the_baseline_branch_fails(api_world):
    from tests.readiness.api.write_support import git

    main = git(api_world.repo, "rev-parse", "main")
    _assessment_of(api_world, main, 10.0)
    git(api_world.repo, "checkout", "-qb", "feature")
    commit(api_world.repo, {"src/other.py": "x = 1\n"}, "feature work")
    _assessment_of(api_world, git(api_world.repo, "rev-parse", "feature"), 1.0)  # not on main
    broken = {"src/app.py": "print('no signature check')\n", "src/logging.py": ""}
    response = upload(api_world, files=broken, project="payments-api", baseline="main")
    assert response.status_code == 422
    document = response.json()
    assert document["baseline"]["branch"] == "main"
    assert document["baseline"]["assessment"]["score"] == 10.0
    assert "lower than 10.00/10, the last assessment of main" in document["gate"]["reason"]
    same = upload(api_world, project="payments-api", baseline="main")
    assert same.status_code == 200, same.json()["gate"]


def test_a_branch_without_assessments_passes_and_says_so(api_world):
    response = upload(api_world, project="payments-api", baseline="main")
    assert response.status_code == 200
    assert response.json()["baseline"] == {"branch": "main", "assessment": None}
    assert "no finished assessment" in response.json()["gate"]["reason"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"project": "payments-api", "baseline": "no-such-branch"}, "body.baseline"),
        ({"baseline": "main"}, "body.baseline"),
        ({"fail_under": "eleven"}, "body.fail_under"),
        ({"fail_under": "11"}, "body.fail_under"),
        ({"project": "payments-api", "ref": "main"}, "body.ref"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(api_world, fields, where):
    response = upload(api_world, **fields)
    assert response.status_code == 422
    problem = response.json()
    assert where in [e["where"] for e in problem["errors"]], problem
    assert "gate" not in problem


def test_an_unknown_revision_is_named(api_world):
    response = post_json(
        api_world, {"checklist": CHECKLIST, "project": "payments-api", "ref": "nope"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["where"] == "body.ref"


def test_an_invalid_checklist_names_its_lines_and_keys(api_world):
    broken = CHECKLIST.replace("expect: present", "expect: maybe")
    response = upload(api_world, checklist=broken)
    assert response.status_code == 422
    line = broken.splitlines().index("        expect: maybe") + 1
    wheres = [e["where"] for e in response.json()["errors"]]
    assert any(w.startswith(f"line {line}, ") and w.endswith("expect") for w in wheres), wheres


def test_neither_tarball_nor_project_is_refused(api_world):
    response = post_json(api_world, {"checklist": CHECKLIST})
    assert response.status_code == 422
    assert response.json()["errors"][0]["where"] == "body.tarball"


def test_a_tarball_escaping_its_folder_is_refused_by_name(api_world):
    response = upload(api_world, files={**FILES, "../../evil.py": "x"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["where"] == "body.tarball" and "leaves the folder" in error["message"]


def test_a_tarball_over_the_limit_is_413(api_world, settings):
    settings.READINESS_API_TARBALL_MAX_BYTES = 2048
    response = upload(api_world, files={"big.bin": os.urandom(8192)})
    assert response.status_code == 413
    assert "READINESS_API_TARBALL_MAX_BYTES" in response.json()["detail"]


def test_a_request_declaring_more_than_the_limit_is_refused_before_it_is_read(api_world, settings):
    settings.READINESS_API_TARBALL_MAX_BYTES = 1024
    response = api_world.client(None).generic(
        "POST",
        URL,
        b"",
        content_type="multipart/form-data; boundary=x",
        headers={"Content-Length": str(10 << 20)},
    )
    assert response.status_code == 413


def test_too_many_files_are_refused(api_world, settings):
    settings.READINESS_API_TARBALL_MAX_FILES = 3
    response = upload(api_world, files={f"f{n}": "" for n in range(5)})
    assert response.status_code == 422
    assert "more than 3 files" in response.json()["errors"][0]["message"]


def test_slow_checks_that_could_outlast_the_limit_are_refused(api_world, settings):
    settings.READINESS_API_ASSESS_SECONDS = 30
    slow = CHECKLIST + (
        "  - key: runtime\n    weight: 1\n    checks:\n"
        "      - key: up\n        name: Up\n        type: http\n"
        "        url: ${base_url}/health\n        timeout_s: 60\n"
    )
    response = upload(api_world, checklist=slow)
    assert response.status_code == 422
    assert "more than the 30 s" in response.json()["errors"][0]["message"]

"""GET/PUT /api/v1/projects/{slug}/checklist: the upload page over the API."""

from __future__ import annotations

from checks.checklist import MAX_CHECKLIST_BYTES
from readiness.models import AuditEntry, ChecklistVersion
from tests.readiness.api.write_support import CHECKLIST

URL = "/api/v1/projects/payments-api/checklist"

BROKEN = CHECKLIST.replace("pattern: verify_signature", "pattern: '(unclosed'").replace(
    "expect: present", "expect: maybe"
)


def put(world, text, content_type="application/yaml", who="run", **extra):
    return world.client(who).put(URL, data=text, content_type=content_type, **extra)


def test_get_answers_the_same_bytes_as_the_pages_download(api_world):
    response = api_world.client("read").get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/yaml; charset=utf-8"
    api_world.client("read").get(URL)
    session = api_world.client(None)
    session.force_login(api_world.editor)
    page = session.get("/projects/payments-api/checklist/v1.yml")
    assert response.content == page.content == CHECKLIST.encode()


def test_put_saves_a_new_version_with_its_audit_entry_and_the_same_file_is_nothing_new(
    api_world,
):
    text = CHECKLIST.replace("Payments readiness", "Payments readiness v2")
    response = put(api_world, text, content_type="text/yaml; charset=utf-8")
    assert response.status_code == 201
    assert response.json()["number"] == 2 and response.json()["created"] is True
    entry = AuditEntry.objects.filter(action="checklist.version").latest("id")
    assert entry.actor == api_world.editor
    again = put(api_world, text)
    assert again.status_code == 200 and again.json() == {**response.json(), "created": False}
    assert api_world.client("read").get(URL).content == text.encode()


def test_an_invalid_file_is_a_422_naming_each_line_and_key_and_nothing_is_saved(api_world):
    response = put(api_world, BROKEN)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    wheres = [error["where"] for error in response.json()["errors"]]
    pattern_line = BROKEN.splitlines().index("        pattern: '(unclosed'") + 1
    expect_line = BROKEN.splitlines().index("        expect: maybe") + 1
    assert any(w.startswith(f"line {pattern_line}, ") and "pattern" in w for w in wheres)
    assert any(w.startswith(f"line {expect_line}, ") and "expect" in w for w in wheres)
    assert ChecklistVersion.objects.filter(project=api_world.project).count() == 1


def test_yaml_that_does_not_parse_says_its_line(api_world):
    response = put(api_world, "version: 1\nname: [unclosed\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["where"].startswith("line ")


def test_another_media_type_is_415_and_a_file_too_large_is_413(api_world):
    assert put(api_world, CHECKLIST, content_type="application/json").status_code == 415
    big = "# " + "x" * MAX_CHECKLIST_BYTES + "\n" + CHECKLIST
    response = put(api_world, big)
    assert response.status_code == 413
    assert str(MAX_CHECKLIST_BYTES) in response.json()["detail"]
    assert ChecklistVersion.objects.filter(project=api_world.project).count() == 1


def test_get_without_a_checklist_is_404(api_world):
    api_world.project.checklist_versions.all().delete()
    assert api_world.client("read").get(URL).status_code == 404

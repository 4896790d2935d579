"""Every write endpoint through the real URLs with each kind of caller: no token 401, a
read token 403, another team's token 404, a run token works, a session works as the pages
do — and a refused call changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from readiness.models import ActionItem, Assessment, Attestation, ChecklistVersion, Role
from tests import factories
from tests.integration.support import filesystem_broker, using
from tests.readiness.api.write_support import CHECKLIST

NEW_CHECKLIST = CHECKLIST.replace("Payments readiness", "Payments readiness, v2")

# (method, path under /api/v1/projects/<slug>/, body, content type)
WRITES = {
    "start an assessment": ("post", "assessments/", None, None),
    "attest": (
        "post",
        "attestations/",
        {
            "check_key": "quotas-reviewed",
            "status": "pass",
            "note": "Reviewed the quotas with the SRE team.",
            "evidence_url": "https://wiki.example.com/quotas",
        },
        "application/json",
    ),
    "add an action item": ("post", "action-items/", {"title": "Rotate keys"}, "application/json"),
    "upload a checklist": ("put", "checklist", NEW_CHECKLIST, "application/yaml"),
}


def call(client, method, slug, path, body, content_type):
    url = f"/api/v1/projects/{slug}/{path}"
    if body is None:
        return getattr(client, method)(url)
    data = json.dumps(body) if content_type == "application/json" else body
    return getattr(client, method)(url, data=data, content_type=content_type)


def changed(project) -> tuple[int, int, int, int]:
    return (
        Assessment.objects.filter(project=project).count(),
        Attestation.objects.filter(project=project).count(),
        ActionItem.objects.filter(project=project).count(),
        ChecklistVersion.objects.filter(project=project).count(),
    )


@pytest.fixture
def broker(tmp_path):
    with using(filesystem_broker(tmp_path / "broker")) as broker:
        yield broker


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        (None, "payments-api", 401),
        ("read", "payments-api", 403),
        ("metrics", "payments-api", 403),
        ("other-run", "payments-api", 404),
        ("run", "secret", 404),
        ("run", "nope", 404),
    ],
)
def test_it_refuses_callers_without_the_right_and_changes_nothing(
    api_world, broker, write, who, slug, status
):
    method, path, body, content_type = WRITES[write]
    before = changed(api_world.project)
    response = call(api_world.client(who), method, slug, path, body, content_type)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    if status == 401:
        assert response["WWW-Authenticate"] == "Bearer"
    assert changed(api_world.project) == before


@pytest.mark.parametrize("write", WRITES)
def test_a_run_token_writes(api_world, broker, write, django_capture_on_commit_callbacks):
    method, path, body, content_type = WRITES[write]
    with django_capture_on_commit_callbacks(execute=True):
        response = call(api_world.client("run"), method, "payments-api", path, body, content_type)
    assert response.status_code in (201, 202), response.content
    assert changed(api_world.project) != (0, 0, 0, 1)


@pytest.mark.parametrize("write", WRITES)
def test_an_editor_session_writes_and_a_viewer_session_is_forbidden(api_world, broker, write):
    method, path, body, content_type = WRITES[write]
    viewer = factories.UserFactory(username="vic")
    factories.MembershipFactory(team=api_world.team, user=viewer, role=Role.VIEWER)
    client = api_world.client(None)
    client.force_login(viewer)
    assert call(client, method, "payments-api", path, body, content_type).status_code == 403
    client.force_login(api_world.editor)
    response = call(client, method, "payments-api", path, body, content_type)
    assert response.status_code in (201, 202), response.content


def test_a_session_write_needs_the_csrf_token(api_world, broker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world.editor)
    response = client.post(
        "/api/v1/projects/payments-api/action-items/",
        data=json.dumps({"title": "Rotate keys"}),
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not ActionItem.objects.exists()


def test_the_ci_endpoint_follows_the_same_rules(api_world):
    body = {"checklist": CHECKLIST, "project": "payments-api"}

    def post(who):
        return api_world.client(who).post(
            "/api/v1/assess", data=json.dumps(body), content_type="application/json"
        )

    assert post(None).status_code == 401
    assert post("read").status_code == 403
    assert post("other-run").status_code == 404
    assert post("run").status_code == 200

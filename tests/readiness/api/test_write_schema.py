"""The write endpoints are in the OpenAPI document, which validates, and every method it
lists for a path is answered there (two routers declaring one path would leave one 405)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

WRITES = {
    ("/api/v1/projects/{slug}/assessments/", "post"),
    ("/api/v1/projects/{slug}/attestations/", "post"),
    ("/api/v1/projects/{slug}/action-items/", "get"),
    ("/api/v1/projects/{slug}/action-items/", "post"),
    ("/api/v1/projects/{slug}/checklist", "get"),
    ("/api/v1/projects/{slug}/checklist", "put"),
    ("/api/v1/assess", "post"),
}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_and_lists_every_write_endpoint(schema):
    validate(schema)
    listed = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert listed >= WRITES


def test_the_ci_endpoint_documents_both_request_bodies_and_its_gate(schema):
    operation = schema["paths"]["/api/v1/assess"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"multipart/form-data", "application/json"}
    for media in content.values():
        assert {"checklist", "project", "ref", "fail_under", "baseline"} <= set(
            media["schema"]["properties"]
        )
    assert {"200", "413", "422"} <= set(operation["responses"])


@pytest.mark.django_db
def test_every_listed_method_reaches_its_operation(schema, client):
    for path, item in schema["paths"].items():
        url = path.replace("{slug}", "nope").replace("{id}", "1").replace("{pk}", "1")
        for method in item:
            response = getattr(client, method)(url)
            assert response.status_code != 405, (method, path)

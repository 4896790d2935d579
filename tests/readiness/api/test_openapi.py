"""The OpenAPI document at /api/v1/openapi.json: valid (openapi-spec-validator), public,
and complete: every URL of the API and every method it answers are in it."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

# What django-ninja adds beside the operations: the schema itself, the docs, the root.
NOT_OPERATIONS = {"openapi-json", "openapi-view", "api-root"}


def schema() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200  # no login: it describes the API, holds no data
    return response.json()


def api_url_patterns() -> list[str]:
    """Every URL of the API (as OpenAPI writes paths), from Django's URL resolver."""
    [resolver] = [
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "api"
    ]
    prefix = "/" + str(resolver.pattern)
    return [
        prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern))
        for p in resolver.url_patterns
        if isinstance(p, URLPattern) and p.name not in NOT_OPERATIONS
    ]


def test_the_schema_has_no_key_twice() -> None:
    """JSON allows a key twice; Swagger UI's parser refuses the whole document."""
    twice = []

    def refuse_repeats(pairs: list) -> dict:
        keys = [key for key, _ in pairs]
        twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=refuse_repeats)
    assert not twice


def test_the_schema_is_valid_openapi() -> None:
    document = schema()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_api_url_is_in_the_schema() -> None:
    urls = api_url_patterns()
    assert urls and set(urls) <= set(schema()["paths"]), set(urls) - set(schema()["paths"])


def test_every_documented_method_reaches_its_operation() -> None:
    """Django answers a URL with its first pattern: two routers declaring one path would
    leave the second one's methods unreachable (405) though documented."""
    client = Client()
    for path, operations in schema()["paths"].items():
        url = re.sub(r"\{\w+\}", "1", path)
        for method in operations:
            response = client.generic(method.upper(), url)
            assert response.status_code != 405, (method, path)


def test_every_operation_has_a_summary_and_a_success_response() -> None:
    paths = schema()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert {"200", "201", "202", "204"} & set(operation["responses"]), (method, path)

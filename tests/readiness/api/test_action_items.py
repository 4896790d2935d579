"""GET/POST /api/v1/projects/{slug}/action-items/."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from readiness.models import ActionItem, ActionItemStatus

URL = "/api/v1/projects/payments-api/action-items/"


def post(world, body, who="run"):
    return world.client(who).post(URL, data=json.dumps(body), content_type="application/json")


def test_it_adds_an_item_and_lists_open_ones_by_due_date_then_done_ones(api_world):
    response = post(
        api_world, {"title": " Rotate keys ", "owner": "Erin", "due_date": "2030-01-31"}
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Rotate keys" and response.json()["status"] == "open"
    post(api_world, {"title": "Undated"})
    post(api_world, {"title": "Sooner", "due_date": "2029-06-01"})
    ActionItem.objects.create(
        project=api_world.project,
        title="Done one",
        status=ActionItemStatus.DONE,
        done_at=timezone.now(),
    )
    listed = api_world.client("read").get(URL).json()
    assert [item["title"] for item in listed] == ["Sooner", "Rotate keys", "Undated", "Done one"]
    done = api_world.client("read").get(URL, {"status": "done"}).json()
    assert [item["title"] for item in done] == ["Done one"]


def test_a_read_token_lists_but_cannot_add(api_world):
    assert api_world.client("read").get(URL).status_code == 200
    assert post(api_world, {"title": "x"}, who="read").status_code == 403
    assert api_world.client(None).get(URL).status_code == 401
    assert api_world.client("other-run").get(URL).status_code == 404


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"title": ""}, "body.title"),
        ({"title": "x" * 501}, "body.title"),
        ({"title": "ok", "due_date": "someday"}, "body.payload.due_date"),
        ({"title": "ok", "priority": "p" * 11}, "body.priority"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_saved(api_world, body, where):
    response = post(api_world, body)
    assert response.status_code == 422
    assert where in [e["where"] for e in response.json()["errors"]]
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_takes_the_same_queries_whatever_its_length(
    api_world, count, django_assert_num_queries
):
    for n in range(count):
        ActionItem.objects.create(
            project=api_world.project, title=f"item {n}", due_date=dt.date(2030, 1, 1)
        )
    client = api_world.client("read")
    # token lookup + last use, project, open items, done items
    with django_assert_num_queries(5):
        assert len(client.get(URL).json()) == count

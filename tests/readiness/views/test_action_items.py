import datetime as dt

from django.urls import reverse

from readiness.models import ActionItem, ActionItemStatus, Role
from tests import factories

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_it_adds_and_completes_action_items(world, login):
    client = login(Role.EDITOR)
    response = client.post(
        url("action-item-create", "payments-api"),
        {"title": "Deploy stripeWebhook", "owner": "alice", "due_date": "2026-03-01"},
        headers=HTMX,
    )
    assert response.status_code == 200
    item = ActionItem.objects.get(project=world.project)
    assert (item.title, item.owner, item.due_date) == (
        "Deploy stripeWebhook",
        "alice",
        dt.date(2026, 3, 1),
    )
    assert "Deploy stripeWebhook" in response.content.decode()
    response = client.post(url("action-item-complete", "payments-api", item.pk), headers=HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItemStatus.DONE
    assert item.done_at is not None


def test_it_shows_action_item_errors_and_saves_nothing(world, login):
    response = login(Role.EDITOR).post(
        url("action-item-create", "payments-api"), {"title": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert "form-error" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_it_forbids_viewers_to_manage_action_items(world, login):
    item = factories.ActionItemFactory(project=world.project)
    client = login(Role.VIEWER)
    assert client.post(url("action-item-create", "payments-api"), {"title": "x"}).status_code == 403
    assert client.post(url("action-item-complete", "payments-api", item.pk)).status_code == 403
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN


def test_it_does_not_complete_another_projects_action_item(world, login):
    item = factories.ActionItemFactory(project=world.other_project)
    response = login(Role.EDITOR).post(url("action-item-complete", "payments-api", item.pk))
    assert response.status_code == 404

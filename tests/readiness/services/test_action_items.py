import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from readiness.models import ActionItem, ActionItemStatus
from readiness.services.action_items import action_item_complete, action_item_create
from tests import factories


def test_it_creates_an_open_item(db):
    project = factories.ProjectFactory()
    item = action_item_create(
        project=project, title=" Deploy stripeWebhook ", owner="alice", due_date=dt.date(2026, 3, 1)
    )
    assert (item.title, item.status) == ("Deploy stripeWebhook", ActionItemStatus.OPEN)


def test_it_refuses_an_item_without_a_title(db):
    with pytest.raises(ValidationError):
        action_item_create(project=factories.ProjectFactory(), title="  ")
    assert not ActionItem.objects.exists()


def test_it_keeps_the_first_completion_time(db):
    item = factories.ActionItemFactory()
    first = timezone.now() - dt.timedelta(days=1)
    action_item_complete(item=item, now=first)
    action_item_complete(item=item)
    item.refresh_from_db()
    assert (item.status, item.done_at) == (ActionItemStatus.DONE, first)

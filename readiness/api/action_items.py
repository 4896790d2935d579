"""`GET/POST /api/v1/projects/{slug}/action-items/`: what a team still owes on a project,
listed and added as on the project page (the same form, the same service)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status

from readiness.api.auth import api_project
from readiness.api.problems import ProblemOut
from readiness.api.writes import invalid_fields, invalid_form
from readiness.models import ActionItem, ActionItemStatus, Role
from readiness.selectors.projects import action_item_list as action_items_of
from readiness.services.action_items import action_item_create as action_item_save
from readiness.views.forms import ActionItemForm

router = Router(tags=["action items"])


class ActionItemIn(Schema):
    title: str
    owner: str = ""
    due_date: dt.date | None = None
    priority: str = ""
    check_key: str = ""


class ActionItemOut(Schema):
    id: int
    title: str
    owner: str
    due_date: dt.date | None
    priority: str
    check_key: str
    status: str
    created_at: dt.datetime
    done_at: dt.datetime | None


def _out(item: ActionItem) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "owner": item.owner,
        "due_date": item.due_date,
        "priority": item.priority,
        "check_key": item.check_key,
        "status": item.status,
        "created_at": item.created_at,
        "done_at": item.done_at,
    }


@router.get(
    "{slug}/action-items/",
    response=list[ActionItemOut],
    summary="A project's action items",
    description=(
        "Open ones first, by due date (undated last), then done ones, latest first; "
        "`status` keeps only open or done ones."
    ),
)
def action_item_list(
    request: HttpRequest, slug: str, status: ActionItemStatus | None = None
) -> list[dict]:
    project = api_project(request, slug)
    return [_out(item) for item in action_items_of(project=project, status=status)]


@router.post(
    "{slug}/action-items/",
    response={201: ActionItemOut, 422: ProblemOut},
    summary="Add an action item",
    description="Needs a `run` token or an editor's session.",
)
def action_item_create(request: HttpRequest, slug: str, payload: ActionItemIn) -> Status:
    project = api_project(request, slug, role=Role.EDITOR)
    data = payload.dict()
    form = ActionItemForm({**data, "due_date": data["due_date"] or ""})
    if not form.is_valid():
        raise invalid_form(form)
    try:
        item = action_item_save(
            project=project,
            **form.cleaned_data,
            priority=payload.priority,
            check_key=payload.check_key,
        )
    except ValidationError as error:
        raise invalid_fields(error) from None
    return Status(201, _out(item))

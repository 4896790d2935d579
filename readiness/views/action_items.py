"""Action items on the project page: adding one, marking one done."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness.models import ActionItem, Project, Role
from readiness.permissions import project_for_user
from readiness.selectors.projects import action_items
from readiness.services import action_items as action_item_services
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import ActionItemForm, form_add_errors
from readiness.views.projects import TEMPLATE


def _action_items_response(
    request: HtmxHttpRequest, project: Project, form: ActionItemForm
) -> HttpResponse:
    return render_partial(
        request,
        TEMPLATE,
        {
            "project": project,
            **role_flags(project.user_role),
            "items": action_items(project=project),
            "today": timezone.localdate(),
            "action_item_form": form,
        },
        partial="action-items",
    )


@login_required
@require_POST
def action_item_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            action_item_services.action_item_create(project=project, **form.cleaned_data)
            form = ActionItemForm()
        except ValidationError as error:
            form_add_errors(form, error)
    return _action_items_response(request, project, form)


@login_required
@require_POST
def action_item_complete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    item = get_object_or_404(ActionItem, project=project, pk=pk)
    action_item_services.action_item_complete(item=item)
    return _action_items_response(request, project, ActionItemForm())

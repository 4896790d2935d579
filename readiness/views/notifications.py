"""A project's notifications on its page: the channels (added, tested and removed by the
team's editors and admins) and the latest deliveries with how they went."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from readiness.models import NotificationChannel, Project, Role
from readiness.models_notify import ChannelKind, NotifyRule
from readiness.permissions import project_for_user
from readiness.selectors.notifications import project_channels, recent_deliveries
from readiness.services.notify import delivery_test
from readiness.services.notify_channels import ChannelError, channel_add, channel_remove
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags

TEMPLATE = "readiness/_notifications.html"
PARTIAL = "notifications"
# The service's field names (those of `notify add`) as the form's.
_FORM_FIELDS = {"on": "rules", "webhook": "url", "apprise": "url", "days": "expiring_days"}


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Send to"), choices=ChannelKind.choices, initial=ChannelKind.WEBHOOK
    )
    # Checked by the service, which names what is wrong.
    url = forms.CharField(label=_("URL"), max_length=2000)
    secret = forms.CharField(
        label=_("Secret (webhook)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    rules = forms.MultipleChoiceField(
        label=_("Tell when"), choices=NotifyRule.choices, widget=forms.CheckboxSelectMultiple
    )
    min_drop = forms.FloatField(label=_("Score drop of at least"), initial=0.5)
    expiring_days = forms.IntegerField(label=_("Days before an attestation expires"), initial=14)
    language = forms.ChoiceField(label=_("Language of the messages"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By default, the language of the person adding the channel.
        self.fields["language"].initial = translation.get_language() or settings.LANGUAGE_CODE


def notifications_context(project: Project, *, form: ChannelForm | None = None) -> dict[str, Any]:
    """The notifications section of the project page."""
    return {
        "notify_channels": project_channels(project=project),
        "notify_deliveries": recent_deliveries(project=project),
        "notify_form": form or ChannelForm(),
    }


def _render(request: HtmxHttpRequest, project: Project, **extra: Any) -> HttpResponse:
    context = {
        "project": project,
        **role_flags(project.user_role),
        **notifications_context(project, form=extra.pop("form", None)),
        **extra,
    }
    return render_partial(request, TEMPLATE, context, partial=PARTIAL)


@login_required
@require_POST
def channel_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = ChannelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            channel = channel_add(
                project=project,
                kind=data["kind"],
                url=data["url"],
                secret=data["secret"],
                rules=data["rules"],
                min_drop=data["min_drop"],
                expiring_days=data["expiring_days"],
                language=data["language"],
                actor=request.user,
            )
        except ChannelError as error:
            field = _FORM_FIELDS.get(error.field, error.field)
            form.add_error(field if field in form.fields else None, str(error))
        else:
            message = gettext("Channel #%(id)s added.") % {"id": channel.pk}
            return _render(request, project, notify_message=message)
    return _render(request, project, form=form, notify_open=True)


def _channel(request: HtmxHttpRequest, slug: str, pk: int) -> tuple[Project, NotificationChannel]:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    channel = NotificationChannel.objects.filter(project=project, pk=pk).first()
    if channel is None:
        raise Http404
    channel.project = project
    return project, channel


@login_required
@require_POST
def channel_delete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project, channel = _channel(request, slug, pk)
    channel_remove(channel=channel, actor=request.user)
    message = gettext("Channel #%(id)s removed.") % {"id": pk}
    return _render(request, project, notify_message=message)


@login_required
@require_POST
def channel_test(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project, channel = _channel(request, slug, pk)
    delivery = delivery_test(channel=channel)
    if delivery.status == "sent":
        return _render(
            request,
            project,
            notify_message=gettext("Test message sent to channel #%(id)s.") % {"id": pk},
        )
    error = gettext("Test message to channel #%(id)s not sent: %(error)s") % {
        "id": pk,
        "error": delivery.error or delivery.status,
    }
    return _render(request, project, notify_error=error)

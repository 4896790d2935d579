"""The admin of notifications: channels (checked like `notify add`, the secret never shown
back, every change audited) and their deliveries (read-only: the workers write them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from readiness.models import NotificationChannel, NotificationDelivery
from readiness.models_notify import NotifyRule
from readiness.services.notify_channels import (
    ChannelError,
    channel_audit,
    channel_changed,
    channel_clean,
    channel_remove,
)

# The service's field names (those of `notify add`) as the form's.
_FORM_FIELDS = {"on": "rules", "webhook": "url", "apprise": "url", "days": "expiring_days"}


class ChannelAdminForm(forms.ModelForm):
    rules = forms.MultipleChoiceField(
        label=_("rules"), choices=NotifyRule.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("A webhook's signing key. Left empty on a change: the current one is kept."),
    )

    class Meta:
        model = NotificationChannel
        fields = [
            "project",
            "kind",
            "url",
            "secret",
            "rules",
            "min_drop",
            "expiring_days",
            "language",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.secret:
            self.fields["secret"].help_text = _(
                "Current: %(hint)s. Left empty, it is kept; type a new one to replace it."
            ) % {"hint": self.instance.secret_hint}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        secret = data.get("secret") or (self.instance.secret if self.instance.pk else "")
        try:
            cleaned = channel_clean(
                kind=data["kind"],
                url=data["url"],
                secret=secret,
                rules=data["rules"],
                min_drop=data["min_drop"],
                expiring_days=data["expiring_days"],
                language=data["language"],
            )
        except ChannelError as error:
            field = _FORM_FIELDS.get(error.field, error.field)
            self.add_error(field if field in self.fields else None, str(error))
            return data
        data.update(cleaned)
        return data


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    form = ChannelAdminForm
    list_display = [
        "id",
        "project",
        "kind",
        "target_label",
        "secret_hint",
        "rules",
        "language",
        "enabled",
    ]
    list_filter = ["kind", "language", "enabled"]
    search_fields = ["project__slug", "project__name"]
    autocomplete_fields = ["project"]

    def save_model(self, request: HttpRequest, obj: NotificationChannel, form, change) -> None:
        with transaction.atomic():
            before = None
            if change:
                stored = NotificationChannel.objects.get(pk=obj.pk)
                before = channel_audit(stored)
            else:
                obj.created_by = request.user
            obj.secret = form.cleaned_data["secret"]
            super().save_model(request, obj, form, change)
            channel_changed(channel=obj, before=before, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: NotificationChannel) -> None:
        channel_remove(channel=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for channel in queryset.select_related("project__team"):
            channel_remove(channel=channel, actor=request.user)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "channel",
        "rule",
        "subject",
        "status",
        "attempts",
        "response_code",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "rule"]
    search_fields = ["subject", "channel__project__slug"]
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

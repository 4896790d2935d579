"""The admin for every model, with schedules kept in step with django-celery-beat."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat.models import PeriodicTask

from readiness import models
from readiness.services.attestations import attestation_errors, manual_check
from readiness.services.audit import audit_record
from readiness.services.schedules import schedule_parse, schedule_sync, schedule_task_name
from readiness.services.sources import SourceError, source_check, source_check_subfolder


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    # Members added, re-roled or removed in the inline go to the team's audit trail.
    def save_formset(self, request, form, formset, change) -> None:
        with transaction.atomic():
            before = {m.pk: m.role for m in formset.get_queryset()} if change else {}
            super().save_formset(request, form, formset, change)
            for membership in formset.new_objects:
                self._audit(request, membership, "membership.add", None, membership.role)
            for membership, _fields in formset.changed_objects:
                previous = before.get(membership.pk)
                if previous != membership.role:
                    self._audit(request, membership, "membership.role", previous, membership.role)
            for membership in formset.deleted_objects:
                self._audit(request, membership, "membership.remove", membership.role, None)

    @staticmethod
    def _audit(request, membership, action: str, before: str | None, after: str | None) -> None:
        user = membership.user.get_username()
        audit_record(
            team=membership.team,
            actor=request.user,
            action=action,
            target=membership,
            before=None if before is None else {"user": user, "role": before},
            after=None if after is None else {"user": user, "role": after},
            summary=_("in the admin"),
        )


def _audit_changes(request, obj, form, action: str, fields: list[str]) -> None:
    """An audit entry for the admin's change of `fields` of `obj`, when any changed."""
    if not set(fields) & set(form.changed_data):
        return
    audit_record(
        team=obj.team,
        actor=request.user,
        action=action,
        target=obj,
        before={name: form.initial.get(name) for name in fields},
        after={name: getattr(obj, name) for name in fields},
        summary=_("in the admin"),
    )


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    autocomplete_fields = ["user", "team"]

    # Role changes made here go to the team's audit trail, as on the team page.
    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                audit_record(
                    team=obj.team,
                    actor=request.user,
                    action="membership.add",
                    target=obj,
                    after={"user": obj.user.get_username(), "role": obj.role},
                    summary=_("in the admin"),
                )
            elif "role" in form.changed_data:
                _audit_changes(request, obj, form, "membership.role", ["role"])

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            audit_record(
                team=obj.team,
                actor=request.user,
                action="membership.remove",
                target=obj,
                before={"user": obj.user.get_username(), "role": obj.role},
                summary=_("in the admin"),
            )
            super().delete_model(request, obj)


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = models.Project
        fields = [
            "team",
            "slug",
            "name",
            "source",
            "ref",
            "subfolder",
            "base_url",
            "schedule",
            "timezone",
            "target_level",
            "created_at",
        ]

    def clean_source(self) -> str:
        """The same rules as the dashboard's "Add a project": the folder exists and is
        readable, the git URL uses an allowed transport and answers git ls-remote."""
        source = self.cleaned_data["source"].strip()
        if self.instance.pk and source == self.instance.source:
            return source  # unchanged: other fields stay editable while the source is down
        if source.startswith("-"):
            raise forms.ValidationError(_("A source cannot start with -."))
        try:
            source_check(source=source)
        except SourceError as error:
            raise forms.ValidationError(str(error)) from None
        return source

    def clean_base_url(self) -> str:
        return models.base_url_clean(self.cleaned_data["base_url"])

    def clean_subfolder(self) -> str:
        try:
            return models.subfolder_clean(self.cleaned_data["subfolder"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_target_level(self) -> str:
        level = self.cleaned_data["target_level"].strip()
        checklist = self.instance.current_checklist() if self.instance.pk else None
        levels = list(checklist.levels) if checklist else []
        if level and level not in levels:
            raise forms.ValidationError(
                _("%(level)s is not a level of the checklist (%(levels)s).")
                % {"level": level, "levels": ", ".join(levels) or "-"}
            )
        return level

    def clean(self) -> dict:
        cleaned = super().clean()
        subfolder = cleaned.get("subfolder")
        changed = {"source", "ref", "subfolder"} & set(self.changed_data)
        if subfolder and cleaned.get("source") and changed:
            try:
                source_check_subfolder(
                    source=cleaned["source"], ref=cleaned.get("ref") or "", subfolder=subfolder
                )
            except SourceError as error:
                self.add_error("subfolder", str(error))
        schedule = (cleaned.get("schedule") or "").strip()
        if schedule:
            try:
                schedule_parse(schedule=schedule, timezone=cleaned.get("timezone") or "UTC")
            except ValueError as error:
                field = "timezone" if str(error).startswith("timezone") else "schedule"
                self.add_error(field, str(error))
        return cleaned


@admin.register(models.SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Links made at single sign-on; deleting one lets the next sign-in link again."""

    list_display = ["user", "subject", "issuer", "created_at", "last_login_at"]
    list_filter = ["issuer"]
    search_fields = ["subject", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "last_login_at"]


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = [
        "name",
        "slug",
        "team",
        "source",
        "subfolder",
        "base_url",
        "schedule",
        "timezone",
    ]
    list_filter = ["team"]
    search_fields = ["name", "slug", "source"]
    prepopulated_fields = {"slug": ["name"]}

    # Beat reads schedules from its own table: keep it in step with the project. Changes
    # of schedule and target level go to the team's audit trail, as on the dashboard.
    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            schedule_sync(project=obj)
            if change:
                _audit_changes(request, obj, form, "project.schedule", ["schedule", "timezone"])
                _audit_changes(request, obj, form, "project.target_level", ["target_level"])

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            PeriodicTask.objects.filter(name=schedule_task_name(obj)).delete()
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            names = [schedule_task_name(project) for project in queryset]
            PeriodicTask.objects.filter(name__in=names).delete()
            super().delete_queryset(request, queryset)


class CategoryInline(admin.TabularInline):
    model = models.Category
    extra = 0
    fields = ["position", "key", "name", "weight"]
    readonly_fields = fields
    can_delete = False


@admin.register(models.ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "name", "ready_at", "created_at"]
    list_filter = ["project"]
    readonly_fields = ["digest", "created_at", "extends", "bases", "campaigns"]
    inlines = [CategoryInline]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "weight", "checklist"]
    list_select_related = ["checklist__project"]
    search_fields = ["key", "name"]


@admin.register(models.Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "type", "severity", "weight", "category", "checklist"]
    list_filter = ["type", "severity"]
    list_select_related = ["category", "checklist__project"]
    search_fields = ["key", "name"]


class CategoryScoreInline(admin.TabularInline):
    model = models.CategoryScore
    extra = 0
    fields = ["key", "name", "weight", "score", "coverage"]
    readonly_fields = fields
    can_delete = False


@admin.register(models.Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "project",
        "evaluated_at",
        "trigger",
        "status",
        "score",
        "coverage",
        "verdict",
        "claimed",
        "retention_days",
    ]
    list_filter = ["status", "trigger", "verdict", "claimed", "project"]
    list_select_related = ["project"]
    date_hierarchy = "evaluated_at"
    # retention_anchor: a project's history can hold thousands of points.
    raw_id_fields = ["checklist", "requested_by", "retention_anchor"]
    inlines = [CategoryScoreInline]


@admin.register(models.CategoryScore)
class CategoryScoreAdmin(admin.ModelAdmin):
    list_display = ["assessment", "key", "score", "coverage"]
    raw_id_fields = ["assessment"]


@admin.register(models.CheckResult)
class CheckResultAdmin(admin.ModelAdmin):
    list_display = ["assessment", "check_item", "status", "summary", "attempts", "duration_ms"]
    list_filter = ["status"]
    list_select_related = ["assessment__project", "check_item"]
    raw_id_fields = ["assessment", "check_item"]


class AttestationAdminForm(forms.ModelForm):
    """The dashboard's rules for an attestation, so the admin cannot bypass them."""

    evidence_url = forms.URLField(
        label=gettext_lazy("evidence link"), required=False, max_length=1000, assume_scheme="https"
    )

    class Meta:
        model = models.Attestation
        fields = [
            "project",
            "check_key",
            "status",
            "note",
            "evidence_url",
            "user",
            "attested_by",
            "attested_at",
            "valid_until",
        ]

    def clean(self) -> dict:
        data = super().clean()
        project, key = data.get("project"), data.get("check_key")
        if project is None or not key:
            return data
        check = manual_check(project=project, check_key=key)
        if check is None:
            self.add_error(
                "check_key",
                _("%(check)s is not a manual check of this project's current checklist.")
                % {"check": key},
            )
            return data
        errors = attestation_errors(
            check=check,
            status=data.get("status") or "",
            note=data.get("note") or "",
            evidence_url=data.get("evidence_url") or "",
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return data


@admin.register(models.Attestation)
class AttestationAdmin(admin.ModelAdmin):
    form = AttestationAdminForm
    list_display = ["project", "check_key", "status", "attested_by", "attested_at", "valid_until"]
    list_filter = ["status", "project"]
    search_fields = ["check_key", "note", "attested_by"]
    raw_id_fields = ["user"]


@admin.register(models.ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "owner", "priority", "due_date", "status"]
    list_filter = ["status", "priority", "project"]
    search_fields = ["title", "owner"]


@admin.register(models.BackfillRequest)
class BackfillRequestAdmin(admin.ModelAdmin):
    list_display = ["project", "since", "every", "created_at", "requested_by"]
    list_filter = ["project"]
    readonly_fields = ["revisions"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows and never adds, changes nor deletes: its rows are written by
    readiness's services, which apply their rules and audit them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is append-only, written by readiness.services.audit."""

    list_display = ["at", "team", "actor_name", "action", "target_label", "summary"]
    list_filter = ["action", "team"]
    list_select_related = ["team"]
    search_fields = ["actor_name", "action", "target_label", "summary"]
    date_hierarchy = "at"


@admin.register(models.Waiver)
class WaiverAdmin(ReadOnlyAdmin):
    """Read-only: waivers are asked for and decided on the project's or the base checklist's
    page or with `manage.py waiver`, which apply the rules (who may decide, the maximum date)
    and audit them."""

    list_display = [
        "id",
        "project",
        "base",
        "check_key",
        "status",
        "until",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "team"]
    list_select_related = ["project", "base__team", "requested_by", "decided_by"]
    search_fields = ["check_key", "reason", "decision_note"]


class BaseChecklistVersionInline(admin.TabularInline):
    model = models.BaseChecklistVersion
    extra = 0
    fields = ["number", "created_at", "created_by", "digest"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.BaseChecklist)
class BaseChecklistAdmin(admin.ModelAdmin):
    """A new version goes through the team's base checklist page, which previews it on every
    extending project and gives each a new checklist version; here only the name changes."""

    list_display = ["name", "team", "slug", "created_at"]
    list_filter = ["team"]
    search_fields = ["name", "slug"]
    readonly_fields = ["team", "slug", "created_at"]
    inlines = [BaseChecklistVersionInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.BaseChecklistVersion)
class BaseChecklistVersionAdmin(admin.ModelAdmin):
    """Immutable, as every checklist version."""

    list_display = ["base", "number", "created_at", "created_by"]
    list_filter = ["base"]
    list_select_related = ["base__team", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Its checks, scope and joining are changed through the team's campaign pages, which
    rebuild the checklists of its projects; here its name, description and dates."""

    list_display = ["name", "team", "start", "target", "base", "joined_at"]
    list_filter = ["team"]
    search_fields = ["name", "slug"]
    readonly_fields = [
        "team",
        "slug",
        "teams",
        "base",
        "checks_text",
        "created_at",
        "created_by",
        "joined_at",
        "joined_version",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Read-only but for revoking: a token is made on the team page or with `manage.py
    api_token create`, which shows its secret once (only its hash is stored)."""

    list_display = ["name", "team", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset) -> None:
        from readiness.services.api_tokens import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token, by=request.user)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": len(queryset)})


@admin.register(models.ServiceCounter)
class ServiceCounterAdmin(ReadOnlyAdmin):
    """Read-only: the service's counts for /metrics, written by the processes themselves."""

    list_display = ["name", "value", "updated_at"]
    search_fields = ["name"]


@admin.register(models.MetricsAssessmentTotal)
class MetricsAssessmentTotalAdmin(ReadOnlyAdmin):
    """Read-only: the running totals of /metrics, written by the metrics rollup."""

    list_display = ["project", "trigger", "status", "count"]
    list_filter = ["trigger", "status"]
    list_select_related = ["project"]


@admin.register(models.MetricsDurationTotal)
class MetricsDurationTotalAdmin(ReadOnlyAdmin):
    """Read-only: the running totals of /metrics, written by the metrics rollup."""

    list_display = ["project", "type", "count", "sum_ms"]
    list_filter = ["type"]
    list_select_related = ["project"]


# Notifications keep their admin in their own module.
from readiness import admin_notify  # noqa: E402, F401

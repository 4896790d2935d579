from django.contrib import admin

from readiness import models


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


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "team", "source", "schedule", "timezone"]
    list_filter = ["team"]
    search_fields = ["name", "slug", "source"]
    prepopulated_fields = {"slug": ["name"]}


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
    readonly_fields = ["digest", "created_at"]
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
    ]
    list_filter = ["status", "trigger", "verdict", "claimed", "project"]
    list_select_related = ["project"]
    date_hierarchy = "evaluated_at"
    raw_id_fields = ["checklist", "requested_by"]
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


@admin.register(models.Attestation)
class AttestationAdmin(admin.ModelAdmin):
    list_display = ["project", "check_key", "status", "attested_by", "attested_at", "valid_until"]
    list_filter = ["status", "project"]
    search_fields = ["check_key", "note", "attested_by"]
    raw_id_fields = ["user"]


@admin.register(models.ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "owner", "priority", "due_date", "status"]
    list_filter = ["status", "priority", "project"]
    search_fields = ["title", "owner"]

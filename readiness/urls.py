"""Every URL of the dashboard, the admin, login (and single sign-on), the language picker and
the favicon."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

from readiness.api.app import api
from readiness.views import (
    action_items,
    api_tokens,
    assessments,
    attestations,
    audit,
    backfills,
    badge_keys,
    badges,
    base_urls,
    base_waivers,
    bases,
    campaigns,
    checklists,
    health,
    history,
    imports,
    metrics,
    notifications,
    overview,
    projects,
    runs,
    schedules,
    standup,
    teams,
    waivers,
)

app_patterns = [
    path("", overview.overview, name="overview"),
    path("projects/<slug:slug>/", projects.project_detail, name="project"),
    path("projects/<slug:slug>/chart/", projects.project_chart, name="project-chart"),
    path("projects/<slug:slug>/run/", runs.project_run, name="project-run"),
    path("projects/<slug:slug>/schedule/", schedules.project_schedule, name="project-schedule"),
    path("projects/<slug:slug>/base-url/", base_urls.project_base_url, name="project-base-url"),
    path("projects/<slug:slug>/badge-key/", badge_keys.project_badge_key, name="project-badge-key"),
    # Without login: the badge key in the query is the credential (readiness/views/badges.py).
    path("badge/<slug:slug>.svg", badges.badge_svg_view, name="badge-svg"),
    path("badge/<slug:slug>.json", badges.badge_json_view, name="badge-json"),
    path(
        "projects/<slug:slug>/attestations/",
        attestations.attestation_create,
        name="attestation-create",
    ),
    path(
        "projects/<slug:slug>/action-items/",
        action_items.action_item_create,
        name="action-item-create",
    ),
    path(
        "projects/<slug:slug>/action-items/<int:pk>/complete/",
        action_items.action_item_complete,
        name="action-item-complete",
    ),
    path("projects/<slug:slug>/waivers/", waivers.waiver_create, name="waiver-create"),
    path(
        "projects/<slug:slug>/waivers/<int:pk>/decide/",
        waivers.waiver_decide,
        name="waiver-decide",
    ),
    path(
        "projects/<slug:slug>/target-level/",
        waivers.project_target_level,
        name="project-target-level",
    ),
    path("projects/<slug:slug>/history/", history.history, name="history"),
    path("projects/<slug:slug>/checklist/", checklists.checklist, name="checklist"),
    path(
        "projects/<slug:slug>/checklist/v<int:number>.yml",
        checklists.checklist_download,
        name="checklist-download",
    ),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment"),
    path(
        "assessments/<int:pk>/progress/",
        runs.assessment_progress,
        name="assessment-progress",
    ),
    path("assessments/<int:pk>/cancel/", runs.assessment_cancel, name="assessment-cancel"),
    path("projects/<slug:slug>/import/", imports.import_document, name="import-document"),
    path("projects/<slug:slug>/report/", imports.report_download, name="report-download"),
    path("compare/", assessments.compare, name="compare"),
    path("teams/<slug:slug>/standup/", standup.standup, name="standup"),
    path("teams/<slug:slug>/", teams.team_detail, name="team"),
    path("teams/<slug:slug>/audit/", audit.audit_trail, name="team-audit"),
    path("teams/<slug:slug>/members/<int:pk>/role/", teams.member_role, name="member-role"),
    path("teams/<slug:slug>/members/<int:pk>/remove/", teams.member_remove, name="member-remove"),
    path("teams/<slug:slug>/api-tokens/", api_tokens.api_token_new, name="api-token-create"),
    path(
        "teams/<slug:slug>/api-tokens/<int:pk>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("teams/<slug:slug>/projects/new/", teams.project_new, name="project-new"),
    path("teams/<slug:slug>/checklists/", bases.base_list, name="bases"),
    path("teams/<slug:slug>/checklists/<slug:base>/", bases.base_detail, name="base"),
    path(
        "teams/<slug:slug>/checklists/<slug:base>/waivers/",
        base_waivers.base_waiver_create,
        name="base-waiver-create",
    ),
    path(
        "teams/<slug:slug>/checklists/<slug:base>/waivers/<int:pk>/decide/",
        base_waivers.base_waiver_decide,
        name="base-waiver-decide",
    ),
    path("teams/<slug:slug>/campaigns/", campaigns.campaign_list, name="campaigns"),
    path(
        "teams/<slug:slug>/campaigns/<slug:campaign>/",
        campaigns.campaign_detail,
        name="campaign",
    ),
    path(
        "teams/<slug:slug>/campaigns/<slug:campaign>/edit/",
        campaigns.campaign_edit,
        name="campaign-edit",
    ),
    path(
        "teams/<slug:slug>/campaigns/<slug:campaign>/delete/",
        campaigns.campaign_delete_view,
        name="campaign-delete",
    ),
    path(
        "teams/<slug:slug>/campaigns/<slug:campaign>/join/",
        campaigns.campaign_join_view,
        name="campaign-join",
    ),
    path("teams/<slug:slug>/projects/new/detect/", teams.project_detect, name="project-detect"),
    path("projects/<slug:slug>/backfill/", backfills.project_backfill, name="project-backfill"),
    path(
        "projects/<slug:slug>/notifications/",
        notifications.channel_create,
        name="notification-create",
    ),
    path(
        "projects/<slug:slug>/notifications/<int:pk>/remove/",
        notifications.channel_delete,
        name="notification-remove",
    ),
    path(
        "projects/<slug:slug>/notifications/<int:pk>/test/",
        notifications.channel_test,
        name="notification-test",
    ),
    path("projects/<slug:slug>/backfill/<int:pk>/", backfills.backfill_poll, name="backfill-poll"),
]

urlpatterns = [
    path("", include((app_patterns, "readiness"))),
    path("health/", health.health, name="health"),
    # Prometheus' conventional path, without a trailing slash.
    path("metrics", metrics.metrics, name="metrics"),
    path("api/v1/", api.urls),
    # Browsers and tools ask for /favicon.ico whatever the page links to.
    path("favicon.ico", RedirectView.as_view(url=static("readiness/favicon.ico"), permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/sso/", include("readiness.sso.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

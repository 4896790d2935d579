"""Campaigns: a team's list and new campaign form, a campaign's burn-up page, changing or
deleting one (admins), and joining its checks to its base checklist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from checks.checklist import ChecklistError
from readiness.charts import campaign_chart
from readiness.models import BaseChecklist, Campaign, Role, Team
from readiness.permissions import team_for_user, teams_for_user
from readiness.selectors.campaigns import campaign_burnup, team_campaigns
from readiness.services.campaigns import (
    CampaignError,
    campaign_create,
    campaign_delete,
    campaign_join,
    campaign_projects,
    campaign_update,
)
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms_shared import CampaignForm


def _form(
    request: HtmxHttpRequest,
    team: Team,
    data: object = None,
    campaign: Campaign | None = None,
) -> CampaignForm:
    """The campaign form: the user's teams and their bases to pick from (and those a
    campaign being changed already has, so that saving it does not drop them)."""
    visible = teams_for_user(request.user)
    teams = Team.objects.filter(
        Q(pk__in=visible.values("pk")) | Q(pk__in=campaign.teams.values("pk") if campaign else [])
    ).order_by("name")
    bases = BaseChecklist.objects.filter(
        Q(team__in=visible.values("pk")) | Q(pk=campaign.base_id if campaign else None)
    ).select_related("team")
    if campaign is None:
        initial = {"teams": [team]}
    else:
        initial = {
            "name": campaign.name,
            "description": campaign.description,
            "start": campaign.start,
            "target": campaign.target,
            "teams": list(campaign.teams.all()),
            "base": campaign.base,
            "checks_text": campaign.checks_text,
        }
    return CampaignForm(data, teams=teams, bases=bases, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the campaigns that concern the team; POST (admins): a new campaign, whose checks
    join the checklists of every project it covers at once."""
    team = team_for_user(request.user, slug)
    form = _form(request, team)
    problems: list = []
    status = 200
    if request.method == "POST":
        team = team_for_user(request.user, slug, role=Role.ADMIN)
        form = _form(request, team, request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign, updated = campaign_create(
                    team=team,
                    name=data["name"],
                    description=data["description"],
                    start=data["start"],
                    target=data["target"],
                    teams=list(data["teams"]),
                    base=data["base"],
                    checks_text=data["checks_text"],
                    actor=request.user,
                )
            except CampaignError as error:
                form.add_error(None, str(error))
            except ChecklistError as error:
                problems = error.problems
            else:
                if campaign.start > timezone.localdate():
                    message = _(
                        "Campaign saved: its checks join its projects' checklists on %(date)s."
                    ) % {"date": date_format(campaign.start, "SHORT_DATE_FORMAT")}
                else:
                    message = _("Campaign saved: %(count)s projects got its checks.") % {
                        "count": len(updated)
                    }
                messages.success(request, message)
                return redirect("readiness:campaign", slug=team.slug, campaign=campaign.slug)
    today = timezone.localdate()
    return render_page(
        request,
        "readiness/campaigns.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "campaigns": [(c, c.days_left(today)) for c in team_campaigns(team=team)],
            "today": today,
            "form": form,
            "problems": problems,
        },
        partial="form",
        status=status,
    )


def _campaign(team: Team, slug: str) -> Campaign:
    try:
        return Campaign.objects.select_related("base__team").get(team=team, slug=slug)
    except Campaign.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET"])
def campaign_detail(request: HtmxHttpRequest, slug: str, campaign: str) -> HttpResponse:
    team = team_for_user(request.user, slug)
    found = _campaign(team, campaign)
    burnup = campaign_burnup(campaign=found)
    return render_page(
        request,
        "readiness/campaign.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "campaign": found,
            "burnup": burnup,
            "chart": campaign_chart(burnup),
            "can_join": found.base is not None
            and not found.is_joined
            and burnup.today >= found.target,
            "not_started": burnup.today < found.start,
        },
        partial="behind",
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HtmxHttpRequest, slug: str, campaign: str) -> HttpResponse:
    """Team admins: change a campaign that has not joined its base. Errors are shown at
    their fields and nothing is saved then."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    found = _campaign(team, campaign)
    form = _form(request, team, campaign=found)
    problems: list = []
    status = 200
    if request.method == "POST":
        form = _form(request, team, request.POST, campaign=found)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                updated = campaign_update(
                    campaign=found,
                    actor=request.user,
                    name=data["name"],
                    description=data["description"],
                    start=data["start"],
                    target=data["target"],
                    teams=list(data["teams"]),
                    base=data["base"],
                    checks_text=data["checks_text"],
                )
            except CampaignError as error:
                form.add_error(None, str(error))
            except ChecklistError as error:
                problems = error.problems
            else:
                messages.success(
                    request,
                    ngettext(
                        "Campaign saved: %(count)s project got a new checklist version.",
                        "Campaign saved: %(count)s projects got a new checklist version.",
                        len(updated),
                    )
                    % {"count": len(updated)},
                )
                return redirect("readiness:campaign", slug=team.slug, campaign=found.slug)
    return render_page(
        request,
        "readiness/campaign_edit.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "campaign": found,
            "form": form,
            "problems": problems,
            "today": timezone.localdate(),
        },
        partial="form",
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_delete_view(request: HtmxHttpRequest, slug: str, campaign: str) -> HttpResponse:
    """Team admins. GET: what deleting the campaign would do, to confirm; POST: delete it
    (its projects lose its checks)."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    found = _campaign(team, campaign)
    error = ""
    if request.method == "POST":
        try:
            updated = campaign_delete(campaign=found, actor=request.user)
        except ChecklistError as problem:
            error = str(problem)
        else:
            messages.success(
                request,
                ngettext(
                    "Campaign %(name)s deleted: %(count)s project got a new checklist version.",
                    "Campaign %(name)s deleted: %(count)s projects got a new checklist version.",
                    len(updated),
                )
                % {"name": found.name, "count": len(updated)},
            )
            return redirect("readiness:campaigns", slug=team.slug)
    return render_page(
        request,
        "readiness/campaign_delete.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "campaign": found,
            "projects": campaign_projects(campaign=found),
            "applied": found.checklist_versions.values("project").distinct().count(),
            "error": error,
        },
        partial="confirm",
        status=400 if error else 200,
    )


@login_required
@require_POST
def campaign_join_view(request: HtmxHttpRequest, slug: str, campaign: str) -> HttpResponse:
    """Team admins: the campaign's checks join its base checklist (from its target date)."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    found = _campaign(team, campaign)
    try:
        updated = campaign_join(campaign=found, actor=request.user)
    except (CampaignError, ChecklistError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Its checks joined the base checklist: %(count)s projects got a new version.")
            % {"count": len(updated)},
        )
    return redirect("readiness:campaign", slug=team.slug, campaign=found.slug)

"""The team page: members and their roles, changed by the team's admins (who also manage
the team's API tokens, readiness/views/api_tokens.py); and adding a project to the team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from checks.checklist import ChecklistError
from readiness.models import Role, Team, base_url_clean
from readiness.permissions import role_allows, team_for_user
from readiness.reports.fitting import unread_texts
from readiness.selectors.api_tokens import team_tokens
from readiness.selectors.checklists import starter_checklists
from readiness.selectors.teams import team_members, team_projects
from readiness.services.projects import DETECT, ProjectError, project_add
from readiness.services.starters import FitError, fit_summary, starter_fit_source
from readiness.services.teams import (
    MembershipError,
    membership_add,
    membership_remove,
    membership_set_role,
)
from readiness.views.common import HtmxHttpRequest, render_page, render_partial, role_flags
from readiness.views.forms import ApiTokenForm, MemberAddForm, MemberRoleForm, ProjectAddForm

TEMPLATE = "readiness/team.html"


def _tokens_context(team: Team, tokens: dict[str, Any] | None) -> dict[str, Any]:
    """The API tokens section, for the team's admins only: the tokens, the form, and the
    secret of the token just made (`tokens`: form, created, secret)."""
    if not role_allows(team.user_role, Role.ADMIN):
        return {}
    tokens = tokens or {}
    return {
        "api_tokens": team_tokens(team=team),
        "api_token_form": tokens.get("form") or ApiTokenForm(),
        "api_token_created": tokens.get("created"),
        "api_token_secret": tokens.get("secret", ""),
    }


def team_page(
    request: HtmxHttpRequest,
    team: Team,
    *,
    add_form: MemberAddForm | None = None,
    tokens: dict[str, Any] | None = None,
    partial: str = "members",
    status: int = 200,
) -> HttpResponse:
    """The team page, or its `partial` for HTMX."""
    return render_page(
        request,
        TEMPLATE,
        {
            "team": team,
            **role_flags(team.user_role),
            "members": team_members(team=team),
            "projects": team_projects(team=team),
            "roles": Role.choices,
            "add_form": add_form or MemberAddForm(),
            **_tokens_context(team, tokens),
        },
        partial=partial,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: every member sees the members and roles; POST (admins) adds a member."""
    team = team_for_user(request.user, slug)
    if request.method == "GET":
        return team_page(request, team)
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = membership_add(
                team=team,
                identifier=form.cleaned_data["who"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except MembershipError as error:
            form.add_error("who", str(error))
        else:
            messages.success(
                request,
                _("%(user)s added as %(role)s.")
                % {"user": membership.user.get_username(), "role": membership.get_role_display()},
            )
            return redirect("readiness:team", slug=team.slug)
    return team_page(request, team, add_form=form)


@login_required
@require_POST
def member_role(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("readiness:team", slug=team.slug)
    try:
        membership = membership_set_role(
            team=team, membership_id=pk, role=form.cleaned_data["role"], actor=request.user
        )
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.get_username(), "role": membership.get_role_display()},
        )
    return redirect("readiness:team", slug=team.slug)


@login_required
@require_POST
def member_remove(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    try:
        membership = membership_remove(team=team, membership_id=pk, actor=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(user)s removed from the team.") % {"user": membership.user.get_username()},
        )
        if membership.user_id == request.user.pk and not request.user.is_superuser:
            return redirect("readiness:overview")  # the team page is no longer theirs
    return redirect("readiness:team", slug=team.slug)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Add a project to the team (admins). Every error is shown on the form, the
    checklist's with their lines; nothing is saved then."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    starters = starter_checklists()
    form = ProjectAddForm(starters=starters)
    problems = []
    if request.method == "POST":
        form = ProjectAddForm(request.POST, request.FILES, starters=starters)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("file")
            try:
                project = project_add(
                    team=team,
                    name=data["name"],
                    slug=data["slug"],
                    source=data["source"],
                    ref=data["ref"],
                    subfolder=data["subfolder"],
                    base_url=data["base_url"],
                    starter=data["starter"],
                    path_prefix=data["path_prefix"],
                    upload=upload.read() if upload else None,
                    upload_name=upload.name if upload else ".readiness.yml",
                    actor=request.user,
                )
            except ProjectError as error:
                for problem in error.all:
                    field = problem.field if problem.field in form.fields else None
                    form.add_error(field, str(problem))
            except ChecklistError as error:
                problems = error.problems
            else:
                messages.success(
                    request,
                    _(
                        "Project %(name)s added. Backfill its history or set its schedule "
                        "below, or run it now."
                    )
                    % {"name": project.name},
                )
                return redirect("readiness:project", slug=project.slug)
    return render_page(
        request,
        "readiness/project_new.html",
        {
            "team": team,
            "form": form,
            "project_fields": [
                form[name] for name in ("name", "slug", "source", "ref", "subfolder", "base_url")
            ],
            "checklist_fields": [form[name] for name in ("starter", "path_prefix", "file")],
            "problems": problems,
        },
        partial="form",
    )


@login_required
@require_POST
def project_detect(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The add-project form's "Detect" step: which starter fits the source (a local
    folder, or a git URL's commit read without a checkout) and where, and the dry run of
    the fitted checklist (file and manual checks).
    Nothing is saved."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    starters = starter_checklists()
    form = ProjectAddForm(request.POST, starters=starters)
    form.is_valid()
    data = form.cleaned_data
    detection, error = None, ""
    try:
        base_url = base_url_clean(data.get("base_url", ""))
    except ValidationError:
        base_url = ""  # the field says what is wrong when the form is sent
    try:
        detection = fit_summary(
            starter_fit_source(
                source=data.get("source", ""),
                ref=data.get("ref", ""),
                subfolder=data.get("subfolder", ""),
                base_url=base_url,
                slow_checks=False,
            )
        )
    except (FitError, ValueError) as problem:
        error = str(problem)
    if detection is not None:
        form = ProjectAddForm(initial={"starter": DETECT, "path_prefix": ""}, starters=starters)
    return render_partial(
        request,
        "readiness/project_new.html",
        {
            "team": team,
            "form": form,
            "detection": detection,
            "detection_unread": unread_texts(detection) if detection is not None else [],
            "detection_error": error,
            "starter_field": form["starter"],
        },
        partial="detection",
    )

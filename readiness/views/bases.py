"""A team's base checklists: the list, a new one, and a change of one, previewed on every
project that extends it before it is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from checks.checklist import ChecklistError
from readiness.models import BaseChecklist, Role, Team
from readiness.permissions import team_for_user
from readiness.selectors.bases import base_preview, team_bases
from readiness.services.bases import base_checklist_check, base_checklist_save, extending_projects
from readiness.views.base_waivers import base_waivers_context
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms_shared import BaseChecklistForm

LIST_TEMPLATE = "readiness/bases.html"
TEMPLATE = "readiness/base.html"


@login_required
@require_http_methods(["GET", "POST"])
def base_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the team's bases; POST (admins): a new base, checked on its own."""
    team = team_for_user(request.user, slug)
    form = BaseChecklistForm()
    problems: list = []
    status = 200
    if request.method == "POST":
        team = team_for_user(request.user, slug, role=Role.ADMIN)
        form = BaseChecklistForm(request.POST)
        if form.is_valid() and not form.cleaned_data["slug"]:
            form.add_error("slug", _("Give the base a slug: projects extend it by it."))
        if form.is_valid():
            exists = BaseChecklist.objects.filter(team=team, slug=form.cleaned_data["slug"])
            if exists.exists():
                form.add_error("slug", _("The team already has a base checklist of that slug."))
        if form.is_valid():
            try:
                version, _updated = base_checklist_save(
                    team=team,
                    slug=form.cleaned_data["slug"],
                    name=form.cleaned_data["name"],
                    source=form.cleaned_data["text"],
                    actor=request.user,
                )
            except ChecklistError as error:
                problems = error.problems
            else:
                messages.success(request, _("Base checklist saved."))
                return redirect("readiness:base", slug=team.slug, base=version.base.slug)
        status = 400
    return render_page(
        request,
        LIST_TEMPLATE,
        {
            "team": team,
            **role_flags(team.user_role),
            "bases": team_bases(team=team),
            "form": form,
            "problems": problems,
        },
        partial="bases",
        status=status,
    )


def _base(team: Team, slug: str) -> BaseChecklist:
    try:
        return BaseChecklist.objects.get(team=team, slug=slug)
    except BaseChecklist.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def base_detail(request: HtmxHttpRequest, slug: str, base: str) -> HttpResponse:
    """GET: the base, its versions and projects. POST (admins) with action "preview": what
    the changed file would do to every extending project, nothing saved; "save": saves it
    (refused while a project's checklist would break)."""
    team = team_for_user(request.user, slug)
    base_checklist = _base(team, base)
    current = base_checklist.current_version()
    form = BaseChecklistForm(initial={"text": current.source_text if current else ""})
    problems: list = []
    preview = None
    status = 200
    if request.method == "POST":
        team = team_for_user(request.user, slug, role=Role.ADMIN)
        form = BaseChecklistForm(request.POST)
        status = 400
        if form.is_valid():
            text = form.cleaned_data["text"]
            try:
                base_checklist_check(source=text, filename=base_checklist.ref)
            except ChecklistError as error:
                problems = error.problems
            else:
                preview = base_preview(base=base_checklist, text=text)
                status = 200
                if form.cleaned_data["action"] == "save" and not preview.blocked:
                    return _save(request, team, base_checklist, text)
    return render_page(
        request,
        TEMPLATE,
        {
            "team": team,
            **role_flags(team.user_role),
            "base": base_checklist,
            "current": current,
            "versions": base_checklist.versions.order_by("-number")[:20],
            "projects": [project for project, _v in extending_projects(base=base_checklist)],
            "form": form,
            "problems": problems,
            "preview": preview,
            **base_waivers_context(request, team, base_checklist),
        },
        partial="editor",
        status=status,
    )


def _save(request: HtmxHttpRequest, team: Team, base: BaseChecklist, text: str) -> HttpResponse:
    try:
        version, updated = base_checklist_save(
            team=team, slug=base.slug, source=text, actor=request.user
        )
    except ChecklistError as error:
        messages.error(request, str(error))
        return redirect("readiness:base", slug=team.slug, base=base.slug)
    messages.success(
        request,
        ngettext(
            "Saved as version %(number)s: %(count)s project got a new checklist version.",
            "Saved as version %(number)s: %(count)s projects got a new checklist version.",
            len(updated),
        )
        % {"number": version.number, "count": len(updated)},
    )
    return redirect("readiness:base", slug=team.slug, base=base.slug)

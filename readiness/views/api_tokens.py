"""The team page's API tokens, managed by the team's admins: made (the secret shown once,
in the answer to the form, never stored nor sent again) and revoked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from readiness.models import ApiToken, Role
from readiness.permissions import team_for_user
from readiness.services.api_tokens import api_token_create, api_token_revoke
from readiness.views.common import HtmxHttpRequest
from readiness.views.forms import ApiTokenForm
from readiness.views.teams import team_page


@never_cache  # the answer holds the secret: no cache keeps it
@login_required
@require_POST
def api_token_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Make a token (admins) and show its secret once; the form's errors otherwise."""
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(
                team=team,
                scope=form.cleaned_data["scope"],
                name=form.cleaned_data["name"],
                by=request.user,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return team_page(
                request, team, partial="api-tokens", tokens={"created": token, "secret": secret}
            )
    return team_page(request, team, partial="api-tokens", tokens={"form": form}, status=400)


@login_required
@require_POST
def api_token_revoke_view(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = team_for_user(request.user, slug, role=Role.ADMIN)
    token = ApiToken.objects.filter(team=team, pk=pk).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token, by=request.user)
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("readiness:team", slug=team.slug)

"""The team standup: every project of a team on one screen, since the last standup."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from readiness.permissions import team_for_user
from readiness.selectors.campaigns import campaign_reminders
from readiness.selectors.standup import standup_digest
from readiness.views.common import HtmxHttpRequest, role_flags
from readiness.views.forms import StandupForm


@login_required
@require_GET
def standup(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = team_for_user(request.user, slug)
    now = timezone.now()
    form = StandupForm(request.GET)
    since = form.since_time(now)
    return render(
        request,
        "readiness/standup.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "form": form,
            "since": since,
            "now": now,
            "digests": standup_digest(team=team, since=since, now=now),
            "reminders": campaign_reminders(team=team, today=timezone.localdate(now)),
        },
    )

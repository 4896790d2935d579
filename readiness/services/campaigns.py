"""Campaigns: checks added or tightened for many projects by a date. Creating one gives
every project in its scope a new checklist version with its checks; joining it to its base
checklist (from its target date) makes them the base's own."""

from __future__ import annotations

import datetime as dt
import logging

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from checks.checklist import ChecklistError, Problem, decode_checklist
from checks.joining import joined_data, joined_text
from readiness.models import BaseChecklist, Campaign, ChecklistVersion, Project, Team
from readiness.services.audit import audit_record
from readiness.services.bases import base_checklist_save, extending_projects
from readiness.services.checklists import checklist_version_rebuild

logger = logging.getLogger(__name__)


class CampaignError(ValueError):
    """A campaign that cannot be saved or joined; the message says why."""


def campaign_projects(*, campaign: Campaign) -> list[Project]:
    """The projects a campaign covers: those of its teams and those extending its base."""
    found = {p.pk: p for p in Project.objects.filter(team__in=campaign.teams.all())}
    if campaign.base is not None:
        found |= {p.pk: p for p, _v in extending_projects(base=campaign.base)}
    return sorted(found.values(), key=lambda p: (p.name.lower(), p.pk))


def campaign_check_keys(text: str) -> list[str]:
    """The keys of the checks a campaign adds, then of those it tightens (its `overrides`)."""
    data = yaml.safe_load(text) or {}
    keys = [
        check["key"]
        for category in data.get("categories") or []
        for check in category.get("checks") or []
    ]
    return keys + [key for key in (data.get("overrides") or {}) if key not in keys]


@transaction.atomic
def campaign_create(
    *,
    team: Team,
    name: str,
    start: dt.date,
    target: dt.date,
    checks_text: str | bytes,
    actor: AbstractBaseUser | None,
    teams: list[Team] = (),
    base: BaseChecklist | None = None,
    description: str = "",
    slug: str = "",
) -> tuple[Campaign, list[ChecklistVersion]]:
    """Save a campaign and give every project it covers a new checklist version with its
    checks. Raises CampaignError for a bad field, ChecklistError (naming the project) when
    its checks do not fit a project's checklist; nothing is saved then."""
    slug = slugify(slug or name)[:100]
    if not slug:
        raise CampaignError(_("The name needs at least one letter or digit."))
    if target < start:
        raise CampaignError(_("The target date comes before the start."))
    if not teams and base is None:
        raise CampaignError(_("Pick the teams or the base checklist whose projects it covers."))
    if Campaign.objects.filter(team=team, slug=slug).exists():
        raise CampaignError(_("The team already has a campaign %(slug)s.") % {"slug": slug})
    text = decode_checklist(checks_text, filename=f"campaign {slug}")
    if not campaign_check_keys_safe(text, slug):
        raise ChecklistError(
            [Problem(f"campaign {slug}", None, "", "adds no check and overrides none")]
        )
    campaign = Campaign.objects.create(
        team=team,
        slug=slug,
        name=name,
        description=description,
        start=start,
        target=target,
        base=base,
        checks_text=text,
        created_by=actor,
    )
    campaign.teams.set(teams)
    updated = _projects_rebuild(campaign_projects(campaign=campaign))
    audit_record(
        team=team,
        actor=actor,
        action="campaign.create",
        target=campaign,
        after={
            "start": start,
            "target": target,
            "checks": campaign_check_keys(text),
            "projects": [v.project.slug for v in updated],
        },
        summary=f"{name}: {len(updated)} projects get its checks",
    )
    return campaign, updated


def campaign_check_keys_safe(text: str, slug: str) -> list[str]:
    """campaign_check_keys, or ChecklistError when the text is not a mapping of lists."""
    try:
        return campaign_check_keys(text)
    except (yaml.YAMLError, AttributeError, TypeError, KeyError):
        raise ChecklistError(
            [
                Problem(
                    f"campaign {slug}",
                    None,
                    "",
                    "write it like a checklist: version: 1, categories: with checks to add, "
                    "overrides: with checks to tighten",
                )
            ]
        ) from None


def _projects_rebuild(projects: list[Project]) -> list[ChecklistVersion]:
    updated = []
    for project in projects:
        current = project.current_checklist()
        if current is None:
            continue
        version = checklist_version_rebuild(project=project, current=current)
        if version is not None:
            updated.append(version)
    return updated


@transaction.atomic
def campaign_join(
    *, campaign: Campaign, actor: AbstractBaseUser | None, today: dt.date | None = None
) -> list[ChecklistVersion]:
    """Make the campaign's checks part of its base checklist: a new base version with them
    (every extending project gets it), and the campaign marked joined. From its target
    date only. Raises CampaignError or ChecklistError; nothing is saved then."""
    today = today or timezone.localdate()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.base is None:
        raise CampaignError(_("This campaign has no base checklist to join."))
    if campaign.is_joined:
        raise CampaignError(_("This campaign already joined its base checklist."))
    if today < campaign.target:
        raise CampaignError(
            _("The checks can join the base from the target date, %(date)s.")
            % {"date": campaign.target.isoformat()}
        )
    base = campaign.base
    current = base.current_version()
    text = base_text_joined(current.source_text, campaign.checks_text)
    campaign.joined_at = timezone.now()
    campaign.save(update_fields=["joined_at"])
    version, updated = base_checklist_save(team=base.team, slug=base.slug, source=text, actor=actor)
    campaign.joined_version = version
    campaign.save(update_fields=["joined_version"])
    # Projects of the campaign's teams that do not extend the base lose its checks.
    updated += _projects_rebuild(campaign_projects(campaign=campaign))
    audit_record(
        team=campaign.team,
        actor=actor,
        action="campaign.join",
        target=campaign,
        before={"base_version": current.number},
        after={"base_version": version.number, "checks": campaign_check_keys(campaign.checks_text)},
        summary=f"{campaign.name}: its checks joined {base.ref} v{version.number}",
    )
    return updated


def base_text_joined(base_text: str, campaign_text: str) -> str:
    """The base's file with the campaign's checks added to its categories and its overrides
    written into the checks they tighten (or the base's own `overrides:` for checks it
    inherits), edited in its text so that its comments and layout are kept. Should the edit
    ever not mean what the data merge says, the merged data is written plainly instead."""
    expected = joined_data(yaml.safe_load(base_text), yaml.safe_load(campaign_text) or {})
    try:
        text = joined_text(base_text, campaign_text)
        if yaml.safe_load(text) == expected:
            return text
    except (yaml.YAMLError, ValueError, TypeError, AttributeError):
        pass
    logger.warning("campaign join: the base's text could not be edited in place; rewritten")
    return yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=100)

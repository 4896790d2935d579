"""Campaigns: checks added or tightened for many projects by a date. From its start date
every project in its scope gets a new checklist version with its checks; changing or deleting
one rebuilds them again; joining it to its base checklist (from its target date) makes them
the base's own."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

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
from readiness.services.builds import campaigns_for, project_build
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


def _fields_check(
    *,
    team: Team,
    slug: str,
    name: str,
    start: dt.date,
    target: dt.date,
    teams: list[Team],
    base: BaseChecklist | None,
    checks_text: str | bytes,
    exclude_pk: int | None = None,
) -> str:
    """The campaign's checks as text once its fields are valid. Raises CampaignError for a
    bad field, ChecklistError when the checks are not written like a checklist."""
    if not slug:
        raise CampaignError(_("The name needs at least one letter or digit."))
    if not name.strip():
        raise CampaignError(_("Give the campaign a name."))
    if target < start:
        raise CampaignError(_("The target date comes before the start."))
    if not teams and base is None:
        raise CampaignError(_("Pick the teams or the base checklist whose projects it covers."))
    if Campaign.objects.filter(team=team, slug=slug).exclude(pk=exclude_pk).exists():
        raise CampaignError(_("The team already has a campaign %(slug)s.") % {"slug": slug})
    text = decode_checklist(checks_text, filename=f"campaign {slug}")
    if not campaign_check_keys_safe(text, slug):
        raise ChecklistError(
            [Problem(f"campaign {slug}", None, "", "adds no check and overrides none")]
        )
    return text


def _state(campaign: Campaign) -> dict[str, Any]:
    """What an audit entry keeps of a campaign."""
    return {
        "name": campaign.name,
        "description": campaign.description,
        "start": campaign.start,
        "target": campaign.target,
        "teams": sorted(campaign.teams.values_list("slug", flat=True)),
        "base": campaign.base.ref if campaign.base else None,
        "checks": campaign_check_keys(campaign.checks_text),
        "checks_text": campaign.checks_text,
    }


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
    today: dt.date | None = None,
) -> tuple[Campaign, list[ChecklistVersion]]:
    """Save a campaign. From its start date its checks join the checklist of every project
    it covers: at once when it has started (their new versions are returned), else at each
    project's first assessment from that day. Raises CampaignError for a bad field,
    ChecklistError (naming the project) when its checks do not fit a project's checklist;
    nothing is saved then."""
    slug = slugify(slug or name)[:100]
    text = _fields_check(
        team=team,
        slug=slug,
        name=name,
        start=start,
        target=target,
        teams=list(teams),
        base=base,
        checks_text=checks_text,
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
    updated = _apply(campaign_projects(campaign=campaign), campaign, today)
    audit_record(
        team=team,
        actor=actor,
        action="campaign.create",
        target=campaign,
        after={**_state(campaign), "projects": [v.project.slug for v in updated]},
        summary=f"{name}: {len(updated)} projects get its checks",
    )
    return campaign, updated


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    name: str,
    start: dt.date,
    target: dt.date,
    checks_text: str | bytes,
    teams: list[Team] = (),
    base: BaseChecklist | None = None,
    description: str = "",
    today: dt.date | None = None,
) -> list[ChecklistVersion]:
    """Change a campaign that has not joined its base (its slug stays). The projects it
    covered and those it covers now get their checklist rebuilt as of today. Raises
    CampaignError or ChecklistError; nothing is saved then."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("base__team")
        .get(pk=campaign.pk)
    )
    if campaign.is_joined:
        raise CampaignError(_("This campaign joined its base checklist: it can no longer change."))
    text = _fields_check(
        team=campaign.team,
        slug=campaign.slug,
        name=name,
        start=start,
        target=target,
        teams=list(teams),
        base=base,
        checks_text=checks_text,
        exclude_pk=campaign.pk,
    )
    before = _state(campaign)
    covered = campaign_projects(campaign=campaign)
    campaign.name, campaign.description = name, description
    campaign.start, campaign.target = start, target
    campaign.base, campaign.checks_text = base, text
    campaign.save(update_fields=["name", "description", "start", "target", "base", "checks_text"])
    campaign.teams.set(teams)
    after = _state(campaign)
    if after == before:
        return []
    covers = campaign_projects(campaign=campaign)
    updated = _apply(_union(covered, covers), campaign, today, check=covers)
    changed = sorted(key for key in after if after[key] != before[key])
    audit_record(
        team=campaign.team,
        actor=actor,
        action="campaign.update",
        target=campaign,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed}
        | {"projects": [v.project.slug for v in updated]},
        summary=f"{campaign.name}: " + ", ".join(changed),
    )
    return updated


@transaction.atomic
def campaign_delete(
    *, campaign: Campaign, actor: AbstractBaseUser | None
) -> list[ChecklistVersion]:
    """Delete a campaign: the projects it covers lose its checks (a new checklist version
    each). A campaign that joined its base leaves its checks there. Raises ChecklistError
    when a project's checklist needs them (it overrides one); nothing is deleted then."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("base__team")
        .get(pk=campaign.pk)
    )
    before = _state(campaign)
    covered = campaign_projects(campaign=campaign)
    audit_record(
        team=campaign.team,
        actor=actor,
        action="campaign.delete",
        target=campaign,
        before=before,
        summary=campaign.name,
    )
    campaign.delete()
    return _projects_rebuild(covered)


def _union(*groups: list[Project]) -> list[Project]:
    found = {project.pk: project for group in groups for project in group}
    return sorted(found.values(), key=lambda p: (p.name.lower(), p.pk))


def _apply(
    projects: list[Project],
    campaign: Campaign,
    today: dt.date | None,
    check: list[Project] | None = None,
) -> list[ChecklistVersion]:
    """Rebuild `projects` as of today; when the campaign starts later, first check that its
    checks fit the projects it covers (`check`, default all) as of its start."""
    today = today or timezone.localdate()
    if campaign.start > today:
        _projects_check(projects if check is None else check, on=campaign.start)
    return _projects_rebuild(projects, on=today)


def _projects_check(projects: list[Project], *, on: dt.date) -> None:
    """Raise ChecklistError, naming the first project, if any project's checklist cannot be
    built as of `on` (with the campaigns under way then)."""
    for project in projects:
        current = project.current_checklist()
        if current is None:
            continue
        try:
            project_build(
                project=project, source=current.source_text, filename=current.source_name, on=on
            )
        except ChecklistError as error:
            raise ChecklistError(
                [
                    Problem(f"{project.slug}: {p.file}", p.line, p.path, p.message)
                    for p in error.problems
                ]
            ) from None


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


def _projects_rebuild(projects: list[Project], on: dt.date | None = None) -> list[ChecklistVersion]:
    updated = []
    for project in projects:
        current = project.current_checklist()
        if current is None:
            continue
        version = checklist_version_rebuild(project=project, current=current, on=on)
        if version is not None:
            updated.append(version)
    return updated


def project_checklist_current(
    *, project: Project, today: dt.date | None = None
) -> ChecklistVersion | None:
    """The project's current checklist, rebuilt first when the campaigns under way today are
    not those it was built with (one has started since it was saved). A rebuild that fails
    (the project's file changed so that a campaign no longer fits) is logged and the current
    version kept: an assessment is never refused for it."""
    current = project.current_checklist()
    if current is None:
        return None
    base_ids = sorted(set(current.bases.values_list("base_id", flat=True)))
    due = {c.pk for c in campaigns_for(team=project.team, base_ids=base_ids, on=today)}
    if due == set(current.campaigns.values_list("pk", flat=True)):
        return current
    try:
        with transaction.atomic():
            return checklist_version_rebuild(project=project, current=current, on=today) or current
    except ChecklistError as error:
        logger.warning("%s: the campaigns under way do not fit its checklist: %s", project, error)
        return current


# Campaigns that started this many days ago or less are brought to their projects by
# campaigns_start (beat missing a day included); later, each assessment does it anyway.
STARTED_WITHIN_DAYS = 7


def campaigns_start(*, today: dt.date | None = None) -> list[ChecklistVersion]:
    """Give every project covered by a campaign that started lately the checklist version
    with its checks, when it has none yet (beat runs it, so that a campaign shows on every
    page from its start day, not only from each project's next assessment). Returns the
    new versions; none on a second run. A project that cannot be rebuilt is logged and
    left for its next assessment; the others go on."""
    today = today or timezone.localdate()
    started_since = today - dt.timedelta(days=STARTED_WITHIN_DAYS)
    covered: dict[int, Project] = {}
    for campaign in Campaign.objects.filter(
        joined_at__isnull=True, start__lte=today, start__gte=started_since
    ):
        covered.update((project.pk, project) for project in campaign_projects(campaign=campaign))
    started = []
    for project in covered.values():
        before = project.current_checklist()
        try:
            current = project_checklist_current(project=project, today=today)
        except Exception:
            logger.exception("%s: the campaigns that started could not be applied", project)
            continue
        if current is not None and current.pk != before.pk:
            started.append(current)
    return started


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

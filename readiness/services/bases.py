"""A team's base checklists: creating one, and saving a change of one, which gives every
project that extends it a new checklist version, in one transaction (or nothing at all)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from checks.checklist import ChecklistError, Problem, decode_checklist, load_checklist
from readiness.models import BaseChecklist, BaseChecklistVersion, ChecklistVersion, Project, Team
from readiness.services.audit import audit_record
from readiness.services.builds import BaseResolver
from readiness.services.checklists import (
    checklist_digest,
    checklist_version_rebuild,
)


def base_checklist_check(*, source: str | bytes, filename: str) -> str:
    """The text of a base checklist file once valid on its own (its `${params}` are its
    projects' to give). Raises ChecklistError."""
    text = decode_checklist(source, filename=filename)
    load_checklist(
        text, filename=filename, resolve=BaseResolver(repo=None, candidates={}), template=True
    )
    return text


def base_checks(*, base: BaseChecklist) -> list[tuple[str, str]]:
    """The checks of the base's current version, its own bases' included, as (key, name)
    in the file's order; [] for a base without a version."""
    current = base.current_version()
    if current is None:
        return []
    checklist = load_checklist(
        current.source_text,
        filename=base.ref,
        resolve=BaseResolver(repo=None, candidates={}),
        template=True,
    )
    return [
        (check.key, check.name) for category in checklist.categories for check in category.checks
    ]


def extending_projects(*, base: BaseChecklist) -> list[tuple[Project, ChecklistVersion]]:
    """The projects whose current checklist version was built from `base` (at any depth),
    with that version, by name."""
    candidates = ChecklistVersion.objects.filter(bases__base=base).values_list(
        "project_id", flat=True
    )
    found = []
    for project in Project.objects.filter(pk__in=candidates).select_related("team"):
        current = project.current_checklist()
        if current is not None and current.bases.filter(base=base).exists():
            found.append((project, current))
    return sorted(found, key=lambda pair: (pair[0].name.lower(), pair[0].pk))


@transaction.atomic
def base_checklist_save(
    *,
    team: Team,
    slug: str,
    source: str | bytes,
    actor: AbstractBaseUser | None,
    name: str = "",
) -> tuple[BaseChecklistVersion, list[ChecklistVersion]]:
    """Store `source` as the next version of `team`'s base `slug` (created if new) and give
    every project that extends it a new checklist version built with it. Returns the base's
    version and the projects' new versions. Raises ChecklistError (the base's problems, or
    the first project whose checklist it would break, named) and saves nothing then."""
    slug = slugify(slug)[:100]
    if not slug:
        raise ChecklistError([Problem(name or "base", None, "slug", "needs a letter or digit")])
    ref = f"{team.slug}/{slug}"
    text = base_checklist_check(source=source, filename=ref)
    base, _created = BaseChecklist.objects.select_for_update().get_or_create(
        team=team, slug=slug, defaults={"name": name or slug}
    )
    if name and base.name != name:
        base.name = name
        base.save(update_fields=["name"])
    current = base.versions.order_by("-number").first()
    digest = checklist_digest(text)
    if current is not None and current.digest == digest:
        return current, []
    version = BaseChecklistVersion.objects.create(
        base=base,
        number=current.number + 1 if current else 1,
        source_text=text,
        digest=digest,
        created_by=actor,
    )
    updated = projects_rebuild(base=base)
    audit_record(
        team=team,
        actor=actor,
        action="base_checklist.version",
        target=version,
        before={"version": current.number if current else None},
        after={"version": version.number, "projects": [v.project.slug for v in updated]},
        summary=f"{ref} v{version.number}: {len(updated)} projects get a new checklist version",
    )
    return version, updated


def projects_rebuild(*, base: BaseChecklist) -> list[ChecklistVersion]:
    """A new checklist version for every project that extends `base`, built from its own file
    and the bases' current versions. Raises ChecklistError naming the project."""
    updated = []
    for project, current in extending_projects(base=base):
        version = checklist_version_rebuild(project=project, current=current)
        if version is not None:
            updated.append(version)
    return updated

"""Building a project's checklist from its file: the bases its `extends:` names (a team's
base kept here, or a file of its repository) and the checks of the campaigns it is in.

The resolver reads bases for the loader (checks.checklist, which never imports Django) and
remembers which versions it read, so that the stored version records them and its digest
changes when a base or a campaign does, even when the project's own file does not."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from checks.checklist import MAX_CHECKLIST_BYTES, load_checklist, load_extension
from checks.extends import BaseNotFound, is_product_ref
from checks.spec import Checklist
from readiness.models import (
    BaseChecklist,
    BaseChecklistVersion,
    Campaign,
    Project,
    Team,
    is_git_url,
)


class BaseResolver:
    """Reads the bases `extends:` names: `team/checklist` from the product (its current
    version, or the text in `candidates` for a change being previewed), a path ending in
    .yml or .yaml from `repo` (relative to the repository's root, never outside it)."""

    def __init__(self, *, repo: Path | None, candidates: Mapping[str, str] | None = None) -> None:
        self.repo = repo
        self.candidates = dict(candidates or {})
        # Every product base read, by reference: its version (None: a candidate text).
        self.used: dict[str, BaseChecklistVersion | None] = {}
        self.files: dict[str, str] = {}
        # The product bases read, candidates included (the campaigns of a base follow it).
        self.base_ids: set[int] = set()

    def __call__(self, ref: str) -> tuple[str, str]:
        if ref.endswith((".yml", ".yaml")):
            return self._file(ref)
        if not is_product_ref(ref):
            raise BaseNotFound(
                f"{ref!r} names no base: write <team>/<checklist> for a team's base checklist, "
                "or a path ending in .yml for a file of the repository"
            )
        team, slug = ref.split("/")
        if ref in self.candidates:
            self.used[ref] = None
            base = BaseChecklist.objects.filter(team__slug=team, slug=slug).first()
            if base is not None:
                self.base_ids.add(base.pk)
            return self.candidates[ref], f"{ref} (changed)"
        version = (
            BaseChecklistVersion.objects.filter(base__team__slug=team, base__slug=slug)
            .order_by("-number")
            .first()
        )
        if version is None:
            raise BaseNotFound(f"no base checklist {ref!r} (team {team!r}, checklist {slug!r})")
        self.used[ref] = version
        self.base_ids.add(version.base_id)
        return version.source_text, f"{ref} v{version.number}"

    def _file(self, ref: str) -> tuple[str, str]:
        if self.repo is None:
            raise BaseNotFound(
                f"{ref} is a file of the repository, which can only be read for a project whose "
                "source is a folder on the server (or `assess --repo`)"
            )
        relative = Path(ref)
        if relative.is_absolute() or ".." in relative.parts:
            raise BaseNotFound(f"{ref}: give a path relative to the repository's root")
        root = self.repo.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            raise BaseNotFound(f"{ref} leads outside the repository")
        if not path.is_file():
            raise BaseNotFound(f"{ref}: no such file in the repository")
        data = path.read_bytes()[: MAX_CHECKLIST_BYTES + 1]
        text = data.decode("utf-8", errors="replace")
        self.files[ref] = text
        return text, ref


def project_repo(project: Project) -> Path | None:
    """The repository root a project's file bases are read from: its folder, None for a git URL."""
    return None if is_git_url(project.source) else Path(project.source)


@dataclass
class Built:
    """A project's checklist as assessed: its file with its bases and campaigns merged."""

    checklist: Checklist
    extends: str = ""
    bases: list[BaseChecklistVersion] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    digest: str = ""


def checklist_build(
    *,
    team: Team,
    repo: Path | None,
    source: str,
    filename: str,
    candidates: Mapping[str, str] | None = None,
    campaigns: Iterable[Campaign] | None = None,
    on: dt.date | None = None,
) -> Built:
    """The checklist of a project of `team` whose file is `source`: loaded with its bases,
    then the checks of every campaign it is in (`campaigns`, or those of `team` and of the
    bases it extends that have started by `on`, today by default, and not joined their base
    yet). Raises ChecklistError."""
    resolver = BaseResolver(repo=repo, candidates=candidates)
    checklist = load_checklist(source, filename=filename, resolve=resolver)
    versions = [version for version in resolver.used.values() if version is not None]
    if campaigns is None:
        campaigns = campaigns_for(team=team, base_ids=sorted(resolver.base_ids), on=on)
    applied = []
    for campaign in campaigns:
        checklist = load_extension(
            campaign.checks_text, filename=f"campaign {campaign.slug}", base=checklist
        )
        applied.append(campaign)
    parts = [source]
    parts += [f"base {ref}: {text}" for ref, text in sorted(resolver.files.items())]
    parts += [
        f"base {ref}: " + (candidates or {}).get(ref, version.source_text if version else "")
        for ref, version in sorted(resolver.used.items())
    ]
    parts += [f"campaign {c.pk}: {c.checks_text}" for c in applied]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    extends = source_extends(checklist_source=source)
    return Built(checklist, extends, versions, applied, digest)


def campaigns_for(*, team: Team, base_ids: list[int], on: dt.date | None = None) -> list[Campaign]:
    """Campaigns under way on `on` (today by default) for a project of `team` extending the
    bases `base_ids`: started by then, and not joined to their base. A campaign saved before
    its start changes nothing until that day."""
    on = on or timezone.localdate()
    scope = Q(teams=team) | Q(base_id__in=base_ids)
    return list(
        Campaign.objects.filter(scope, joined_at__isnull=True, start__lte=on)
        .distinct()
        .order_by("pk")
    )


def source_extends(*, checklist_source: str) -> str:
    """The `extends:` a checklist file names at its top level ("" for none), read plainly."""
    for line in checklist_source.splitlines():
        if line.startswith("extends:"):
            value = line.removeprefix("extends:").split("#", 1)[0].strip()
            return value.strip("'\"")[:300]
    return ""


def project_build(
    *,
    project: Project,
    source: str,
    filename: str,
    candidates: Mapping[str, str] | None = None,
    on: dt.date | None = None,
) -> Built:
    return checklist_build(
        team=project.team,
        repo=project_repo(project),
        source=source,
        filename=filename,
        candidates=candidates,
        on=on,
    )

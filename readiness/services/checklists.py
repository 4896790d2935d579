"""Saving checklist files as immutable versions, and reading them back as engine specs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from checks.checklist import (
    ChecklistError,
    Problem,
    decode_checklist,
    dump_checklist,
    load_checklist,
)
from checks.extends import Resolve, prefixed_options
from checks.registry import FILE_CHECK_TYPES
from checks.spec import CategorySpec, Checklist, CheckSpec, Severity
from readiness.models import Category, Check, ChecklistVersion, Project
from readiness.services.audit import audit_record
from readiness.services.builds import Built, project_build


def checklist_digest(source_text: str) -> str:
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


def checklist_upload(
    *,
    project: Project,
    source: str | bytes,
    source_name: str,
    filename: str | None = None,
    actor: AbstractBaseUser | None = None,
) -> tuple[ChecklistVersion, bool]:
    """Validate an uploaded checklist file and store it as the project's next version
    unless it is unchanged. Returns the current version and whether it was created.
    Raises ChecklistError listing every problem (naming `filename`, by default
    `source_name`); nothing is saved then."""
    text = decode_checklist(source, filename=filename or source_name)
    built = project_build(project=project, source=text, filename=filename or source_name)
    return checklist_version_save(
        project=project,
        checklist=built.checklist,
        source_text=text,
        source_name=source_name[:255],
        built=built,
        actor=actor,
    )


# A path prefix is a literal folder: no glob characters, no way out of the repository.
_PREFIX = re.compile(r"^[\w.@+ -]+(/[\w.@+ -]+)*$")


def starter_path(filename: str) -> Path:
    """The starter checklist `filename` of the `checklists/` folder; ValueError for any
    other name (only the files listed there can be picked)."""
    folder = Path(settings.READINESS_STARTERS_DIR)
    names = {path.name for path in folder.glob("*.yml")}
    if filename not in names:
        raise ValueError(_("%(name)s is not a starter checklist") % {"name": filename})
    return folder / filename


def path_prefix_clean(prefix: str) -> str:
    """`prefix` as "folder/sub/" (or "" for none). Raises ValueError when it is absolute,
    leaves the repository (..) or holds glob characters."""
    prefix = prefix.strip().strip("/")
    if not prefix:
        return ""
    parts = prefix.split("/")
    if not _PREFIX.match(prefix) or any(part in (".", "..") for part in parts):
        raise ValueError(
            _("%(prefix)s: give a folder inside the repository, e.g. services/api")
            % {"prefix": prefix}
        )
    return prefix + "/"


def checklist_prefixed(
    text: str | bytes, *, filename: str, prefix: str, resolve: Resolve | None = None
) -> tuple[Checklist, str]:
    """Load a checklist file and put `prefix` (from path_prefix_clean) before every glob of
    its file checks, for a project whose code lives in that folder. Returns the checklist
    and the text to store: the file as it is without a prefix, else the rewritten file,
    loaded again so that what is stored is valid. Raises ChecklistError."""
    checklist = load_checklist(text, filename=filename, resolve=resolve)
    if not prefix:
        return checklist, text.decode("utf-8") if isinstance(text, bytes) else text
    categories = tuple(
        dataclasses.replace(
            category,
            checks=tuple(
                dataclasses.replace(check, options=prefixed_options(check.options, prefix))
                if check.type in FILE_CHECK_TYPES
                else check
                for check in category.checks
            ),
        )
        for category in checklist.categories
    )
    header = f"# {filename}, every file check's globs under {prefix}\n"
    rewritten = header + dump_checklist(dataclasses.replace(checklist, categories=categories))
    try:
        return load_checklist(rewritten, filename=filename), rewritten
    except ChecklistError as error:
        raise ChecklistError(
            [
                Problem(
                    filename,
                    None,
                    "",
                    _("with the prefix %(prefix)s: %(problem)s")
                    % {"prefix": prefix, "problem": p.message},
                )
                for p in error.problems
            ]
        ) from None


def checklist_version_rebuild(
    *, project: Project, current: ChecklistVersion, on: dt.date | None = None
) -> ChecklistVersion | None:
    """A new version of `project`'s checklist built again from its file (`current`) and the
    current versions of its bases and the campaigns under way `on` (today by default); None
    when nothing changed. Raises ChecklistError whose problems name the project."""
    try:
        built = project_build(
            project=project, source=current.source_text, filename=current.source_name, on=on
        )
    except ChecklistError as error:
        raise ChecklistError(
            [
                Problem(f"{project.slug}: {p.file}", p.line, p.path, p.message)
                for p in error.problems
            ]
        ) from None
    version, created = checklist_version_save(
        project=project,
        checklist=built.checklist,
        source_text=current.source_text,
        source_name=current.source_name,
        built=built,
    )
    return version if created else None


@transaction.atomic
def checklist_version_save(
    *,
    project: Project,
    checklist: Checklist,
    source_text: str,
    source_name: str = ".readiness.yml",
    actor: AbstractBaseUser | None = None,
    built: Built | None = None,
) -> tuple[ChecklistVersion, bool]:
    """Store `checklist` as the project's next version unless the file is unchanged (and,
    for a `built` checklist, its bases and campaigns too), with an entry in the team's audit
    trail by `actor` (None: the system or the command line). Returns the current version and
    whether it was created."""
    digest = built.digest if built is not None and built.digest else checklist_digest(source_text)
    current = (
        ChecklistVersion.objects.select_for_update()
        .filter(project=project)
        .order_by("-number")
        .first()
    )
    if current is not None and current.digest == digest:
        return current, False
    version = ChecklistVersion.objects.create(
        project=project,
        number=(current.number + 1) if current else 1,
        name=checklist.name,
        ready_at=checklist.ready_at,
        levels=list(checklist.levels),
        source_text=source_text,
        source_name=source_name,
        digest=digest,
        extends=built.extends if built is not None else "",
    )
    if built is not None:
        version.bases.set(built.bases)
        version.campaigns.set(built.campaigns)
    position = 0
    for category_position, category_spec in enumerate(checklist.categories):
        category = Category.objects.create(
            checklist=version,
            key=category_spec.key,
            name=category_spec.name,
            weight=category_spec.weight,
            position=category_position,
        )
        checks = []
        for spec in category_spec.checks:
            checks.append(
                Check(
                    checklist=version,
                    category=category,
                    key=spec.key,
                    name=spec.name,
                    description=spec.description,
                    type=spec.type,
                    weight=spec.weight,
                    severity=str(spec.severity),
                    options=dict(spec.options),
                    level=spec.level or "",
                    line=spec.line,
                    position=position,
                )
            )
            position += 1
        Check.objects.bulk_create(checks)
    audit_record(
        team=project.team,
        actor=actor,
        action="checklist.version",
        target=version,
        before={"version": current.number, "digest": current.digest} if current else None,
        after={"version": version.number, "digest": digest, "name": version.name},
        summary=source_name,
    )
    return version, True


def checklist_spec(version: ChecklistVersion) -> Checklist:
    """The engine's view of a stored version (two queries)."""
    categories = list(version.categories.order_by("position"))
    checks_by_category: dict[int, list[CheckSpec]] = {c.pk: [] for c in categories}
    key_of = {c.pk: c.key for c in categories}
    for check in version.checks.order_by("position"):
        checks_by_category[check.category_id].append(check_spec(check, key_of[check.category_id]))
    return Checklist(
        name=version.name,
        ready_at=version.ready_at,
        levels=tuple(version.levels),
        categories=tuple(
            CategorySpec(
                key=c.key, name=c.name, weight=c.weight, checks=tuple(checks_by_category[c.pk])
            )
            for c in categories
        ),
    )


def check_spec(check: Check, category_key: str) -> CheckSpec:
    return CheckSpec(
        key=check.key,
        name=check.name,
        type=check.type,
        category=category_key,
        weight=check.weight,
        severity=Severity(check.severity),
        options=check.options,
        description=check.description,
        level=check.level or None,
        line=check.line,
    )

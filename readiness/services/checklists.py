"""Saving checklist files as immutable versions, and reading them back as engine specs."""

from __future__ import annotations

import hashlib

from django.db import transaction

from checks.checklist import load_checklist
from checks.spec import CategorySpec, Checklist, CheckSpec, Severity
from readiness.models import Category, Check, ChecklistVersion, Project


def checklist_digest(source_text: str) -> str:
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


def checklist_upload(
    *, project: Project, source: str | bytes, source_name: str, filename: str | None = None
) -> tuple[ChecklistVersion, bool]:
    """Validate an uploaded checklist file and store it as the project's next version
    unless it is unchanged. Returns the current version and whether it was created.
    Raises ChecklistError listing every problem (naming `filename`, by default
    `source_name`); nothing is saved then."""
    checklist = load_checklist(source, filename=filename or source_name)
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    return checklist_version_save(
        project=project, checklist=checklist, source_text=text, source_name=source_name[:255]
    )


@transaction.atomic
def checklist_version_save(
    *, project: Project, checklist: Checklist, source_text: str, source_name: str = ".readiness.yml"
) -> tuple[ChecklistVersion, bool]:
    """Store `checklist` as the project's next version unless the file is unchanged.
    Returns the current version and whether it was created."""
    digest = checklist_digest(source_text)
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
        source_text=source_text,
        source_name=source_name,
        digest=digest,
    )
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
                    line=spec.line,
                    position=position,
                )
            )
            position += 1
        Check.objects.bulk_create(checks)
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
        line=check.line,
    )

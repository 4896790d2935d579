"""Reads of the checklist page: the versions of a project's checklist and their checks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.db.models import Count

from readiness.models import Category, Check, ChecklistVersion, Project


def starter_checklists() -> list[tuple[str, str]]:
    """(file name, checklist name) of each starter in the checklists folder, by file name."""
    starters = []
    for path in sorted(Path(settings.READINESS_STARTERS_DIR).glob("*.yml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        name = document.get("name") if isinstance(document, dict) else None
        starters.append((path.name, str(name or path.stem)))
    return starters


def checklist_version(*, project: Project, number: int) -> ChecklistVersion | None:
    """The project's checklist version `number`, if there is one."""
    return ChecklistVersion.objects.filter(project=project, number=number).first()


def checklist_versions(*, project: Project) -> list[ChecklistVersion]:
    """The project's checklist versions, newest first, with their number of checks."""
    return list(
        project.checklist_versions.annotate(check_count=Count("checks"))
        .defer("source_text")
        .order_by("-number")
    )


@dataclass(frozen=True)
class ChecklistSection:
    category: Category
    checks: list[Check]


def checklist_sections(*, version: ChecklistVersion) -> list[ChecklistSection]:
    """The version's categories with their checks, in file order (2 queries)."""
    checks: dict[int, list[Check]] = defaultdict(list)
    for check in version.checks.order_by("position"):
        checks[check.category_id].append(check)
    return [
        ChecklistSection(category=category, checks=checks[category.pk])
        for category in version.categories.order_by("position")
    ]

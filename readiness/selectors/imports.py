"""What importing a document would do to the project's checklist: the current version and
the document's side by side, with the checks added, removed and changed (which fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from checks.checklist import load_checklist
from checks.merge import ChangedCheck, ChecklistDiff, checklist_diff
from checks.spec import Checklist
from readiness.importer import ImportResult, yaml_name
from readiness.models import ChecklistVersion, Project
from readiness.services.checklists import checklist_spec


@dataclass(frozen=True)
class ChangedRow:
    key: str
    name: str
    changes: tuple[str, ...]  # one line per changed field: "severity: medium → high"


@dataclass(frozen=True)
class ChecklistChanges:
    """The current version beside the document's checklist."""

    version: ChecklistVersion
    current: Checklist
    document: Checklist
    diff: ChecklistDiff
    changed: tuple[ChangedRow, ...]

    @property
    def current_count(self) -> int:
        return sum(1 for _spec in self.current.all_checks())

    @property
    def document_count(self) -> int:
        return sum(1 for _spec in self.document.all_checks())


def import_changes(*, project: Project, result: ImportResult) -> ChecklistChanges | None:
    """None when there is nothing to choose: the project has no checklist yet, or the
    document holds no check (its history then refers to the current checklist)."""
    if result.checklist is None:
        return None
    version = project.current_checklist()
    if version is None:
        return None
    current = checklist_spec(version)
    document = load_checklist(result.checklist_yaml, filename=yaml_name(result.source_name))
    diff = checklist_diff(current, document)
    return ChecklistChanges(
        version=version,
        current=current,
        document=document,
        diff=diff,
        changed=tuple(_changed_row(change) for change in diff.changed),
    )


def _field_label(name: str) -> str:
    return {
        "name": _("name"),
        "type": _("type"),
        "category": _("category"),
        "weight": _("weight"),
        "severity": _("severity"),
        "description": _("description"),
    }[name]


def _value(value: Any) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _changed_row(change: ChangedCheck) -> ChangedRow:
    lines = []
    for name in change.fields:
        if name == "options":
            before, after = change.current.options, change.new.options
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    lines.append(f"{key}: {_value(before.get(key))} → {_value(after.get(key))}")
        elif name == "description":
            lines.append(_("description changed"))
        else:
            lines.append(
                f"{_field_label(name)}: {_value(getattr(change.current, name))} → "
                f"{_value(getattr(change.new, name))}"
            )
    return ChangedRow(key=change.new.key, name=change.current.name, changes=tuple(lines))

"""Two versions of a checklist side by side: which checks one adds, removes or changes, and
the merge that keeps every current check and adds the other's new ones."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from checks.spec import CategorySpec, Checklist, CheckSpec

# The fields that make two checks with the same key differ, in the order they are named.
COMPARED_FIELDS = ("name", "type", "category", "weight", "severity", "options", "description")


@dataclass(frozen=True)
class ChangedCheck:
    current: CheckSpec
    new: CheckSpec
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistDiff:
    """What `new` does to `current`: checks only in `new` (added), only in `current`
    (removed), in both with different fields (changed), and how many are the same."""

    added: tuple[CheckSpec, ...]
    removed: tuple[CheckSpec, ...]
    changed: tuple[ChangedCheck, ...]
    same: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def checklist_diff(current: Checklist, new: Checklist) -> ChecklistDiff:
    old = {spec.key: spec for spec in current.all_checks()}
    keys = {spec.key for spec in new.all_checks()}
    added, changed, same = [], [], 0
    for spec in new.all_checks():
        before = old.get(spec.key)
        if before is None:
            added.append(spec)
            continue
        fields = tuple(
            name for name in COMPARED_FIELDS if getattr(before, name) != getattr(spec, name)
        )
        if fields:
            changed.append(ChangedCheck(current=before, new=spec, fields=fields))
        else:
            same += 1
    removed = tuple(spec for spec in current.all_checks() if spec.key not in keys)
    return ChecklistDiff(added=tuple(added), removed=removed, changed=tuple(changed), same=same)


def checklist_merge(current: Checklist, new: Checklist) -> Checklist:
    """`current` with the checks of `new` whose key it does not have, added at the end of
    the category of the same key (a category `current` lacks comes after its own). A check
    both have stays as `current` has it; the name and threshold stay `current`'s."""
    keys = {spec.key for spec in current.all_checks()}
    # The levels stay `current`'s; a checklist without levels takes `new`'s. An added check
    # whose level the merged checklist lacks is required from its lowest level.
    levels = current.levels or new.levels
    additions: dict[str, list[CheckSpec]] = {}
    for spec in new.all_checks():
        if spec.key not in keys:
            if spec.level is not None and spec.level not in levels:
                spec = dataclasses.replace(spec, level=None)
            additions.setdefault(spec.category, []).append(spec)
    categories = [
        dataclasses.replace(
            category, checks=category.checks + tuple(additions.pop(category.key, ()))
        )
        for category in current.categories
    ]
    for category in new.categories:
        if category.key in additions:
            categories.append(
                CategorySpec(
                    key=category.key,
                    name=category.name,
                    weight=category.weight,
                    checks=tuple(additions.pop(category.key)),
                )
            )
    return dataclasses.replace(current, categories=tuple(categories), levels=levels)

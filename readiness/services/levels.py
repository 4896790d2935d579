"""A project's target level: the level of its checklist's `levels` the team aims at."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from readiness.models import Project
from readiness.services.audit import audit_record


def project_target_level_set(
    *, project: Project, level: str, actor: AbstractBaseUser | None = None
) -> Project:
    """Set the project's target level ("" for none), which must be one of its current
    checklist's levels, with an entry in the audit trail when it changes. Raises
    ValueError naming the levels allowed; nothing is saved then."""
    level = level.strip()
    checklist = project.current_checklist()
    levels = list(checklist.levels) if checklist else []
    if level and level not in levels:
        if not levels:
            raise ValueError(_("The project's checklist declares no levels."))
        raise ValueError(
            _("%(level)s is not a level of the checklist (%(levels)s).")
            % {"level": level, "levels": ", ".join(levels)}
        )
    before = project.target_level
    if before == level:
        return project
    with transaction.atomic():
        project.target_level = level
        project.save(update_fields=["target_level"])
        audit_record(
            team=project.team,
            actor=actor,
            action="project.target_level",
            target=project,
            before={"target_level": before},
            after={"target_level": level},
        )
    return project

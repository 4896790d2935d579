"""A project's badge key, made anew by a team admin: the badge URLs with the old key answer
404 from then on. Audited; the keys themselves are not written in the trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from readiness.models import Project, badge_key_new
from readiness.services.audit import audit_record


@transaction.atomic
def project_badge_key_regenerate(*, project: Project, by: AbstractBaseUser | None) -> Project:
    """Give `project` a new random badge key and record who did it."""
    project.badge_key = badge_key_new()
    project.save(update_fields=["badge_key"])
    audit_record(
        team=project.team,
        actor=by,
        action="project.badge_key",
        target=project,
    )
    return project

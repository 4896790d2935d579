"""`manage.py demo`: the demo that the README's main command shows, set up idempotently.

A demo team and user, and a project that assesses this repository itself with the
starter checklist for Django services: its git history backfilled, and one live
assessment, so that the first screen has a real score and a trend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from readiness.formatting import score_line
from readiness.models import (
    Assessment,
    AssessmentStatus,
    Membership,
    Project,
    Role,
    Trigger,
)
from readiness.services import sources
from readiness.services.assessments import assessment_create, assessment_run_inline
from readiness.services.projects import project_upsert

BAD_INPUT = 2
DEMO_TEAM = "Demo"
DEMO_PROJECT = "readiness"
DEMO_USERNAME = "demo"
# Documented in the README: the demo runs on a developer's machine, on 127.0.0.1.
DEMO_PASSWORD = "readiness-demo"
STARTER_CHECKLIST = Path("checklists") / "django-service.yml"
# Before any commit: the backfill covers the whole first-parent history.
HISTORY_START = "1970-01-01"


class Command(BaseCommand):
    help = _(
        "Set up the demo: a demo user, and a project that assesses this repository with its "
        "history backfilled. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(settings.BASE_DIR).resolve()
        checklist_path = Path(settings.BASE_DIR) / STARTER_CHECKLIST
        if not checklist_path.is_file():
            raise CommandError(
                _("the starter checklist %(path)s is missing") % {"path": checklist_path},
                returncode=BAD_INPUT,
            )
        try:
            project, version, created = project_upsert(
                slug=DEMO_PROJECT,
                source=str(source),
                checklist_path=checklist_path,
                team_name=DEMO_TEAM,
                name=_("readiness (this repository)"),
            )
        except ValueError as exc:  # an invalid starter checklist names file:line keypath
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        self._user(project)
        self.stdout.write(
            _("Project %(slug)s: checklist version %(number)s%(state)s.")
            % {
                "slug": project.slug,
                "number": version.number,
                "state": "" if created else _(" (unchanged)"),
            }
        )
        self._backfill(project)
        self._live(project)
        self.stdout.write(
            _("Log in at http://127.0.0.1:8000/ as %(user)s / %(password)s")
            % {"user": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )

    @transaction.atomic
    def _user(self, project: Project) -> None:
        user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        if created:
            # Only a new demo user gets the published password: a changed one is kept.
            user.is_staff = True
            user.is_superuser = True  # so that the admin shows every model of the demo
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.update_or_create(
            team=project.team, user=user, defaults={"role": Role.ADMIN}
        )

    def _backfill(self, project: Project) -> None:
        try:
            call_command(
                "backfill",
                "--project",
                project.slug,
                "--since",
                HISTORY_START,
                "--every",
                "commit",
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except CommandError as exc:
            # A plain folder or a repository without commits has no history to backfill.
            self.stdout.write(_("No backfill: %(error)s") % {"error": exc})

    def _live(self, project: Project) -> None:
        try:
            state = sources.source_prepare(project=project)
        except sources.SourceError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        # Idempotent: one live assessment per revision of the source and checklist version.
        existing = Assessment.objects.filter(
            project=project,
            checklist=project.current_checklist(),
            trigger=Trigger.CLI,
            revision=state.revision,
            status=AssessmentStatus.DONE,
        ).first()
        if existing is not None and state.revision:
            assessment = existing
        else:
            self.stdout.write(_("Running a live assessment…"))
            assessment = assessment_run_inline(
                assessment=assessment_create(project=project, trigger=Trigger.CLI)
            )
        self.stdout.write(
            _("Current score: %(line)s")
            % {"line": score_line(assessment.score, assessment.coverage)}
        )

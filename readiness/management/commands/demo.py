"""`manage.py demo`: the demo that the README's main command shows, set up idempotently.

A demo team and user, and a project that assesses this repository itself with the
starter checklist for Django services: its git history backfilled, and one live
assessment, so that the first screen has a real score and a trend.

The checklist also checks the running service (its login page), so the live assessment
runs only once the web server answers at READINESS_BIND: `bin/run` sets the demo up
before it starts the servers (`--before-web`) and runs the live assessment after
(`--after-web`, which waits for /health/)."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from readiness.formatting import score_line
from readiness.management.base import BadInput, PolicyFailure, ReadinessCommand
from readiness.models import (
    Assessment,
    AssessmentStatus,
    Membership,
    Project,
    Role,
    Trigger,
)
from readiness.services import sources
from readiness.services.assessments import assessment_create
from readiness.services.projects import project_upsert
from readiness.services.runs import assessment_run_inline

DEMO_TEAM = "Demo"
DEMO_PROJECT = "readiness"
DEMO_USERNAME = "demo"
# Documented in the README: the demo runs on a developer's machine, on 127.0.0.1.
DEMO_PASSWORD = "readiness-demo"
STARTER_CHECKLIST = Path("checklists") / "django-service.yml"
AFTER_WEB_WAIT_SECONDS = 60
# Before any commit: the backfill covers the whole first-parent history.
HISTORY_START = "1970-01-01"


class Command(ReadinessCommand):
    help = _(
        "Set up the demo: a demo user, and a project that assesses this repository with its "
        "history backfilled. Safe to run again."
    )
    project_missing = gettext_noop(
        "the demo is not set up yet: run manage.py demo --before-web first (no project %(slug)s)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        steps = parser.add_mutually_exclusive_group()
        steps.add_argument(
            "--before-web",
            action="store_true",
            help=_(
                "Set up the demo and its history only, after checking that READINESS_BIND "
                "is free for the web server (bin/run's first step)."
            ),
        )
        steps.add_argument(
            "--after-web",
            action="store_true",
            help=_(
                "Only the live assessment, once the web server answers (bin/run's second "
                "step; waits %(seconds)s seconds at most)."
            )
            % {"seconds": AFTER_WEB_WAIT_SECONDS},
        )
        parser.add_argument(
            "--wait",
            type=int,
            default=None,
            metavar="SECONDS",
            help=_(
                "How long to wait for the web server before the live assessment "
                "(default: %(seconds)s with --after-web, otherwise 0: ask once)."
            )
            % {"seconds": AFTER_WEB_WAIT_SECONDS},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        after_web = options["after_web"]
        wait = options["wait"]
        if wait is None:
            wait = AFTER_WEB_WAIT_SECONDS if after_web else 0
        if wait < 0:
            raise BadInput(_("--wait: %(value)s is not a number of seconds") % {"value": wait})
        if options["before_web"]:
            _check_address_free()
            self._set_up()
            return
        project = self.project(DEMO_PROJECT) if after_web else self._set_up()
        url = settings.READINESS_LOCAL_URL
        problem = _web_problem(url, wait)
        if problem is not None:
            # Its http check would fail because of the demo, not because of the service.
            message = _(
                "The web server does not answer at %(url)s (%(problem)s): no live assessment. "
                "Start it (bin/run does), then run manage.py demo --after-web."
            ) % {"url": url, "problem": problem}
            if after_web:
                raise PolicyFailure(message)
            self.stderr.write(message)
            return
        self._live(project)
        self.stdout.write(
            _("Log in at %(url)s as %(user)s / %(password)s")
            % {"url": url, "user": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )

    def _set_up(self) -> Project:
        try:
            project, version, created = project_upsert(
                slug=DEMO_PROJECT,
                source=str(Path(settings.BASE_DIR).resolve()),
                checklist_path=_checklist(),
                team_name=DEMO_TEAM,
                name=_("readiness (this repository)"),
                base_url=settings.READINESS_LOCAL_URL,
            )
        except ValueError as exc:  # an invalid starter checklist names file:line keypath
            raise BadInput(str(exc)) from None
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
        return project

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
            raise BadInput(str(exc)) from None
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


def _checklist() -> Path:
    """The starter checklist; its checks of the running service ask the project's base URL,
    which the demo sets to this web server (READINESS_BIND)."""
    starter = Path(settings.BASE_DIR) / STARTER_CHECKLIST
    if not starter.is_file():
        raise BadInput(_("the starter checklist %(path)s is missing") % {"path": starter})
    return starter


def _check_address_free() -> None:
    """BadInput when another program already holds READINESS_BIND: the web server could
    not start there, and the demo would check that program instead."""
    host, _sep, port = settings.READINESS_BIND.rpartition(":")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host.strip("[]"), int(port), type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, proto) as probe:
            # As gunicorn binds: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise BadInput(
            _(
                "READINESS_BIND %(address)s cannot be used by the web server (%(error)s): "
                "stop the program that listens there, or choose another address, e.g. "
                "READINESS_BIND=127.0.0.1:8001 bin/run"
            )
            % {"address": settings.READINESS_BIND, "error": exc.strerror or exc}
        ) from None


def _web_problem(url: str, wait: int) -> str | None:
    """None once `url`health/ answers 200, asking every half second for `wait` seconds
    (once when 0); otherwise what the last attempt got."""
    # Straight to this machine's server, whatever proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + wait
    while True:
        try:
            with opener.open(f"{url}health/", timeout=5) as response:
                if response.status == 200:
                    return None
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = getattr(reason, "strerror", None) or str(reason)
        if time.monotonic() >= deadline:
            return problem
        time.sleep(0.5)

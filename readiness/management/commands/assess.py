"""`manage.py assess`: run a checklist against a repository and print the scores.

Without --project this is the pure engine and stores nothing. With --project the run is
recorded in the project's history, through the same task code the workers use."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from checks.checklist import ChecklistError, load_checklist_file
from checks.git import git_head
from checks.gitrevision import GitRevision
from checks.registry import FILE_CHECK_TYPES
from checks.runner import run_checklist
from checks.tree import TreeError
from readiness.formatting import format_score
from readiness.management.base import BadInput, PolicyFailure, ReadinessCommand
from readiness.models import AssessmentStatus, Trigger, base_url_clean
from readiness.queue import QueueUnavailable
from readiness.reports import assessment_report_data, assessment_text, run_report_data
from readiness.services.assessments import assessment_create, assessment_start
from readiness.services.outcomes import run_context
from readiness.services.runs import assessment_run_inline
from readiness.verdicts import verdict_label


def policy_problem(report: Mapping[str, Any], fail_under: float | None) -> str | None:
    """Why the run fails the --fail-under policy, or None when it passes or none is given."""
    if fail_under is None:
        return None
    score = report["score"]
    if score is None:
        return _("no score could be computed (--fail-under %(limit)s)") % {"limit": fail_under}
    if score < fail_under:
        return _("score %(score)s is below --fail-under %(limit)s") % {
            "score": format_score(score, digits=2),
            "limit": fail_under,
        }
    if report["verdict"] != "ready":
        return _("verdict is %(verdict)s") % {"verdict": verdict_label(report["verdict"] or "")}
    return None


class Command(ReadinessCommand):
    project_missing = gettext_noop("--project %(slug)s: no such project (add it with add_project)")
    help = _(
        "Run a readiness checklist against a repository and print the scores. Without "
        "--project nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checklist", type=Path, help=_("Checklist file (YAML)."))
        parser.add_argument("--repo", type=Path, help=_("Repository root (a folder)."))
        parser.add_argument(
            "--rev",
            help=_(
                "Git revision whose files to read (from git objects, no checkout) instead of "
                "the working tree; checks other than grep, file and consistency are skipped."
            ),
        )
        self.add_json_argument(parser, _("Print one JSON document."))
        parser.add_argument(
            "--fail-under",
            type=float,
            metavar="X",
            help=_("Exit 1 when the score is below X or the verdict is not ready."),
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            default="",
            help=_(
                "Where the running service answers: fills ${base_url} in runtime checks "
                "(without it they are skipped). A project uses its own base URL."
            ),
        )
        parser.add_argument(
            "--project",
            metavar="SLUG",
            help=_("Assess a registered project and record the assessment in its history."),
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help=_("With --project: enqueue for the workers and print the assessment id."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["project"]:
            report = self._assess_project(options)
            if report is None:
                return
        else:
            report = self._assess_files(options)
        self.write_output(report, as_json=options["json"], text=assessment_text)
        problem = policy_problem(report, options["fail_under"])
        if problem:
            raise PolicyFailure(problem)

    def _assess_files(self, options: Mapping[str, Any]) -> dict[str, Any]:
        if options["queue"]:
            raise BadInput(_("--queue needs --project"))
        if options["checklist"] is None or options["repo"] is None:
            raise BadInput(_("give --checklist FILE and --repo DIR, or --project SLUG"))
        repo: Path = options["repo"]
        if not repo.is_dir():
            raise BadInput(_("--repo %(repo)s: not a folder") % {"repo": repo})
        try:
            checklist, _text = load_checklist_file(options["checklist"])
        except ChecklistError as exc:
            raise BadInput(str(exc)) from None
        try:
            base_url = base_url_clean(options["base_url"])
        except ValidationError as error:
            raise BadInput(f"--base-url: {' '.join(error.messages)}") from None
        placeholders = {"base_url": base_url} if base_url else {}
        context = run_context(repo.resolve(), placeholders=placeholders)
        tree = None
        try:
            if options["rev"]:
                tree = GitRevision(context.repo, options["rev"])
                revision = tree.revision
            else:
                revision = git_head(context.repo)
            self._progress(
                _("Running %(count)s checks on %(repo)s…")
                % {"count": sum(1 for _ in checklist.all_checks()), "repo": repo}
            )
            # At a past revision only the files are known: the service, the commands' output
            # and the attestations are today's, so those checks are skipped as for backfill.
            only_types = FILE_CHECK_TYPES if tree is not None else None
            outcomes = run_checklist(checklist, context, tree=tree, only_types=only_types)
        except TreeError as exc:
            raise BadInput(_("--repo %(repo)s: %(error)s") % {"repo": repo, "error": exc}) from None
        finally:
            if tree is not None:
                tree.close()
        return run_report_data(checklist, outcomes, revision)

    def _assess_project(self, options: Mapping[str, Any]) -> dict[str, Any] | None:
        if options["checklist"] is not None or options["repo"] is not None:
            raise BadInput(
                _("--project uses the project's own checklist and source: drop --checklist/--repo")
            )
        if options["base_url"]:
            raise BadInput(
                _(
                    "--project uses the project's own base URL (set it in the admin): drop "
                    "--base-url"
                )
            )
        if options["rev"]:
            # A project's history holds what its source is now (or, for past commits, what
            # backfill evaluated); a one-off look at another revision is not stored.
            raise BadInput(
                _(
                    "--rev cannot be combined with --project: use --checklist and --repo for a "
                    "one-off look at a revision, or backfill to record past commits"
                )
            )
        project = self.project(options["project"])
        if project.current_checklist() is None:
            raise BadInput(_("--project %(slug)s has no checklist yet") % {"slug": project.slug})
        if options["queue"]:
            if options["fail_under"] is not None:
                raise BadInput(
                    _("--queue cannot be combined with --fail-under: the score is not known yet")
                )
            try:
                assessment = assessment_start(project=project, trigger=Trigger.CLI)
            except QueueUnavailable as exc:
                raise BadInput(_("queue unavailable: %(error)s") % {"error": exc}) from None
            self.stdout.write(str(assessment.pk))
            return None
        assessment = assessment_create(project=project, trigger=Trigger.CLI)
        self._progress(
            _("Assessment #%(id)s of %(slug)s: running %(count)s checks…")
            % {"id": assessment.pk, "slug": project.slug, "count": assessment.checks_total}
        )
        assessment = assessment_run_inline(assessment=assessment)
        if assessment.status != AssessmentStatus.DONE:
            raise BadInput(
                _("assessment #%(id)s ended %(status)s: %(note)s")
                % {"id": assessment.pk, "status": assessment.status, "note": assessment.note}
            )
        return assessment_report_data(assessment)

    def _progress(self, message: str) -> None:
        # Progress goes to stderr so that --json output stays one clean document.
        self.stderr.write(message, style_func=None)

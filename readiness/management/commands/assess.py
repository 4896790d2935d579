"""`manage.py assess`: run a checklist against a repository and print the scores.

Without --project this is the pure engine and stores nothing. With --project the run is
recorded in the project's history, through the same task code the workers use."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from checks.checklist import ChecklistError, load_checklist_file
from checks.git import git_head
from checks.gitrevision import GitRevision
from checks.registry import FILE_CHECK_TYPES
from checks.runner import run_checklist
from checks.spec import Checklist, Outcome, RunContext, Status
from checks.tree import TreeError
from readiness.models import Assessment, AssessmentStatus, CheckResult, Project, Trigger
from readiness.scoring import ScoreCard, ScoredCheck, score_checks
from readiness.services.assessments import (
    QueueUnavailable,
    assessment_create,
    assessment_run_inline,
    assessment_start,
)
from readiness.verdicts import (
    STATUS_ICONS,
    format_score,
    reasons_text,
    score_line,
    status_word,
    verdict_label,
)

BAD_INPUT = 2
POLICY_FAILURE = 1

DETAILS_WIDTH = 90


def engine_report(
    checklist: Checklist, outcomes: Mapping[str, Outcome], card: ScoreCard, revision: str | None
) -> dict[str, Any]:
    """The JSON document of a run that was not stored."""
    names = {c.key: c.name for c in checklist.categories}
    return {
        "name": checklist.name,
        "ready_at": checklist.ready_at,
        "score": card.score,
        "coverage": card.coverage,
        "verdict": card.verdict,
        "reasons": [dict(reason) for reason in card.reasons],
        "revision": revision,
        "categories": [
            {
                "key": c.key,
                "name": names.get(c.key, c.key),
                "weight": c.weight,
                "score": c.score,
                "coverage": c.coverage,
            }
            for c in card.categories
        ],
        "checks": [
            {
                "key": spec.key,
                "name": spec.name,
                "category": spec.category,
                "type": spec.type,
                "severity": str(spec.severity),
                "weight": spec.weight,
                **outcomes[spec.key].as_dict(),
            }
            for spec in checklist.all_checks()
        ],
    }


def assessment_report(assessment: Assessment) -> dict[str, Any]:
    """The JSON document of a stored assessment (three queries)."""
    assessment = (
        Assessment.objects.select_related("checklist", "project")
        .prefetch_related(
            "category_scores",
            Prefetch(
                "results",
                queryset=CheckResult.objects.select_related(
                    "check_item", "check_item__category"
                ).order_by("check_item__position"),
            ),
        )
        .get(pk=assessment.pk)
    )
    return {
        "id": assessment.pk,
        "project": assessment.project.slug,
        "status": assessment.status,
        "trigger": assessment.trigger,
        "date": assessment.evaluated_at.isoformat(),
        "name": assessment.checklist.name,
        "ready_at": assessment.checklist.ready_at,
        "score": assessment.score,
        "coverage": assessment.coverage,
        "verdict": assessment.verdict or None,
        "reasons": list(assessment.verdict_reasons),
        "revision": assessment.revision or None,
        "categories": [
            {
                "key": c.key,
                "name": c.name,
                "weight": c.weight,
                "score": c.score,
                "coverage": c.coverage,
            }
            for c in assessment.category_scores.all()
        ],
        "checks": [
            {
                "key": r.check_item.key,
                "name": r.check_item.name,
                "category": r.check_item.category.key,
                "type": r.check_item.type,
                "severity": r.check_item.severity,
                "weight": r.check_item.weight,
                "status": r.status,
                "summary": r.summary,
                "evidence": list(r.evidence),
                "details": r.details,
                "duration_ms": r.duration_ms,
            }
            for r in assessment.results.all()
        ],
    }


def display_width(text: str) -> int:
    """Terminal columns of `text`: wide characters and emoji presentations take two."""
    width = 0
    for index, char in enumerate(text):
        if char == "\ufe0f" or unicodedata.combining(char):
            continue
        wide = unicodedata.east_asian_width(char) in "WF"
        emoji = index + 1 < len(text) and text[index + 1] == "\ufe0f"
        width += 2 if wide or emoji else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_report(report: Mapping[str, Any]) -> str:
    """A table like the summary table of a hand-written readiness document, then the
    category scores, the final score with its coverage, and the verdict with its reasons."""
    header = [_("Check"), _("Result"), _("Details")]
    rows = [
        [
            check["name"] or check["key"],
            f"{STATUS_ICONS.get(check['status'], ' ')} {status_word(check['status'])}",
            _clip(check["summary"] or "", DETAILS_WIDTH).replace("|", "\\|"),
        ]
        for check in report["checks"]
    ]
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [report["name"]]
    if report.get("revision"):
        lines[0] += " · " + report["revision"][:12]
    lines.append("")
    lines.append("| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
    lines.append("")
    lines.append(_("Categories"))
    name_width = max((display_width(c["name"]) for c in report["categories"]), default=0)
    for category in report["categories"]:
        line = score_line(category["score"], category["coverage"])
        lines.append(f"  {_pad(category['name'], name_width)}  {line}")
    lines.append("")
    lines.append(_("Score: %(line)s") % {"line": score_line(report["score"], report["coverage"])})
    verdict = verdict_label(report["verdict"] or "")
    lines.append(
        _("Verdict: %(verdict)s (ready at %(ready_at)s)")
        % {"verdict": verdict, "ready_at": format_score(report["ready_at"])}
    )
    lines.extend(f"  - {sentence}" for sentence in reasons_text(report.get("reasons") or []))
    return "\n".join(lines)


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


class Command(BaseCommand):
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
        parser.add_argument("--json", action="store_true", help=_("Print one JSON document."))
        parser.add_argument(
            "--fail-under",
            type=float,
            metavar="X",
            help=_("Exit 1 when the score is below X or the verdict is not ready."),
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
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=str))
        else:
            self.stdout.write(render_report(report))
        problem = policy_problem(report, options["fail_under"])
        if problem:
            raise CommandError(problem, returncode=POLICY_FAILURE)

    def _assess_files(self, options: Mapping[str, Any]) -> dict[str, Any]:
        if options["queue"]:
            raise CommandError(_("--queue needs --project"), returncode=BAD_INPUT)
        if options["checklist"] is None or options["repo"] is None:
            raise CommandError(
                _("give --checklist FILE and --repo DIR, or --project SLUG"), returncode=BAD_INPUT
            )
        repo: Path = options["repo"]
        if not repo.is_dir():
            raise CommandError(
                _("--repo %(repo)s: not a folder") % {"repo": repo}, returncode=BAD_INPUT
            )
        try:
            checklist, _text = load_checklist_file(options["checklist"])
        except ChecklistError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        context = RunContext(
            repo=repo.resolve(),
            now=timezone.now(),
            allow_commands=settings.READINESS_ALLOW_COMMANDS,
            max_file_bytes=settings.READINESS_MAX_FILE_BYTES,
        )
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
            raise CommandError(
                _("--repo %(repo)s: %(error)s") % {"repo": repo, "error": exc},
                returncode=BAD_INPUT,
            ) from None
        finally:
            if tree is not None:
                tree.close()
        card = score_checks(
            [
                ScoredCheck(
                    key=spec.key,
                    category=spec.category,
                    status=Status(outcomes[spec.key].status),
                    weight=spec.weight,
                    severity=spec.severity,
                )
                for spec in checklist.all_checks()
            ],
            {c.key: c.weight for c in checklist.categories},
            ready_at=checklist.ready_at,
        )
        return engine_report(checklist, outcomes, card, revision)

    def _assess_project(self, options: Mapping[str, Any]) -> dict[str, Any] | None:
        if options["checklist"] is not None or options["repo"] is not None:
            raise CommandError(
                _("--project uses the project's own checklist and source: drop --checklist/--repo"),
                returncode=BAD_INPUT,
            )
        if options["rev"]:
            # A project's history holds what its source is now (or, for past commits, what
            # backfill evaluated); a one-off look at another revision is not stored.
            raise CommandError(
                _(
                    "--rev cannot be combined with --project: use --checklist and --repo for a "
                    "one-off look at a revision, or backfill to record past commits"
                ),
                returncode=BAD_INPUT,
            )
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(
                _("--project %(slug)s: no such project (add it with add_project)")
                % {"slug": options["project"]},
                returncode=BAD_INPUT,
            )
        if project.current_checklist() is None:
            raise CommandError(
                _("--project %(slug)s has no checklist yet") % {"slug": project.slug},
                returncode=BAD_INPUT,
            )
        if options["queue"]:
            if options["fail_under"] is not None:
                raise CommandError(
                    _("--queue cannot be combined with --fail-under: the score is not known yet"),
                    returncode=BAD_INPUT,
                )
            try:
                assessment = assessment_start(project=project, trigger=Trigger.CLI)
            except QueueUnavailable as exc:
                raise CommandError(
                    _("queue unavailable: %(error)s") % {"error": exc},
                    returncode=BAD_INPUT,
                ) from None
            self.stdout.write(str(assessment.pk))
            return None
        assessment = assessment_create(project=project, trigger=Trigger.CLI)
        self._progress(
            _("Assessment #%(id)s of %(slug)s: running %(count)s checks…")
            % {"id": assessment.pk, "slug": project.slug, "count": assessment.checks_total}
        )
        assessment = assessment_run_inline(assessment=assessment)
        if assessment.status != AssessmentStatus.DONE:
            raise CommandError(
                _("assessment #%(id)s ended %(status)s: %(note)s")
                % {"id": assessment.pk, "status": assessment.status, "note": assessment.note},
                returncode=BAD_INPUT,
            )
        return assessment_report(assessment)

    def _progress(self, message: str) -> None:
        # Progress goes to stderr so that --json output stays one clean document.
        self.stderr.write(message, style_func=None)

"""`manage.py init_checklist`: a starter checklist fitted to a repository, dry-run first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand
from readiness.models import base_url_clean, is_git_url
from readiness.reports.fitting import fit_text
from readiness.services.starters import FitError, fit_summary, starter_fit, starter_fit_source


class Command(ReadinessCommand):
    help = _(
        "Detect the stack and layout of a repository, fit the starter checklist that suits "
        "it (with the Dockerfile, CI, Kubernetes and Terraform starters that apply), print "
        "what was detected and the dry run's score and coverage, and write the checklist. "
        "Nothing is saved in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repo",
            required=True,
            help=_(
                "Repository: a folder, or a git URL (one commit read without a checkout; "
                "runtime and command checks are not run in its dry run)."
            ),
        )
        parser.add_argument(
            "--ref",
            default="",
            metavar="REF",
            help=_("With a git URL: the branch, tag or commit to read (default: its HEAD)."),
        )
        parser.add_argument(
            "--starter",
            metavar="NAME",
            help=_(
                "The starter to fit (a file name of checklists/ without .yml), instead of the "
                "detected one."
            ),
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="FILE",
            help=_("Write the checklist there (default: print it on stdout)."),
        )
        parser.add_argument(
            "--force", action="store_true", help=_("With --output: replace an existing file.")
        )
        parser.add_argument(
            "--no-extras",
            action="store_true",
            help=_("The service starter alone, without the infrastructure starters that fit."),
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            default="",
            help=_("Where the running service answers, for the dry run's runtime checks."),
        )
        self.add_json_argument(
            parser, _("Print what was detected and the dry run as one JSON document.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["repo"]
        remote = is_git_url(source)
        repo = Path(source)
        if not remote and not repo.is_dir():
            raise BadInput(_("--repo %(repo)s: no such folder") % {"repo": repo})
        if options["ref"] and not remote:
            raise BadInput(_("--ref: only with a git URL as --repo"))
        output: Path | None = options["output"]
        if output is not None:
            if output.is_dir():
                raise BadInput(_("--output %(file)s: is a folder") % {"file": output})
            if output.exists() and not options["force"]:
                raise BadInput(
                    _("--output %(file)s: the file exists (add --force to replace it)")
                    % {"file": output}
                )
            if not output.parent.is_dir():
                raise BadInput(
                    _("--output %(file)s: no folder %(folder)s")
                    % {"file": output, "folder": output.parent}
                )
        try:
            base_url = base_url_clean(options["base_url"])
        except ValidationError as error:
            raise BadInput(f"--base-url: {' '.join(error.messages)}") from None
        self.stderr.write(_("Fitting a starter to %(repo)s…") % {"repo": source}, style_func=None)
        try:
            if remote:
                fitted = starter_fit_source(
                    source=source,
                    ref=options["ref"],
                    starter=options["starter"],
                    extras=not options["no_extras"],
                    base_url=base_url,
                )
            else:
                fitted = starter_fit(
                    repo=repo,
                    starter=options["starter"],
                    extras=not options["no_extras"],
                    base_url=base_url,
                )
        except FitError as error:
            raise BadInput(str(error)) from None
        summary = fit_summary(fitted)
        # Without --output the checklist is stdout (`> .readiness.yml`), the story stderr.
        story = self.stdout if output is not None else self.stderr
        if options["json"]:
            story.write(json.dumps(summary, ensure_ascii=False))
        else:
            story.write(fit_text(summary), style_func=None)
        if output is None:
            self.stdout.write(fitted.text, ending="")
            return
        output.write_text(fitted.text, encoding="utf-8")
        story.write(_("Checklist written to %(file)s.") % {"file": output})

"""Fitting a starter checklist to a repository and dry-running it: nothing is saved.

`checks.starters` detects the stack and places the starter's paths; this module gives it
the deployment's starters folder, writes the fitted file (with a header that says what was
detected), loads it again so that what is offered is valid, and runs it on the repository
the way `assess --checklist --repo` does, for the score and coverage to show before anyone
saves it. The dashboard's preview leaves out the slow checks (http, command, threshold):
a form answers at once, and they run with the project.

A git URL is read without a checkout: one commit of a cached shallow, blob-less clone
(sources.source_snapshot), whose files are fetched as detection and the dry run read
them; its slow checks are not run either, having no working tree to run in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from checks.checklist import dump_checklist, load_checklist
from checks.gitrevision import GitRevision
from checks.messages import gettext_noop, message
from checks.registry import HISTORY_CHECK_TYPES
from checks.runner import run_checklist
from checks.spec import Checklist, Outcome
from checks.starters import MAX_MARKER_READS, Fit, FitError, fit
from checks.tree import Tree, TreeError
from readiness.models import is_git_url, subfolder_clean
from readiness.scored import checklist_scorecard
from readiness.services.outcomes import run_context
from readiness.services.sources import SourceError, source_snapshot

NOT_IN_PREVIEW = gettext_noop("not run in the preview: it runs with the project")

__all__ = ["FitError", "StarterFit", "starter_fit", "starter_fit_source"]


@dataclass(frozen=True)
class StarterFit:
    """A fitted checklist: how it was made (`fit`), its file (`text`), and its dry run
    (`report`: score, coverage, verdict and each check's status; empty without one)."""

    fit: Fit
    text: str
    checklist: Checklist
    report: dict[str, Any]


def starter_fit(
    *,
    repo: Path,
    starter: str | None = None,
    extras: bool = True,
    base_url: str = "",
    slow_checks: bool = True,
    dry_run: bool = True,
    tree: Tree | None = None,
) -> StarterFit:
    """Detect what fits `repo`, fit it, and dry-run it. `slow_checks` off: http, command
    and threshold checks are `skip` "not run in the preview". `tree`: the files to read
    instead of the working tree at `repo` (a git revision). Raises FitError naming what
    is wrong (no such folder, unknown starter, nothing fits)."""
    folder = Path(settings.READINESS_STARTERS_DIR)
    fitted = fit(repo, folder, starter=starter, extras=extras, tree=tree)
    text = fit_header(fitted) + dump_checklist(fitted.checklist)
    checklist = load_checklist(text, filename=f"{fitted.main.starter.name}.yml")
    if not dry_run:
        return StarterFit(fit=fitted, text=text, checklist=checklist, report={})
    context = run_context(repo.resolve(), placeholders={"base_url": base_url} if base_url else {})
    only = None if slow_checks and tree is None else HISTORY_CHECK_TYPES
    outcomes = run_checklist(checklist, context, only_types=only, tree=tree)
    if only is not None:
        skipped = Outcome.skip(message(NOT_IN_PREVIEW))
        outcomes = {
            key: skipped if outcome.details.get("not_evaluable") else outcome
            for key, outcome in outcomes.items()
        }
    card = checklist_scorecard(checklist, outcomes)
    report = {
        "score": card.score,
        "coverage": card.coverage,
        "verdict": card.verdict,
        "statuses": {key: str(outcome.status) for key, outcome in outcomes.items()},
    }
    return StarterFit(fit=fitted, text=text, checklist=checklist, report=report)


def starter_fit_source(
    *,
    source: str,
    ref: str = "",
    subfolder: str = "",
    starter: str | None = None,
    extras: bool = True,
    base_url: str = "",
    slow_checks: bool = True,
    dry_run: bool = True,
) -> StarterFit:
    """`starter_fit` on a project's source: a local folder (and its subfolder), or one
    commit of a git URL (`ref`, else its default branch) read without a checkout. Raises
    FitError naming what is wrong: no such folder, a remote that cannot be read, a
    subfolder the commit lacks, nothing that fits."""
    source = source.strip()
    if not is_git_url(source):
        try:
            repo = detection_folder(source=source, subfolder=subfolder)
        except ValueError as error:
            raise FitError(str(error)) from None
        return starter_fit(
            repo=repo,
            starter=starter,
            extras=extras,
            base_url=base_url,
            slow_checks=slow_checks,
            dry_run=dry_run,
        )
    try:
        mirror, sha = source_snapshot(source=source, ref=ref.strip())
        revision = GitRevision(mirror, sha, subfolder=subfolder.strip().strip("/"))
    except (SourceError, TreeError) as error:
        raise FitError(f"{source}: {error}") from None
    with revision:
        return starter_fit(
            repo=mirror,
            starter=starter,
            extras=extras,
            base_url=base_url,
            slow_checks=False,
            dry_run=dry_run,
            tree=revision,
        )


def detection_folder(*, source: str, subfolder: str = "") -> Path:
    """The folder detection reads for a project's local source (and its subfolder).
    ValueError naming what is wrong: not a local folder, no such folder (a git URL is
    read by starter_fit_source)."""
    source = source.strip()
    if not source or is_git_url(source):
        raise ValueError(
            _("Give the source to detect from: a folder on this machine or a git URL.")
        )
    folder = Path(source)
    if not folder.is_absolute() or not folder.is_dir():
        raise ValueError(_("%(path)s is not a folder") % {"path": source})
    folder = folder / subfolder_clean(subfolder) if subfolder.strip() else folder
    if not folder.is_dir():
        raise ValueError(_("%(path)s is not a folder") % {"path": folder})
    return folder


def fit_header(fitted: Fit) -> str:
    """The comment on top of a fitted file: where it comes from and what was detected
    (English, like the starters' own comments)."""
    main = fitted.main
    lines = [
        f"# Fitted by init_checklist from checklists/{main.starter.name}.yml"
        + "".join(f" + {d.starter.name}.yml" for d in fitted.extras),
        f"# {main.starter.title}: {_where(main.root)}"
        + (f" ({', '.join(main.files)})" if main.files else ""),
    ]
    lines += [
        f"# {d.starter.title}: {_where(d.root)} ({', '.join(d.files)})" for d in fitted.extras
    ]
    lines += [
        f"# {d.starter.title}: {d.unread} candidate files not read (at most "
        f"{MAX_MARKER_READS} per starter): its folders may be incomplete"
        for d in (main, *fitted.extras)
        if d.unread
    ]
    lines += [
        f"# Also fits, not included: {d.starter.name} in {', '.join(_where(r) for r in d.roots)}"
        for d in fitted.others
    ]
    missing = fitted.not_placed
    if missing:
        lines.append(
            "# Not placed, as the starter has them: " + ", ".join(p.check for p in missing)
        )
    lines += [f"# {starter}: check {old} renamed {new}" for starter, old, new in fitted.renamed]
    return "\n".join(lines) + "\n"


def _where(root: str) -> str:
    return f"{root}/" if root else "the repository's root"


def fit_summary(fitted: StarterFit) -> dict[str, Any]:
    """Plain data of a fit for the command's JSON and the dashboard's preview."""
    fit_ = fitted.fit

    def detection(d: Any) -> dict[str, Any]:
        return {
            "starter": d.starter.name,
            "title": d.starter.title,
            "root": d.root,
            "roots": list(d.roots),
            "files": list(d.files),
            "unread": d.unread,
        }

    report = fitted.report
    return {
        "starter": detection(fit_.main),
        "extras": [detection(d) for d in fit_.extras],
        "others": [detection(d) for d in fit_.others],
        "not_placed": [dataclasses.asdict(p) for p in fit_.not_placed],
        "placed": sum(1 for p in fit_.placements if p.where is not None),
        "renamed": [
            {"starter": starter, "from": old, "to": new} for starter, old, new in fit_.renamed
        ],
        "levels_dropped": list(fit_.levels_dropped),
        "checks": sum(1 for _ in fitted.checklist.all_checks()),
        "score": report["score"],
        "coverage": report["coverage"],
        "verdict": report["verdict"],
        "statuses": report["statuses"],
    }

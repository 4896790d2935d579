"""Registering a project from the command line: its team, source, checklist and schedule,
written together or not at all."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from checks.checklist import load_checklist_file
from checks.spec import Checklist
from readiness.models import ChecklistVersion, Project, Team, is_git_url
from readiness.services.checklists import (
    checklist_prefixed,
    checklist_version_save,
    path_prefix_clean,
    starter_path,
)
from readiness.services.schedules import schedule_sync
from readiness.services.sources import ALLOWED_SCHEMES, SourceError, source_check

DEFAULT_TEAM = "default"
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class ProjectError(ValueError):
    """A project field that cannot be used; the message names the field, and `field` is
    the name of the form field it belongs to when one is known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def source_problem(source: str) -> str | None:
    """None when `source` is an existing local folder or a git URL on an allowed transport."""
    if not source or source.startswith("-"):
        return _("source must be a local folder or a git URL")
    if "://" in source:
        scheme = urlsplit(source).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return _("source: the git transport %(scheme)s is not allowed") % {"scheme": scheme}
        return None
    if is_git_url(source):
        return None
    if not Path(source).is_dir():
        return _("source: %(path)s is not a folder") % {"path": source}
    return None


def ref_problem(ref: str) -> str | None:
    if ref and (ref.startswith("-") or ".." in ref or re.search(r"[\s~^:?*\[\\]", ref)):
        return _("ref: %(ref)s is not a valid git ref") % {"ref": ref}
    return None


def timezone_problem(timezone: str | None) -> str | None:
    # Checked even without a schedule: backfill groups commits by day in this zone.
    if timezone is None:
        return None
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _("timezone: %(zone)s is not a known time zone") % {"zone": timezone}
    return None


def _normalised_source(source: str) -> str:
    # Local folders are stored absolute so that workers started elsewhere find them.
    if is_git_url(source):
        return source
    return str(Path(source).resolve())


def project_upsert(
    *,
    slug: str,
    source: str,
    checklist_path: str | Path,
    ref: str | None = None,
    team_name: str | None = None,
    name: str | None = None,
    schedule: str | None = None,
    timezone: str | None = None,
) -> tuple[Project, ChecklistVersion, bool]:
    """Create or update the project `slug` and store its checklist file as a new version
    when it changed. An argument left at None keeps the project's current value (or takes
    the default for a new project: team "default", name = slug, no schedule, UTC).

    Raises ChecklistError for an invalid checklist and ProjectError or ValueError (from
    the schedule) for a bad field; nothing is saved then, not even the project."""
    if not _SLUG.match(slug):
        raise ProjectError(
            _("slug: %(slug)s may only hold letters, digits, - and _") % {"slug": slug}
        )
    problem = (
        _too_long(slug=slug, source=source, ref=ref, team=team_name, name=name)
        or source_problem(source)
        or ref_problem(ref or "")
        or timezone_problem(timezone)
    )
    if problem:
        raise ProjectError(problem)
    if team_name is not None and not slugify(team_name):
        raise ProjectError(
            _("team: %(name)s needs at least one letter or digit") % {"name": team_name}
        )
    # Parse before any write: an invalid file must leave the database untouched.
    spec, text = load_checklist_file(Path(checklist_path))

    with transaction.atomic():
        project = Project.objects.select_for_update().filter(slug=slug).first()
        if project is None:
            project = Project(slug=slug, name=name or slug, team=_team(team_name or DEFAULT_TEAM))
        else:
            if team_name is not None:
                project.team = _team(team_name)
            if name is not None:
                project.name = name
        project.source = _normalised_source(source)
        if ref is not None:
            project.ref = ref
        if schedule is not None:
            project.schedule = schedule.strip()
        if timezone is not None:
            project.timezone = timezone
        project.save()
        version, created = checklist_version_save(
            project=project, checklist=spec, source_text=text, source_name=Path(checklist_path).name
        )
        schedule_sync(project=project)
    return project, version, created


def project_add(
    *,
    team: Team,
    name: str,
    slug: str,
    source: str,
    ref: str,
    starter: str = "",
    path_prefix: str = "",
    upload: str | bytes | None = None,
    upload_name: str = ".readiness.yml",
) -> Project:
    """A project added from the dashboard: its checklist is the starter file `starter` of
    the checklists folder with every file check's globs under `path_prefix`, or the
    uploaded file. Raises ProjectError (naming the field) or ChecklistError (every problem
    of the file, with its line); nothing is saved then."""
    try:
        prefix = path_prefix_clean(path_prefix)
    except ValueError as error:
        raise ProjectError(str(error), "path_prefix") from None
    if starter:
        try:
            path = starter_path(starter)
        except ValueError as error:
            raise ProjectError(str(error), "starter") from None
        text: str | bytes = path.read_bytes()
        filename = starter
    elif upload is not None:
        text, filename = upload, upload_name
    else:
        raise ProjectError(_("Pick a starter checklist or upload one."), "starter")
    checklist, stored_text = checklist_prefixed(text, filename=filename, prefix=prefix)
    return project_create(
        team=team,
        name=name,
        slug=slug,
        source=source,
        ref=ref,
        checklist=checklist,
        checklist_text=stored_text,
        checklist_name=filename,
    )


def project_create(
    *,
    team: Team,
    name: str,
    slug: str,
    source: str,
    ref: str,
    checklist: Checklist,
    checklist_text: str,
    checklist_name: str,
) -> Project:
    """Create a new project of `team` from the dashboard with its first checklist version.
    Unlike project_upsert it never touches an existing project, and it checks that the
    source answers (see sources.source_check). Raises ProjectError naming the field;
    nothing is saved then."""
    slug = slug.strip()
    name = name.strip()
    source = source.strip()
    ref = ref.strip()
    if not _SLUG.match(slug):
        raise ProjectError(_("Use only letters, digits, - and _."), "slug")
    for field, value in (("name", name), ("slug", slug), ("source", source), ("ref", ref)):
        limit = Project._meta.get_field(field).max_length
        if len(value) > limit:
            raise ProjectError(_("Longer than %(limit)s characters.") % {"limit": limit}, field)
    if not name:
        raise ProjectError(_("Give the project a name."), "name")
    if Project.objects.filter(slug=slug).exists():
        raise ProjectError(
            _("A project with the slug %(slug)s already exists.") % {"slug": slug}, "slug"
        )
    problem = ref_problem(ref)
    if problem:
        raise ProjectError(problem, "ref")
    if source.startswith("-"):
        raise ProjectError(_("A source cannot start with -."), "source")
    try:
        source_check(source=source, ref=ref)
    except SourceError as error:
        raise ProjectError(str(error), "source") from None
    try:
        with transaction.atomic():
            project = _created(
                team, slug, name, source, ref, checklist, checklist_text, checklist_name
            )
    except IntegrityError:
        # Another request took the slug between the check above and the insert.
        raise ProjectError(
            _("A project with the slug %(slug)s already exists.") % {"slug": slug}, "slug"
        ) from None
    return project


def _created(
    team: Team,
    slug: str,
    name: str,
    source: str,
    ref: str,
    checklist: Checklist,
    checklist_text: str,
    checklist_name: str,
) -> Project:
    project = Project.objects.create(
        team=team, slug=slug, name=name, source=_normalised_source(source), ref=ref
    )
    checklist_version_save(
        project=project,
        checklist=checklist,
        source_text=checklist_text,
        source_name=checklist_name[:255],
    )
    return project


def _too_long(**values: str | None) -> str | None:
    limits = {
        "slug": Project._meta.get_field("slug").max_length,
        "source": Project._meta.get_field("source").max_length,
        "ref": Project._meta.get_field("ref").max_length,
        "team": Team._meta.get_field("name").max_length,
        "name": Project._meta.get_field("name").max_length,
    }
    for field, value in values.items():
        if value is not None and len(value) > limits[field]:
            return _("%(field)s: longer than %(limit)s characters") % {
                "field": field,
                "limit": limits[field],
            }
    return None


def _team(name: str) -> Team:
    team = Team.objects.filter(name=name).first() or Team.objects.filter(slug=slugify(name)).first()
    if team is None:
        team = Team.objects.create(name=name, slug=slugify(name))
    return team

"""Registering a project from the command line: its team, source, checklist and schedule,
written together or not at all."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from checks.checklist import decode_checklist, load_checklist_file
from readiness.models import (
    ChecklistVersion,
    Project,
    Team,
    base_url_clean,
    is_git_url,
    subfolder_clean,
)
from readiness.services.audit import audit_record
from readiness.services.builds import BaseResolver, project_build, source_extends
from readiness.services.checklists import (
    checklist_prefixed,
    checklist_version_save,
    path_prefix_clean,
    starter_path,
)
from readiness.services.schedules import schedule_sync
from readiness.services.sources import (
    ALLOWED_SCHEMES,
    SourceError,
    source_check,
    source_check_subfolder,
)
from readiness.services.starters import FitError, starter_fit_source

DEFAULT_TEAM = "default"
# The starter choice "fitted to the source": detected and placed by services.starters.
DETECT = "detect"
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class ProjectError(ValueError):
    """A project field that cannot be used; the message names the field, and `field` is
    the name of the form field it belongs to when one is known."""

    def __init__(
        self, message: str, field: str | None = None, *, others: list[ProjectError] = ()
    ) -> None:
        super().__init__(message)
        self.field = field
        # Every problem found, this one first, so that a form shows them all at once.
        self.all = [self, *others]


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
    subfolder: str | None = None,
    base_url: str | None = None,
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
    if subfolder is not None:
        subfolder = _subfolder_for_cli(source, ref or "", subfolder)
    if base_url is not None:
        try:
            base_url = base_url_clean(base_url)
        except ValidationError as error:
            raise ProjectError(
                _("base URL: %(error)s") % {"error": " ".join(error.messages)}
            ) from None
    if team_name is not None and not slugify(team_name):
        raise ProjectError(
            _("team: %(name)s needs at least one letter or digit") % {"name": team_name}
        )
    # Parse before any write: an invalid file must leave the database untouched.
    repo = None if is_git_url(source) else Path(source)
    _spec, text = load_checklist_file(Path(checklist_path), resolve=BaseResolver(repo=repo))

    with transaction.atomic():
        project = Project.objects.select_for_update().filter(slug=slug).first()
        before = {"schedule": project.schedule, "timezone": project.timezone} if project else None
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
        if subfolder is not None:
            project.subfolder = subfolder
        if base_url is not None:
            project.base_url = base_url
        if schedule is not None:
            project.schedule = schedule.strip()
        if timezone is not None:
            project.timezone = timezone
        project.save()
        # With its bases and the campaigns of its team.
        built = project_build(project=project, source=text, filename=str(checklist_path))
        version, created = checklist_version_save(
            project=project,
            checklist=built.checklist,
            source_text=text,
            source_name=Path(checklist_path).name,
            built=built,
        )
        schedule_sync(project=project)
        after = {"schedule": project.schedule, "timezone": project.timezone}
        if before is not None and before != after:
            audit_record(
                team=project.team,
                actor=None,
                action="project.schedule",
                target=project,
                before=before,
                after=after,
                summary="add_project",
            )
    return project, version, created


def project_add(
    *,
    team: Team,
    name: str,
    slug: str,
    source: str,
    ref: str,
    subfolder: str = "",
    base_url: str = "",
    starter: str = "",
    path_prefix: str = "",
    upload: str | bytes | None = None,
    upload_name: str = ".readiness.yml",
    actor: AbstractBaseUser | None = None,
) -> Project:
    """A project added from the dashboard: its checklist is the starter file `starter` of
    the checklists folder with every file check's globs under `path_prefix`, the starter
    detected and fitted to the source (`starter` DETECT, a local folder), or the
    uploaded file. Raises ProjectError (naming the field) or ChecklistError (every problem
    of the file, with its line); nothing is saved then."""
    problems: list[ProjectError] = []
    try:
        project_fields_check(slug=slug, name=name, source=source, ref=ref, subfolder=subfolder)
    except ProjectError as error:
        problems.extend(error.all)
    try:
        base_url = base_url_clean(base_url)
    except ValidationError as error:
        problems.append(ProjectError(" ".join(error.messages), "base_url"))
    try:
        prefix = path_prefix_clean(path_prefix)
    except ValueError as error:
        problems.append(ProjectError(str(error), "path_prefix"))
    text: str | bytes = upload or b""
    filename = upload_name
    if starter == DETECT:
        if prefix:
            problems.append(
                ProjectError(
                    _("Leave the path prefix empty: detection places the paths itself."),
                    "path_prefix",
                )
            )
        if not problems:
            try:
                fitted = starter_fit_source(
                    source=source, ref=ref, subfolder=subfolder, dry_run=False
                )
            except (FitError, ValueError) as error:
                problems.append(ProjectError(str(error), "starter"))
            else:
                text, filename = fitted.text, f"{fitted.fit.main.starter.name}.yml"
    elif starter:
        try:
            text, filename = starter_path(starter).read_bytes(), starter
        except ValueError as error:
            problems.append(ProjectError(str(error), "starter"))
    elif upload is None:
        problems.append(ProjectError(_("Pick a starter checklist or upload one."), "starter"))
    if problems:
        raise ProjectError(str(problems[0]), problems[0].field, others=problems[1:])
    if prefix and source_extends(checklist_source=decode_checklist(text, filename=filename)):
        raise ProjectError(
            _("This checklist extends a base: give its path prefix as params.path_prefix."),
            "path_prefix",
        )
    resolver = BaseResolver(repo=None if is_git_url(source) else Path(source.strip()))
    _checked, stored_text = checklist_prefixed(
        text, filename=filename, prefix=prefix, resolve=resolver
    )
    slug = slug.strip()
    try:
        with transaction.atomic():
            project = Project.objects.create(
                team=team,
                slug=slug,
                name=name.strip(),
                source=_normalised_source(source.strip()),
                ref=ref.strip(),
                subfolder=subfolder_clean(subfolder),
                base_url=base_url,
            )
            built = project_build(project=project, source=stored_text, filename=filename)
            checklist_version_save(
                project=project,
                checklist=built.checklist,
                source_text=stored_text,
                source_name=filename[:255],
                actor=actor,
                built=built,
            )
    except IntegrityError:
        # Another request took the slug between the check and the insert.
        raise ProjectError(
            _("A project with the slug %(slug)s already exists.") % {"slug": slug}, "slug"
        ) from None
    return project


def project_base_url_set(*, project: Project, base_url: str) -> Project:
    """Set the project's base URL (filled into `${base_url}`; "" turns runtime checks off,
    `skip` "no base URL set"). Raises ProjectError on the field "base_url" naming what is
    wrong; nothing is saved then."""
    try:
        value = base_url_clean(base_url)
    except ValidationError as error:
        raise ProjectError(" ".join(error.messages), "base_url") from None
    project.base_url = value
    project.save(update_fields=["base_url"])
    return project


def project_fields_check(
    *, slug: str, name: str, source: str, ref: str, subfolder: str = ""
) -> None:
    """Raise ProjectError listing every field of a new project that cannot be used (the
    source is tried: see sources.source_check; so is the subfolder of a local source)."""
    slug, name, source, ref = slug.strip(), name.strip(), source.strip(), ref.strip()
    problems = [
        ProjectError(message, field)
        for field, message in _field_problems(slug, name, source, ref, subfolder)
    ]
    if problems:
        raise ProjectError(str(problems[0]), problems[0].field, others=problems[1:])


def _field_problems(
    slug: str, name: str, source: str, ref: str, subfolder: str
) -> Iterator[tuple[str, str]]:
    """(field, message) for each field in error; the source is tried only when the
    fields it depends on are well formed, the subfolder only in a source that answers."""
    too_long = False
    for field, value in (("name", name), ("slug", slug), ("source", source), ("ref", ref)):
        limit = Project._meta.get_field(field).max_length
        if len(value) > limit:
            too_long = True
            yield field, _("Longer than %(limit)s characters.") % {"limit": limit}
    if not name:
        yield "name", _("Give the project a name.")
    if not _SLUG.match(slug):
        yield "slug", _("Use only letters, digits, - and _.")
    elif Project.objects.filter(slug=slug).exists():
        yield "slug", _("A project with the slug %(slug)s already exists.") % {"slug": slug}
    ref_error = ref_problem(ref)
    if ref_error:
        yield "ref", ref_error
    try:
        subfolder = subfolder_clean(subfolder)
    except ValueError as error:
        yield "subfolder", str(error)
        subfolder = ""
    if not source:
        yield "source", _("Give a folder or a git URL.")
    elif source.startswith("-"):
        yield "source", _("A source cannot start with -.")
    elif not too_long:
        try:
            source_check(source=source, ref="" if ref_error else ref)
        except SourceError as error:
            yield "source", str(error)
        else:
            if not ref_error:
                try:
                    source_check_subfolder(source=source, ref=ref, subfolder=subfolder)
                except SourceError as error:
                    yield "subfolder", str(error)


def _subfolder_for_cli(source: str, ref: str, subfolder: str) -> str:
    try:
        subfolder = subfolder_clean(subfolder)
        source_check_subfolder(source=_normalised_source(source), ref=ref, subfolder=subfolder)
    except (ValueError, SourceError) as error:
        raise ProjectError(_("subfolder: %(error)s") % {"error": error}) from None
    return subfolder


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

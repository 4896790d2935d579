"""A project's schedule as a django-celery-beat periodic task.

Beat runs with the DatabaseScheduler, which reloads its entries whenever a PeriodicTask
is saved or deleted, so a schedule changed here takes effect without restarting beat."""

from __future__ import annotations

import json
import zoneinfo

from celery.schedules import crontab
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from readiness.models import Project
from readiness.services.audit import audit_record

SCHEDULED_TASK = "readiness.tasks.scheduled_assessment"
_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
_FIELD_NAMES = {
    "minute": gettext_lazy("minute"),
    "hour": gettext_lazy("hour"),
    "day_of_month": gettext_lazy("day of month"),
    "month_of_year": gettext_lazy("month"),
    "day_of_week": gettext_lazy("day of week"),
}


class ScheduleError(ValueError):
    """A schedule field is not valid. `field` names it (`schedule` or `timezone`), and the
    message reads "field: what is wrong"."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def schedule_task_name(project: Project) -> str:
    # Keyed by id, not slug, so that renaming a project keeps its one periodic task.
    return f"readiness: scheduled assessment of project {project.pk}"


def schedule_parse(*, schedule: str, timezone: str) -> dict[str, str]:
    """The five cron fields of `schedule` by name. Raises ScheduleError naming the field
    and what is wrong with it."""
    parts = schedule.split()
    if len(parts) != len(_FIELDS):
        problem = gettext(
            "%(schedule)s must have 5 fields (minute hour day-of-month month day-of-week), "
            "it has %(count)s"
        ) % {"schedule": repr(schedule), "count": len(parts)}
        raise ScheduleError("schedule", problem)
    fields = dict(zip(_FIELDS, parts, strict=True))
    for name, value in fields.items():
        try:
            crontab(**{name: value})
        except (ValueError, TypeError, IndexError) as exc:
            problem = gettext("%(field)s %(value)s is not valid (%(error)s)") % {
                "field": _FIELD_NAMES[name],
                "value": repr(value),
                "error": exc,
            }
            raise ScheduleError("schedule", problem) from None
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problem = gettext("%(zone)s is not a known time zone") % {"zone": repr(timezone)}
        raise ScheduleError("timezone", problem) from None
    return fields


def schedule_update(
    *,
    project: Project,
    schedule: str,
    timezone: str,
    actor: AbstractBaseUser | None = None,
) -> None:
    """Give the project a new schedule in a time zone and update its periodic task, in one
    transaction, with an entry in the audit trail when it changed. Raises ScheduleError
    naming the field; nothing is saved then, and the project keeps its stored schedule and
    time zone."""
    try:
        with transaction.atomic():
            before = {"schedule": project.schedule, "timezone": project.timezone}
            project.schedule = schedule.strip()
            project.timezone = timezone.strip()
            project.save(update_fields=["schedule", "timezone"])
            schedule_sync(project=project)
            after = {"schedule": project.schedule, "timezone": project.timezone}
            if after != before:
                audit_record(
                    team=project.team,
                    actor=actor,
                    action="project.schedule",
                    target=project,
                    before=before,
                    after=after,
                )
    except ScheduleError:
        project.refresh_from_db(fields=["schedule", "timezone"])
        raise


@transaction.atomic
def schedule_sync(*, project: Project) -> None:
    """Make the project's periodic task match `project.schedule` in `project.timezone`:
    create or update it, or remove it when the schedule is empty."""
    name = schedule_task_name(project)
    schedule = project.schedule.strip()
    if not schedule:
        _delete(PeriodicTask.objects.filter(name=name))
        return
    fields = schedule_parse(schedule=schedule, timezone=project.timezone)
    cron, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=project.timezone)
    existing = PeriodicTask.objects.filter(name=name).select_related("crontab").first()
    previous = existing.crontab if existing else None
    task = existing or PeriodicTask(name=name)
    task.task = SCHEDULED_TASK
    task.crontab = cron
    task.interval = task.solar = task.clocked = None
    task.args = json.dumps([project.pk])
    task.kwargs = "{}"
    task.enabled = True
    task.one_off = False
    task.description = f"Assessment of {project.slug} at {schedule} ({project.timezone})"
    task.save()
    if previous is not None and previous.pk != cron.pk:
        _drop_unused(previous)


def _delete(tasks: QuerySet[PeriodicTask]) -> None:
    for task in list(tasks):
        cron = task.crontab
        task.delete()  # one by one, so that beat's change signal fires
        if cron is not None:
            _drop_unused(cron)


def _drop_unused(cron: CrontabSchedule) -> None:
    if not PeriodicTask.objects.filter(crontab=cron).exists():
        cron.delete()

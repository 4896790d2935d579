import json
import zoneinfo

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from readiness.services.schedules import SCHEDULED_TASK, schedule_sync, schedule_task_name
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _task(project):
    return PeriodicTask.objects.select_related("crontab").get(name=schedule_task_name(project))


def test_it_creates_a_periodic_task_running_the_projects_assessment():
    project = ProjectFactory(schedule="30 8 * * 1-5", timezone="Europe/Paris")

    schedule_sync(project=project)

    task = _task(project)
    assert task.task == SCHEDULED_TASK
    assert json.loads(task.args) == [project.pk]
    assert task.enabled
    cron = task.crontab
    fields = (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week)
    assert fields == ("30", "8", "*", "*", "1-5")
    assert str(cron.timezone) == "Europe/Paris"


def test_it_computes_the_next_run_in_the_projects_time_zone():
    project = ProjectFactory(schedule="30 8 * * *", timezone="America/New_York")
    schedule_sync(project=project)

    schedule = _task(project).crontab.schedule
    # Celery's crontab answers in its own time zone; 08:30 in New York is what must come.
    due = schedule.now() + schedule.remaining_estimate(schedule.now())
    local = due.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    wanted = local.replace(hour=8, minute=30, second=0, microsecond=0)
    assert abs((local - wanted).total_seconds()) < 1


def test_it_updates_the_same_task_when_the_schedule_changes():
    project = ProjectFactory(schedule="30 8 * * 1-5", timezone="UTC")
    schedule_sync(project=project)
    first = _task(project)

    project.schedule = "0 7 * * *"
    project.timezone = "Asia/Tokyo"
    schedule_sync(project=project)

    task = _task(project)
    assert task.pk == first.pk
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "7", "*")
    assert str(task.crontab.timezone) == "Asia/Tokyo"
    # The old crontab served only this project, so it is gone.
    assert not CrontabSchedule.objects.filter(pk=first.crontab.pk).exists()


def test_it_tells_beat_that_the_schedule_changed():
    project = ProjectFactory(schedule="30 8 * * 1-5")
    schedule_sync(project=project)
    before = PeriodicTasks.last_change()

    project.schedule = "45 9 * * 1-5"
    schedule_sync(project=project)

    # The DatabaseScheduler reloads its entries when this timestamp moves.
    assert PeriodicTasks.last_change() > before


def test_it_removes_the_task_when_the_schedule_is_emptied():
    project = ProjectFactory(schedule="30 8 * * 1-5")
    schedule_sync(project=project)

    project.schedule = ""
    schedule_sync(project=project)

    assert not PeriodicTask.objects.filter(name=schedule_task_name(project)).exists()
    assert not CrontabSchedule.objects.filter(minute="30", hour="8").exists()


def test_it_does_nothing_for_a_project_without_schedule():
    project = ProjectFactory(schedule="")

    schedule_sync(project=project)

    assert not PeriodicTask.objects.filter(name=schedule_task_name(project)).exists()


def test_it_keeps_a_crontab_that_another_project_still_uses():
    first = ProjectFactory(schedule="30 8 * * 1-5")
    second = ProjectFactory(schedule="30 8 * * 1-5")
    schedule_sync(project=first)
    schedule_sync(project=second)
    assert _task(first).crontab_id == _task(second).crontab_id

    first.schedule = ""
    schedule_sync(project=first)

    assert _task(second).crontab.minute == "30"


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ("30 8 * *", "5 fields"),
        ("30 8 * * 1-5 2026", "5 fields"),
        ("61 8 * * *", "minute '61'"),
        ("30 25 * * *", "hour '25'"),
        ("30 8 0 * *", "day of month '0'"),
        ("30 8 * 13 *", "month '13'"),
        ("30 8 * * 1-8", "day of week '1-8'"),
        ("30 8 * * funday", "day of week 'funday'"),
    ],
)
def test_it_rejects_a_bad_cron_expression_naming_the_field(schedule, named):
    project = ProjectFactory(schedule=schedule)

    with pytest.raises(ValueError, match=r"^schedule: ") as raised:
        schedule_sync(project=project)

    assert named in str(raised.value)
    assert not PeriodicTask.objects.filter(name=schedule_task_name(project)).exists()


def test_it_rejects_an_unknown_time_zone_naming_the_field():
    project = ProjectFactory(schedule="30 8 * * 1-5", timezone="Europe/Atlantis")

    with pytest.raises(ValueError, match=r"^timezone: 'Europe/Atlantis'"):
        schedule_sync(project=project)

    assert not PeriodicTask.objects.exists()
    assert not CrontabSchedule.objects.exists()


def test_it_leaves_the_previous_schedule_when_the_new_one_is_invalid():
    project = ProjectFactory(schedule="30 8 * * 1-5")
    schedule_sync(project=project)

    project.schedule = "99 8 * * 1-5"
    with pytest.raises(ValueError):
        schedule_sync(project=project)

    assert _task(project).crontab.minute == "30"

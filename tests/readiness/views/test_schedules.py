from django.urls import reverse

from readiness.models import Role

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_it_lets_admins_set_the_schedule(world, login):
    response = login(Role.ADMIN).post(
        url("project-schedule", "payments-api"),
        {"schedule": "30 8 * * 1-5", "timezone": "Europe/Paris"},
        headers=HTMX,
    )
    assert response.status_code == 200
    world.project.refresh_from_db()
    assert (world.project.schedule, world.project.timezone) == ("30 8 * * 1-5", "Europe/Paris")
    assert "Schedule saved." in response.content.decode()


def test_it_names_the_bad_schedule_field_and_keeps_the_old_schedule(world, login):
    response = login(Role.ADMIN).post(
        url("project-schedule", "payments-api"),
        {"schedule": "30 8 * * 1-5", "timezone": "Mars/Olympus"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()
    world.project.refresh_from_db()
    assert (world.project.schedule, world.project.timezone) == ("", "UTC")


def test_it_forbids_editors_to_change_the_schedule(world, login):
    response = login(Role.EDITOR).post(
        url("project-schedule", "payments-api"), {"schedule": "0 * * * *", "timezone": "UTC"}
    )
    assert response.status_code == 403

from django.urls import reverse

from readiness.models import Role

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_the_project_page_shows_the_base_url_and_its_form_to_admins(world, login):
    world.project.base_url = "https://pay.example.com"
    world.project.save()

    admin = login(Role.ADMIN).get(url("project", "payments-api")).content.decode()
    viewer = login(Role.VIEWER).get(url("project", "payments-api")).content.decode()

    assert 'data-testid="base-url-form"' in admin
    assert 'value="https://pay.example.com"' in admin
    assert "<code>https://pay.example.com</code>" in viewer
    assert 'data-testid="base-url-form"' not in viewer


def test_it_lets_admins_set_the_base_url(world, login):
    response = login(Role.ADMIN).post(
        url("project-base-url", "payments-api"),
        {"base_url": " https://pay.example.com/ "},
        headers=HTMX,
    )

    assert response.status_code == 200
    world.project.refresh_from_db()
    assert world.project.base_url == "https://pay.example.com"
    html = response.content.decode()
    assert "Base URL saved." in html
    assert 'value="https://pay.example.com"' in html


def test_an_empty_base_url_turns_runtime_checks_off(world, login):
    world.project.base_url = "https://pay.example.com"
    world.project.save()

    response = login(Role.ADMIN).post(
        url("project-base-url", "payments-api"), {"base_url": ""}, headers=HTMX
    )

    world.project.refresh_from_db()
    assert world.project.base_url == ""
    assert "No base URL: runtime checks are skipped" in response.content.decode()


def test_it_names_what_is_wrong_with_a_bad_base_url_and_keeps_the_old_one(world, login):
    world.project.base_url = "https://pay.example.com"
    world.project.save()

    response = login(Role.ADMIN).post(
        url("project-base-url", "payments-api"),
        {"base_url": "ftp://pay.example.com"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert 'data-testid="error-base_url"' in html
    assert "Give an http:// or https:// URL with a host." in html
    assert 'value="ftp://pay.example.com"' in html
    world.project.refresh_from_db()
    assert world.project.base_url == "https://pay.example.com"


def test_the_error_is_in_french_for_a_french_reader(world, login):
    response = login(Role.ADMIN).post(
        url("project-base-url", "payments-api"),
        {"base_url": "https://pay.example.com/?a=1"},
        headers={**HTMX, "Accept-Language": "fr"},
    )

    assert "sans paramètres, fragment ni identifiants" in response.content.decode()


def test_it_forbids_editors_to_change_the_base_url(world, login):
    response = login(Role.EDITOR).post(
        url("project-base-url", "payments-api"), {"base_url": "https://x.example.com"}
    )

    assert response.status_code == 403
    world.project.refresh_from_db()
    assert world.project.base_url == ""

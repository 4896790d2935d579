"""The project page's badge card, and a new badge key made by a team admin."""

from django.urls import reverse

from readiness.models import AuditEntry, Role

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_the_project_page_shows_the_markdown_to_paste(world, login):
    html = login(Role.VIEWER).get(url("project", "payments-api")).content.decode()
    key = world.project.badge_key

    assert 'data-testid="badge-markdown"' in html
    badge = f"http://testserver/badge/payments-api.svg?key={key}"
    assert f"[![readiness]({badge})](http://testserver/projects/payments-api/)" in html
    assert f'<img src="{badge}"' in html
    assert f"http://testserver/badge/payments-api.json?key={key}" in html
    assert "Ctrl+C" in html
    # Only a team admin sees the button that makes a new key.
    assert 'data-testid="badge-key-form"' not in html


def test_an_admin_makes_a_new_key_and_the_old_urls_stop_working(world, login, client):
    admin = login(Role.ADMIN)
    old = world.project.badge_key
    assert (
        'data-testid="badge-key-form"' in admin.get(url("project", "payments-api")).content.decode()
    )

    response = admin.post(url("project-badge-key", "payments-api"), headers=HTMX)

    world.project.refresh_from_db()
    new = world.project.badge_key
    assert new != old and len(new) >= 24
    html = response.content.decode()
    assert f"payments-api.svg?key={new}" in html
    assert 'data-testid="badge-key-regenerated"' in html
    assert client.get(url("badge-svg", "payments-api"), {"key": old}).status_code == 404
    assert client.get(url("badge-svg", "payments-api"), {"key": new}).status_code == 200
    entry = AuditEntry.objects.get(action="project.badge_key")
    assert (entry.team, entry.actor, entry.target_label) == (
        world.team,
        admin.user,
        "Payments API",
    )
    assert old not in str(entry.before) + str(entry.after) + entry.summary


def test_editors_may_not_make_a_new_key(world, login):
    old = world.project.badge_key

    response = login(Role.EDITOR).post(url("project-badge-key", "payments-api"), headers=HTMX)

    assert response.status_code == 403
    world.project.refresh_from_db()
    assert world.project.badge_key == old


def test_another_teams_project_is_not_found(world, login):
    response = login(Role.ADMIN).post(url("project-badge-key", "secret"), headers=HTMX)

    assert response.status_code == 404


def test_the_card_is_in_french_for_a_french_reader(world, login):
    html = (
        login(Role.ADMIN)
        .get(url("project", "payments-api"), headers={"Accept-Language": "fr"})
        .content.decode()
    )

    assert "Markdown pour un README" in html
    assert "Nouvelle clé de badge" in html


def test_every_project_gets_its_own_key(db):
    from tests.factories import ProjectFactory

    keys = {ProjectFactory().badge_key for _ in range(5)}

    assert len(keys) == 5

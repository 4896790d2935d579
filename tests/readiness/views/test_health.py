import pytest
from django.db import OperationalError, connection
from django.urls import reverse


@pytest.mark.django_db
def test_it_answers_ok_without_login_when_the_database_answers(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_with_the_reason_when_the_database_is_unreachable(client):
    def unreachable(execute, sql, params, many, context):
        # Where the driver raises when the server is gone: the real connection, failing.
        raise OperationalError("connection to server at 10.0.0.5 port 5432 failed")

    with connection.execute_wrapper(unreachable):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error",
        "reason": "database unreachable (OperationalError)",
    }
    assert b"10.0.0.5" not in response.content


@pytest.mark.django_db
def test_it_only_answers_reads(client):
    assert client.post(reverse("health")).status_code == 405
    assert client.head(reverse("health")).status_code == 200


def test_it_lives_at_health_outside_the_dashboard_namespace():
    assert reverse("health") == "/health/"

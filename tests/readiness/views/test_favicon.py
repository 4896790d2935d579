import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_sends_favicon_ico_to_the_static_icon_without_login(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.redirect_chain == [("/static/readiness/favicon.ico", 302)]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


@pytest.mark.django_db
def test_it_links_the_icon_from_every_page(client):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/readiness/favicon.svg" type="image/svg+xml">' in html
    svg = client.get("/static/readiness/favicon.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")

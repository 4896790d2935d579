"""HTMX posts carry the CSRF token from the hx-headers attribute on <body>; without it a
post is refused."""

import json
import re

from django.urls import reverse

from readiness.models import ActionItem, Role


def body_token(html: str) -> str:
    headers = re.search(r"<body[^>]*hx-headers='([^']+)'", html).group(1)
    return json.loads(headers)["X-CSRFToken"]


def test_it_refuses_an_htmx_post_without_the_token(world, login):
    client = login(Role.EDITOR, enforce_csrf_checks=True)
    client.get(reverse("readiness:project", args=["payments-api"]))
    response = client.post(
        reverse("readiness:action-item-create", args=["payments-api"]),
        {"title": "Deploy"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert not ActionItem.objects.exists()


def test_it_accepts_an_htmx_post_with_the_token_from_hx_headers(world, login):
    client = login(Role.EDITOR, enforce_csrf_checks=True)
    page = client.get(reverse("readiness:project", args=["payments-api"])).content.decode()
    response = client.post(
        reverse("readiness:action-item-create", args=["payments-api"]),
        {"title": "Deploy"},
        headers={"HX-Request": "true", "X-CSRFToken": body_token(page)},
    )
    assert response.status_code == 200
    assert ActionItem.objects.get().title == "Deploy"


def test_it_puts_the_token_once_in_hx_headers_on_every_page(world, login):
    html = login().get(reverse("readiness:overview")).content.decode()
    assert body_token(html)
    assert html.count("X-CSRFToken") == 1

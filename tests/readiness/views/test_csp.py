"""The Content-Security-Policy: every answer carries it, the templates hold nothing it would
refuse (inline scripts, event handlers, style attributes, htmx's eval features), and the
HTML report allows exactly its own inline styles. tests/browser/test_csp.py watches the
pages in Chromium."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from readiness.reports.html import inline_style_sources
from tests import factories

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The HTML report is a standalone file: its styles are inline, allowed by their hash.
STANDALONE = {TEMPLATES / "readiness" / "report.html"}


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
def test_every_answer_carries_the_policy(client):
    user = factories.UserFactory()
    client.force_login(user)
    for url in (reverse("login"), reverse("readiness:overview"), reverse("health")):
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"][0] == "'self'"
        assert all(source.startswith("'sha256-") for source in policy["style-src"][1:])
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "style-src-attr" not in policy


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_holds_what_the_policy_refuses(template):
    text = template.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>", text)
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\shx-on[:-]", text), "hx-on runs its code through eval"
    assert "js:" not in text and "javascript:" not in text
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    if template not in STANDALONE:
        assert "<style" not in text


def test_htmx_is_told_to_use_neither_eval_nor_an_inline_style():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert (
        """<meta name="htmx-config" content='{"includeIndicatorStyles": false, """
        """"allowEval": false}'>"""
    ) in base


def test_inline_style_sources_hash_each_style_block():
    page = "<head><style>\n  body { color: red; }\n</style><style>p{}</style></head>"
    expected = [
        f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
        for block in (b"\n  body { color: red; }\n", b"p{}")
    ]
    assert inline_style_sources(page) == expected


@pytest.mark.django_db
def test_the_html_report_allows_exactly_its_own_inline_styles():
    assessment = factories.AssessmentFactory(score=7.5, coverage=1.0)
    project = assessment.project
    viewer = factories.UserFactory()
    factories.MembershipFactory(team=project.team, user=viewer)
    client = Client()
    client.force_login(viewer)

    response = client.get(
        reverse("readiness:report-download", args=[project.slug]) + "?format=html"
    )

    assert response.status_code == 200
    style_src = directives(response["Content-Security-Policy"])["style-src"]
    page = response.content.decode()
    assert inline_style_sources(page)
    assert set(inline_style_sources(page)) <= set(style_src)
    markdown = client.get(
        reverse("readiness:report-download", args=[project.slug]) + "?format=markdown"
    )
    assert set(directives(markdown["Content-Security-Policy"])["style-src"]) == set(
        settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    )

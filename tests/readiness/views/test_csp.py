"""The Content-Security-Policy: every answer carries it, the templates hold nothing it would
refuse (inline scripts, event handlers, style attributes, htmx's eval features), and the
HTML report allows exactly its own inline styles. tests/browser/test_csp.py watches the
pages in Chromium."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import reverse

from checks.checklist import load_checklist
from readiness.reports.html import inline_style_sources
from readiness.services.bases import base_checklist_save
from readiness.services.campaigns import campaign_create
from readiness.services.checklists import checklist_version_save
from tests import factories
from tests.readiness.views.pages import page_names

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


@pytest.fixture
def every_page(db):
    """One of everything a page shows: a project with a checklist and two assessments, a
    team base checklist, a campaign; and, for each page of the app, its URL."""
    team = factories.TeamFactory(name="Payments", slug="payments")
    project = factories.ProjectFactory(team=team, slug="payments-api")
    text = yaml.safe_dump(
        {
            "version": 1,
            "name": "Payments",
            "categories": [{"key": "ops", "checks": [{"key": "runbook", "type": "manual"}]}],
        }
    )
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    first, second = (
        factories.AssessmentFactory(project=project, checklist=project.current_checklist())
        for _ in range(2)
    )
    base_checklist_save(team=team, slug="service", source=text, actor=None)
    today = dt.date.today()
    campaign, _updated = campaign_create(
        team=team,
        name="Runbooks",
        start=today,
        target=today + dt.timedelta(days=30),
        checks_text="version: 1\noverrides:\n  runbook: {severity: critical}\n",
        actor=None,
        teams=[team],
    )
    urls = {
        "overview": reverse("readiness:overview"),
        "project": reverse("readiness:project", args=[project.slug]),
        "history": reverse("readiness:history", args=[project.slug]),
        "checklist": reverse("readiness:checklist", args=[project.slug]),
        "assessment": reverse("readiness:assessment", args=[second.pk]),
        "compare": reverse("readiness:compare") + f"?a={first.pk}&b={second.pk}",
        "import-document": reverse("readiness:import-document", args=[project.slug]),
        "report-download": reverse("readiness:report-download", args=[project.slug])
        + "?format=html",
        "standup": reverse("readiness:standup", args=[team.slug]),
        "team": reverse("readiness:team", args=[team.slug]),
        "team-audit": reverse("readiness:team-audit", args=[team.slug]),
        "project-new": reverse("readiness:project-new", args=[team.slug]),
        "bases": reverse("readiness:bases", args=[team.slug]),
        "base": reverse("readiness:base", args=[team.slug, "service"]),
        "campaigns": reverse("readiness:campaigns", args=[team.slug]),
        "campaign": reverse("readiness:campaign", args=[team.slug, campaign.slug]),
        "campaign-edit": reverse("readiness:campaign-edit", args=[team.slug, campaign.slug]),
        "campaign-delete": reverse("readiness:campaign-delete", args=[team.slug, campaign.slug]),
    }
    return urls


def test_every_page_of_the_app_answers_with_the_policy(client, every_page):
    # Every URL of the app is either a page opened here or listed with why it is not one.
    assert set(every_page) == page_names(), "a new URL: open it here or list it in NOT_PAGES"
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    for name, url in every_page.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"], name

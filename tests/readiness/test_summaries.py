"""Check summaries shown in the reader's language: the engine's messages stored with each
result, translated by the dashboard and the reports, and the stored English otherwise."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from checks.checklist import load_checklist
from checks.messages import render
from readiness.models import Role, Trigger
from readiness.reports import report_build
from readiness.services.assessments import assessment_create
from readiness.services.checklists import checklist_version_save
from readiness.services.runs import assessment_run_inline
from readiness.verdicts import summary_text
from tests import factories
from tests.checks.test_messages import sample_outcomes
from tests.readiness.repo_builders import category, checklist, write_files
from tests.readiness.test_translations import PO_FILE, po_entries

CHECKS_DIR = Path(settings.BASE_DIR) / "checks"


def noop_templates() -> set[str]:
    """Every string literal the engine marks with gettext_noop."""
    found = set()
    for path in CHECKS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "gettext_noop"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_it_has_every_engine_template_in_the_french_catalogue():
    translated = {e.msgid for e in po_entries(PO_FILE) if e.msgid and all(e.msgstr.values())}
    templates = noop_templates()
    assert len(templates) > 50
    assert sorted(templates - translated) == []


def test_it_formats_every_sample_outcome_in_french(tmp_path):
    outcomes = sample_outcomes(tmp_path)
    with translation.override("fr"):
        french = {key: render(o.message.as_dict(), gettext) for key, o in outcomes.items()}
    assert french["grep-pass"] == "3 correspondances dans 2 fichiers"
    assert french["grep-nofile"] == "paths ne correspond à aucun fichier"
    assert french["manual-none"] == "attestation requise"
    assert french["manual-expired"] == "attestation expirée le 2026-05-10"
    assert french["file-any"] == "1 alternative sur 2 existe"
    unchanged = [key for key, o in outcomes.items() if french[key] == o.summary]
    assert unchanged == []


def test_it_shows_the_stored_summary_when_the_message_does_not_fit():
    broken = {"message": {"template": "%(count)s files", "params": {"other": 1}}}
    assert summary_text("3 files", broken) == "3 files"
    assert summary_text("3 files", {"message": "not a message"}) == "3 files"
    assert summary_text("3 files", None) == "3 files"


@pytest.fixture
def graded_project(tmp_path):
    repo = write_files(tmp_path / "repo", {"app/settings.py": "DEBUG = False\n"})
    check = {"key": "no-debug", "type": "grep", "paths": ["**/*.py"], "pattern": "DEBUG = False"}
    text = yaml.safe_dump(checklist(category("security", check)), sort_keys=False)
    project = factories.ProjectFactory(source=str(repo))
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    assessment = assessment_create(project=project, trigger=Trigger.CLI)
    assessment_run_inline(assessment=assessment)
    return project


@pytest.mark.django_db
def test_it_shows_a_stored_grep_summary_in_french_on_the_project_page(graded_project):
    user = factories.UserFactory()
    factories.MembershipFactory(team=graded_project.team, user=user, role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    url = reverse("readiness:project", args=[graded_project.slug])

    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "1 correspondance dans 1 fichier" in french
    assert "1 match in 1 file" not in french
    assert "1 match in 1 file" in english


@pytest.mark.django_db
def test_it_writes_summaries_in_french_in_a_french_report(graded_project):
    with translation.override("fr"):
        report = report_build(project=graded_project)
    assert [check.summary for check in report.checks] == ["1 correspondance dans 1 fichier"]

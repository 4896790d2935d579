"""Golden outputs: what users see (CLI outputs and page HTML) is compared byte for byte with
files generated from the code before issue 8's restructuring. A difference means a change of
behaviour; regenerate only for an intended change: READINESS_UPDATE_GOLDEN=1 bin/test
tests/golden."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client

from readiness.models import Assessment, Project, Role, Team
from tests import factories
from tests.golden import scenario
from tests.readiness.repo_builders import run_command

# PostgreSQL's jsonb orders the keys of stored details its own way, so each database has its
# own set of files.
GOLDEN_DIR = Path(__file__).resolve().parent / "files" / connection.vendor
UPDATE = os.environ.get("READINESS_UPDATE_GOLDEN") == "1"

_VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'("X-CSRFToken": ")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="token" value=")[^"]+'), r"\1<token>"),
    (re.compile(r'("duration_ms": )[0-9.e+-]+'), r"\1<ms>"),
    # A project's badge key is random (secrets.token_urlsafe), also inside a quoted URL.
    (re.compile(r"((?:\?|%3F)key(?:=|%3D))[A-Za-z0-9_-]{20,}"), r"\1<badge-key>"),
    # Check durations are measured on a real clock, not the frozen one.
    (re.compile(r"(Took |Durée[\s\xa0]?:[\s\xa0]?)[0-9.,\s\u202f\xa0]+ ?m?s\b"), r"\1<duration>"),
]


class Golden:
    """Collects outputs by name; compares them with the stored files (or rewrites them)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = str(tmp_path)
        self.mismatches: list[str] = []
        self.seen: set[str] = set()

    def normalise(self, text: str) -> str:
        text = text.replace(self.tmp, "<tmp>")
        for pattern, replacement in _VOLATILE:
            text = pattern.sub(replacement, text)
        return text

    def check(self, name: str, text: str) -> None:
        assert name not in self.seen, name
        self.seen.add(name)
        text = self.normalise(text)
        path = GOLDEN_DIR / name
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8") if path.exists() else None
        if expected != text:
            self.mismatches.append(name)
            path.with_name(path.name + ".actual").write_text(text, encoding="utf-8")

    def command(self, name: str, *args: str) -> None:
        code, out, err = run_command(*args)
        self.check(name, f"exit {code}\n--- stdout\n{out}--- stderr\n{err}")

    def page(self, name: str, client: Client, url: str, **headers: str) -> None:
        response = client.get(url, headers=headers)
        body = response.content.decode("utf-8")
        self.check(name, f"{response.status_code} {response['Content-Type']}\n{body}")


def _user_client(language: str) -> Client:
    user = factories.UserFactory(username=f"lead-{language}")
    for team_slug in ("shop-team", "default"):
        team, _ = Team.objects.get_or_create(slug=team_slug, defaults={"name": team_slug.title()})
        factories.MembershipFactory(team=team, user=user, role=Role.ADMIN)
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_outputs_and_pages_are_unchanged(tmp_path, settings):
    settings.READINESS_ALLOW_COMMANDS = False
    golden = Golden(tmp_path)
    with time_machine.travel(scenario.NOW, tick=False):
        _run_scenario(golden, tmp_path)
    if UPDATE:
        pytest.skip("golden files rewritten")
    assert not golden.mismatches, (
        f"outputs differ from tests/golden/files (.actual files beside them): {golden.mismatches}"
    )


def _run_scenario(golden: Golden, tmp_path: Path) -> None:
    repo, checklist_file = scenario.build_repository(tmp_path)
    seed = str(scenario.seed_document())

    # Stateless CLI.
    golden.command(
        "assess-repo.json",
        "assess",
        "--checklist",
        str(checklist_file),
        "--repo",
        str(repo),
        "--json",
    )
    golden.command(
        "assess-repo.txt", "assess", "--checklist", str(checklist_file), "--repo", str(repo)
    )
    golden.command(
        "assess-rev.txt",
        "assess",
        "--checklist",
        str(checklist_file),
        "--repo",
        str(repo),
        "--rev",
        "HEAD~1",
        "--fail-under",
        "9",
    )
    for lang in ("en", "fr"):
        for fmt in ("markdown", "json"):
            golden.command(
                f"import-doc-dry-run-{lang}.{fmt}",
                "import_doc",
                seed,
                "--dry-run",
                "--lang",
                lang,
                "--format",
                fmt,
            )

    # A project with history.
    golden.command(
        "add-project.txt",
        "add_project",
        "shop",
        "--source",
        str(repo),
        "--checklist",
        str(checklist_file),
        "--team",
        "shop-team",
        "--name",
        "Shop",
        "--schedule",
        "30 8 * * 1-5",
        "--timezone",
        "Europe/Paris",
    )
    golden.command(
        "backfill.txt",
        "backfill",
        "--project",
        "shop",
        "--since",
        "2026-02-19",
        "--until",
        "2026-02-28",
    )
    golden.command("assess-project-1.json", "assess", "--project", "shop", "--json")

    en, fr = _user_client("en"), _user_client("fr")
    project = Project.objects.get(slug="shop")
    attested = en.post(
        "/projects/shop/attestations/",
        {"check_key": "pentest", "status": "pass", "note": "Done by Acme"},
    )
    added = en.post(
        "/projects/shop/action-items/",
        {"title": "Add the runbook's on-call section", "owner": "Jane", "due_date": "2026-03-10"},
    )
    assert (attested.status_code, added.status_code) == (200, 200)
    golden.command("assess-project-2.txt", "assess", "--project", "shop")
    golden.command("history.json", "history", "--project", "shop", "--json")
    golden.command("history.txt", "history", "--project", "shop")
    golden.command("export-checklist.yml", "export_checklist", "--project", "shop")
    for lang in ("en", "fr"):
        for fmt in ("markdown", "html", "json"):
            golden.command(
                f"report-{lang}.{fmt}",
                "report",
                "--project",
                "shop",
                "--format",
                fmt,
                "--lang",
                lang,
            )

    # A project imported from a document.
    golden.command(
        "import-doc.md",
        "import_doc",
        seed,
        "--project",
        "docs",
        "--source",
        str(repo),
        "--team",
        "default",
    )
    golden.command(
        "import-doc-run.json", "import_doc", seed, "--project", "docs", "--run", "--format", "json"
    )

    assessments = list(Assessment.objects.filter(project=project).order_by("evaluated_at", "pk"))
    first, latest = assessments[0], assessments[-1]
    docs_latest = Assessment.objects.filter(project__slug="docs").order_by("-pk").first()
    # Badge keys are random: fixed ones keep the project pages' badge cards stable.
    for slug in Project.objects.values_list("slug", flat=True):
        Project.objects.filter(slug=slug).update(badge_key=f"golden-{slug}"[:24])
    pages = {
        "overview": "/",
        "project": "/projects/shop/",
        "project-chart-all": "/projects/shop/chart/?range=all",
        "history": "/projects/shop/history/",
        "history-filtered": "/projects/shop/history/?trigger=backfill&date_from=2026-02-21",
        "checklist": "/projects/shop/checklist/",
        "checklist-download": "/projects/shop/checklist/v1.yml",
        "assessment-first": f"/assessments/{first.pk}/",
        "assessment-latest": f"/assessments/{latest.pk}/",
        "progress": f"/assessments/{latest.pk}/progress/",
        "compare": f"/compare/?a={first.pk}&b={latest.pk}",
        "standup": "/teams/shop-team/standup/",
        "import": "/projects/shop/import/",
        "report-markdown": "/projects/shop/report/?format=markdown",
        "report-html": "/projects/shop/report/?format=html",
        "report-json": f"/projects/shop/report/?format=json&assessment={first.pk}",
        "docs-project": "/projects/docs/",
        "docs-assessment": f"/assessments/{docs_latest.pk}/",
        "docs-history": "/projects/docs/history/",
        "health": "/health/",
    }
    for lang, client in (("en", en), ("fr", fr)):
        for name, url in pages.items():
            golden.page(f"page-{name}-{lang}.html", client, url)
        golden.page(
            f"htmx-project-chart-{lang}.html",
            client,
            "/projects/shop/chart/?range=30d",
            **{"HX-Request": "true"},
        )
        golden.page(
            f"htmx-history-{lang}.html",
            client,
            "/projects/shop/history/?page=1",
            **{"HX-Request": "true"},
        )
        golden.page(
            f"htmx-assessment-{lang}.html",
            client,
            f"/assessments/{latest.pk}/",
            **{"HX-Request": "true"},
        )

    # Forms that answer with a fragment: errors, and an import preview.
    for lang, client in (("en", en), ("fr", fr)):
        for name, url, data in (
            ("attest-error", "/projects/shop/attestations/", {"check_key": "pentest"}),
            ("action-item-error", "/projects/shop/action-items/", {"title": ""}),
            (
                "schedule-error",
                "/projects/shop/schedule/",
                {"schedule": "61 * * * *", "timezone": "Mars/Olympus"},
            ),
            (
                "checklist-error",
                "/projects/shop/checklist/",
                {"text": "version: 1\ncategories:\n  - key: Bad Key\n"},
            ),
        ):
            response = client.post(url, data, headers={"HX-Request": "true"})
            golden.check(
                f"post-{name}-{lang}.html", f"{response.status_code}\n{response.content.decode()}"
            )
        with open(seed, "rb") as document:
            response = client.post(
                "/projects/shop/import/", {"file": document}, headers={"HX-Request": "true"}
            )
        golden.check(
            f"post-import-preview-{lang}.html",
            f"{response.status_code}\n{response.content.decode()}",
        )

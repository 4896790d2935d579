import json
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from readiness.models import ActionItem, Assessment, Attestation, ChecklistVersion, Role
from readiness.services.checklists import checklist_upload
from tests import factories
from tests.readiness.importer.conftest import SEED, read_doc
from tests.readiness.importer.test_corpus import CORPUS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pending_uploads_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def project():
    team = factories.TeamFactory(slug="sos-team")
    return factories.ProjectFactory(team=team, slug="sos")


@pytest.fixture
def member(project):
    def make(role: str) -> Client:
        user = factories.UserFactory(username=f"{role}-member")
        factories.MembershipFactory(team=project.team, user=user, role=role)
        client = Client()
        client.force_login(user)
        return client

    return make


def upload(client: Client, name: str, data: bytes, **headers):
    return client.post(
        "/projects/sos/import/",
        {"action": "preview", "file": SimpleUploadedFile(name, data)},
        **headers,
    )


def saved_rows(project) -> int:
    return (
        ChecklistVersion.objects.filter(project=project).count()
        + Attestation.objects.filter(project=project).count()
        + Assessment.objects.filter(project=project).count()
        + ActionItem.objects.filter(project=project).count()
    )


@time_machine.travel("2026-03-01T09:00:00+00:00", tick=False)
def test_it_previews_the_seed_without_saving_then_saves_on_confirm(member, project):
    editor = member(Role.EDITOR)
    response = upload(editor, SEED, read_doc("seed-mojibake.md"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-repaired"' in html
    assert 'data-count="manual_checks"><td>Manual checks</td><td class="num">34<' in html
    assert "key: coherence-regions" in html
    assert html.count('<li data-kind="untranslated">') == 15
    assert saved_rows(project) == 0
    token = html.split('name="token" value="')[1].split('"')[0]
    confirmed = editor.post("/projects/sos/import/", {"action": "confirm", "token": token})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/projects/sos/"
    assert Assessment.objects.filter(project=project, claimed=True).count() == 2
    assert Attestation.objects.filter(project=project).count() == 34
    assert project.current_checklist().checks.count() == 45
    # The token is used up: confirming again saves nothing more.
    again = editor.post("/projects/sos/import/", {"action": "confirm", "token": token})
    assert again.status_code == 400
    assert Assessment.objects.filter(project=project).count() == 2


def token_of(response) -> str:
    return response.content.decode().split('name="token" value="')[1].split('"')[0]


CURRENT = """\
version: 1
name: SOS readiness
categories:
  - key: security
    name: Security
    checks:
      - key: pentest-done
        name: Pentest done by an outside firm
        type: manual
        valid_days: 30
      - key: no-debug
        name: DEBUG is off
        type: grep
        paths: ["*.py"]
        pattern: "DEBUG = True"
        expect: absent
"""
REVIEW = (
    "# Review\n\nDate: 2026-02-16\n\n## Security\n\n- ✅ Pentest done\n- ❌ Secrets rotated\n"
).encode()


@pytest.fixture
def current(project):
    version, _created = checklist_upload(
        project=project, source=CURRENT, source_name=".readiness.yml"
    )
    return version


@time_machine.travel("2026-03-01T09:00:00+00:00", tick=False)
def test_it_shows_the_current_version_beside_the_documents_and_what_changes(
    member, project, current
):
    html = upload(member(Role.EDITOR), "review.md", REVIEW).content.decode()
    current_side = html.split('data-testid="import-current"')[1].split("</div>")[0]
    assert "Version 1" in current_side and "2 checks" in current_side
    assert "2 checks" in html.split('data-testid="import-new"')[1].split("</div>")[0]
    added = html.split('data-testid="import-added"')[1].split("</details>")[0]
    assert "secrets-rotated" in added and "pentest-done" not in added
    removed = html.split('data-testid="import-removed"')[1].split("</details>")[0]
    assert "no-debug" in removed
    changed = html.split('data-testid="import-changed"')[1].split("</details>")[0]
    assert "name: Pentest done by an outside firm → Pentest done" in changed
    assert "valid_days: 30 → 90" in changed
    assert 'name="mode" value="merge"' in html and 'name="mode" value="replace"' in html
    assert " checked" not in html.split('data-testid="import-mode"')[1].split("</fieldset>")[0]


@time_machine.travel("2026-03-01T09:00:00+00:00", tick=False)
def test_it_saves_nothing_until_merge_or_replace_is_chosen(member, project, current):
    editor = member(Role.EDITOR)
    token = token_of(upload(editor, "review.md", REVIEW))
    refused = editor.post("/projects/sos/import/", {"action": "confirm", "token": token})
    assert refused.status_code == 200
    assert "Choose what the document does to the current checklist" in refused.content.decode()
    assert 'data-testid="import-changes"' in refused.content.decode()
    assert project.current_checklist() == current and not Attestation.objects.exists()

    merged = editor.post(
        "/projects/sos/import/", {"action": "confirm", "token": token, "mode": "merge"}
    )
    assert merged.status_code == 302
    version = project.current_checklist()
    assert version.number == 2
    assert list(version.checks.order_by("position").values_list("key", flat=True)) == [
        "pentest-done",
        "no-debug",
        "secrets-rotated",
    ]
    assert version.checks.get(key="pentest-done").name == "Pentest done by an outside firm"


@time_machine.travel("2026-03-01T09:00:00+00:00", tick=False)
def test_it_replaces_the_checklist_when_chosen(member, project, current):
    editor = member(Role.EDITOR)
    token = token_of(upload(editor, "review.md", REVIEW))
    editor.post("/projects/sos/import/", {"action": "confirm", "token": token, "mode": "replace"})
    version = project.current_checklist()
    assert version.number == 2
    assert set(version.checks.values_list("key", flat=True)) == {"pentest-done", "secrets-rotated"}


@time_machine.travel("2026-12-05T09:00:00+00:00", tick=False)
def test_it_says_how_many_marks_are_too_old_and_saves_them_as_claims_only(member, project):
    editor = member(Role.EDITOR)
    response = upload(editor, "review.md", REVIEW)
    html = response.content.decode()
    assert "2 marks of the document had already expired" in html
    assert 'data-testid="import-mode"' not in html  # no checklist yet: nothing to choose
    confirmed = editor.post(
        "/projects/sos/import/", {"action": "confirm", "token": token_of(response)}
    )
    assert confirmed.status_code == 302
    assert not Attestation.objects.exists()
    assert Assessment.objects.get(project=project, claimed=True).results.count() == 2


def test_it_answers_htmx_with_the_preview_fragment(member):
    response = upload(
        member(Role.EDITOR), "review.md", read_doc("english-review.md"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="import-preview-result"' in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        # Django's file field refuses an empty upload before the importer sees it.
        ("empty.md", "The submitted file is empty."),
        ("binary.png", "The file is binary, not a Markdown document."),
    ],
)
def test_it_shows_why_a_file_cannot_be_imported(member, project, name, message):
    response = upload(member(Role.EDITOR), name, read_doc(name))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert saved_rows(project) == 0


def test_it_shows_why_text_is_not_a_readiness_document(member, project):
    response = upload(member(Role.EDITOR), "notes.md", b"# Notes\n\nJust words.\n")
    assert response.status_code == 400
    assert "This is not a readiness document" in response.content.decode()
    assert saved_rows(project) == 0


def test_it_refuses_a_file_over_the_limit(member, project, settings):
    settings.READINESS_MAX_UPLOAD_BYTES = 1024
    response = upload(member(Role.EDITOR), "big.md", b"- [x] ok\n" * 500)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert saved_rows(project) == 0


def test_it_keeps_viewers_and_strangers_out(member, project):
    assert upload(member(Role.VIEWER), "a.md", read_doc("english-review.md")).status_code == 403
    stranger = Client()
    stranger.force_login(factories.UserFactory(username="stranger"))
    assert stranger.get("/projects/sos/import/").status_code == 404
    assert saved_rows(project) == 0


def test_it_refuses_a_preview_made_by_someone_else(member, project):
    first = upload(member(Role.EDITOR), "a.md", read_doc("english-review.md"))
    token = first.content.decode().split('name="token" value="')[1].split('"')[0]
    other = member(Role.ADMIN)
    response = other.post("/projects/sos/import/", {"action": "confirm", "token": token})
    assert response.status_code == 400
    forged = other.post("/projects/sos/import/", {"action": "confirm", "token": "../../etc"})
    assert forged.status_code == 400
    assert saved_rows(project) == 0


def test_it_downloads_the_report_in_the_chosen_format_and_language(member, project):
    editor = member(Role.EDITOR)
    html = upload(editor, SEED, read_doc("seed-repaired.md")).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    editor.post("/projects/sos/import/", {"action": "confirm", "token": token})
    viewer = member(Role.VIEWER)
    markdown = viewer.get("/projects/sos/report/?format=markdown&lang=fr")
    assert markdown.status_code == 200
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown["Content-Disposition"] == (
        'attachment; filename="readiness-sos-2026-02-16-fr.md"'
    )
    assert "**9,8/10**" in markdown.content.decode()
    data = json.loads(viewer.get("/projects/sos/report/?format=json").content)
    assert data["score"] == 9.8 and data["claimed"] is True
    page = viewer.get("/projects/sos/report/?format=html&lang=en")
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert page["Content-Disposition"] == 'inline; filename="readiness-sos-2026-02-16-en.html"'
    json_file = viewer.get("/projects/sos/report/?format=json&lang=en")
    assert json_file["Content-Disposition"].startswith("attachment; ")
    assert viewer.get("/projects/sos/report/?format=pdf").status_code == 400
    assert viewer.get("/projects/sos/report/?lang=de").status_code == 400
    assert viewer.get("/projects/sos/report/?assessment=999999").status_code == 404


def test_the_project_page_offers_every_format_in_every_language(member, project):
    editor = member(Role.EDITOR)
    token = token_of(upload(editor, SEED, read_doc("seed-repaired.md")))
    editor.post("/projects/sos/import/", {"action": "confirm", "token": token})
    html = member(Role.VIEWER).get("/projects/sos/").content.decode()
    menu = html.split('data-testid="report-menu"')[1].split("</details>")[0]
    for fmt in ("markdown", "html", "json"):
        for lang, name in (("en", "English"), ("fr", "Français")):
            link = menu.split(f'data-testid="report-{fmt}-{lang}"')[0].rsplit("<a ", 1)[1]
            assert f'href="/projects/sos/report/?format={fmt}&amp;lang={lang}"' in link
            assert re.search(f'data-testid="report-{fmt}-{lang}"[^>]*>{name}</a>', menu)
    assert menu.count('target="_blank"') == 2  # the HTML page, in each language


def test_every_page_shows_a_scoreless_point_that_holds_expired_marks(member, project):
    editor = member(Role.EDITOR)
    with time_machine.travel("2026-12-05T09:00:00+00:00", tick=False):
        response = upload(editor, "review.md", REVIEW)
        editor.post("/projects/sos/import/", {"action": "confirm", "token": token_of(response)})
    point = Assessment.objects.get(project=project, claimed=True)
    assert point.score is None
    assessment = editor.get(f"/assessments/{point.pk}/").content.decode()
    assert "secrets-rotated" in assessment and "pentest-done" in assessment
    for url in (
        "/",
        "/projects/sos/",
        "/projects/sos/history/",
        f"/projects/sos/report/?format=html&assessment={point.pk}",
        f"/teams/{project.team.slug}/standup/",
    ):
        assert editor.get(url).status_code == 200, url


@time_machine.travel("2026-01-15T09:00:00+00:00", tick=False)
@pytest.mark.parametrize(
    ("language", "other", "levels"),
    [
        ("en", "Other scores in the document (not kept)", "Levels, lowest first:"),
        ("fr", "Autres scores du document (non retenus)", "Niveaux, du plus bas au plus haut :"),
    ],
)
def test_the_preview_lists_the_other_scores_and_the_levels(
    member, project, language, other, levels
):
    editor = member(Role.EDITOR)
    scores = (CORPUS / "scores-en-conflicting.md").read_bytes()
    html = upload(editor, "scores.md", scores, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert other in html
    listed = re.search(r'data-testid="import-other-scores">(.*?)</ul>', html, re.S).group(1)
    assert listed.count("<li>") == 5
    assert "9.1" in listed or "9,1" in listed
    table = (CORPUS / "levels-fr-paliers.md").read_bytes()
    html = upload(editor, "paliers.md", table, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert levels in html
    assert re.search(r'data-testid="import-levels">.*Bronze.*Argent.*Or', html)

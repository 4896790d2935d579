from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checks.checklist import MAX_CHECKLIST_BYTES
from readiness.models import ChecklistVersion, Role

URL = reverse("readiness:checklist", args=["payments-api"])

VALID = """version: 1
name: Payments platform readiness
ready_at: 9.0
categories:
  - key: security
    weight: 2
    checks:
      - key: stripe-webhook-signature
        name: Stripe webhook signature is verified
        type: grep
        severity: critical
        paths: ["functions/src/**/*.ts"]
        pattern: 'webhooks\\.constructEvent\\('
"""

INVALID = VALID.replace("constructEvent\\(", "constructEvent(")
PATTERN_LINE = next(n for n, line in enumerate(INVALID.splitlines(), 1) if "pattern:" in line)


def test_it_shows_the_current_version_and_the_version_history(world, login):
    response = login().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="checklist-check"') == 4
    assert "stripe-webhook-signature" in html
    assert html.count('data-testid="checklist-version"') == 1
    assert reverse("readiness:checklist-download", args=["payments-api", 1]) in html


def test_it_hides_the_upload_form_from_viewers(world, login):
    assert 'data-testid="checklist-upload-form"' not in login().get(URL).content.decode()
    assert 'data-testid="checklist-upload-form"' in login(Role.EDITOR).get(URL).content.decode()


def test_it_saves_an_uploaded_file_as_a_new_version(world, login):
    upload = SimpleUploadedFile("payments.yml", VALID.encode(), content_type="application/yaml")
    response = login(Role.EDITOR).post(URL, {"file": upload})
    assert response.status_code == 302
    version = world.project.current_checklist()
    assert version.number == 2
    assert version.source_text == VALID
    assert version.source_name == "payments.yml"
    assert list(version.checks.values_list("key", flat=True)) == ["stripe-webhook-signature"]


def test_it_saves_a_pasted_checklist(world, login):
    response = login(Role.EDITOR).post(URL, {"text": VALID}, follow=True)
    assert "Saved as version 2." in response.content.decode()


def test_it_shows_problems_with_their_line_and_saves_nothing(world, login):
    assert INVALID != VALID
    response = login(Role.EDITOR).post(URL, {"text": INVALID})
    html = response.content.decode()
    assert response.status_code == 400
    problems = html.split('data-testid="checklist-problems"')[1].split("</div>")[0]
    assert f"line {PATTERN_LINE}" in problems
    assert "pattern" in problems
    assert ChecklistVersion.objects.filter(project=world.project).count() == 1


def test_it_refuses_a_file_over_the_checklist_size_limit_and_saves_nothing(world, login):
    big = VALID + "#" * MAX_CHECKLIST_BYTES
    upload = SimpleUploadedFile("big.yml", big.encode(), content_type="application/yaml")

    response = login(Role.EDITOR).post(URL, {"file": upload})

    assert f"larger than {MAX_CHECKLIST_BYTES} bytes" in response.content.decode()
    assert ChecklistVersion.objects.filter(project=world.project).count() == 1


def test_it_forbids_viewers_to_upload(world, login):
    response = login().post(URL, {"text": VALID})
    assert response.status_code == 403
    assert ChecklistVersion.objects.filter(project=world.project).count() == 1


def test_it_downloads_a_version_as_yaml(world, login):
    world.checklist.source_text = VALID
    world.checklist.save()
    response = login().get(reverse("readiness:checklist-download", args=["payments-api", 1]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode() == VALID


def test_it_answers_404_for_a_version_that_does_not_exist(world, login):
    assert (
        login().get(reverse("readiness:checklist-download", args=["payments-api", 9])).status_code
        == 404
    )

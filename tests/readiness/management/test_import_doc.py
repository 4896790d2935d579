import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.formatting import format_score
from readiness.models import ActionItem, Assessment, Attestation, ChecklistVersion, Project
from tests.readiness.importer.conftest import DOCS

MODELS = (Project, ChecklistVersion, Attestation, Assessment, ActionItem)
# Two weeks after the seed document (2026-02-16): its 90-day marks still hold.
SOON = "2026-03-01T09:00:00+00:00"
LATER = "2026-12-05T09:00:00+00:00"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_doc", *args, stdout=out)
    return out.getvalue()


def nothing_saved() -> bool:
    return all(model.objects.count() == 0 for model in MODELS)


@pytest.mark.django_db
def test_it_prints_the_checklist_and_the_report_and_saves_nothing_on_a_dry_run(tmp_path):
    output = run(
        str(DOCS / "seed-mojibake.md"), "--project", "sos", "--source", str(tmp_path), "--dry-run"
    )
    assert "```yaml\nversion: 1\n" in output
    assert "  - key: coherence-regions\n    name: Cohérence régions\n" in output
    assert "# Import report: seed-mojibake.md" in output
    assert "| Manual checks | 34 |" in output
    assert "- 2026-02-15: 9.2/10 (line 345)" in output
    assert "- lines 172–213: diagram: nothing to check" in output
    assert output.rstrip().endswith("Nothing was saved (dry run).")
    assert nothing_saved()


@pytest.mark.django_db
def test_it_prints_what_it_would_create_without_a_project():
    output = run(str(DOCS / "english-review.md"))
    assert "| History points (claimed by the document) | 2 |" in output
    assert "Nothing was saved: give --project SLUG to save." in output
    assert nothing_saved()


@pytest.mark.django_db
@time_machine.travel(SOON, tick=False)
def test_it_saves_with_a_project_and_reports_what_it_created(tmp_path):
    output = run(str(DOCS / "seed-repaired.md"), "--project", "sos", "--source", str(tmp_path))
    assert "| Attestations from the document's marks | 34 | 34 | 0 |" in output
    assert "Saved to project: sos · checklist version 1" in output
    assert Assessment.objects.filter(project__slug="sos", claimed=True).count() == 2
    again = run(str(DOCS / "seed-repaired.md"), "--project", "sos")
    assert "| Attestations from the document's marks | 34 | 0 | 34 |" in again


@pytest.mark.django_db
@time_machine.travel(LATER, tick=False)
def test_it_never_saves_an_expired_mark_as_an_attestation_and_says_so(tmp_path):
    preview = run(str(DOCS / "seed-repaired.md"))
    assert "| Attestations from the document's marks | 0 |" in preview
    expired = "| Marks already expired (older than their check's validity): kept as the "
    assert f"{expired}document's claims at its date, not as attestations | 34 |" in preview
    output = run(str(DOCS / "seed-repaired.md"), "--project", "sos", "--source", str(tmp_path))
    assert f"{expired}document's claims at its date, not as attestations | 34 | 34 | 0 |" in output
    assert not Attestation.objects.exists()


@pytest.mark.django_db
@time_machine.travel(SOON, tick=False)
def test_it_replaces_the_checklist_by_default_and_merges_on_request(tmp_path):
    run(str(DOCS / "english-review.md"), "--project", "shop", "--source", str(tmp_path))
    first = set(Project.objects.get().current_checklist().checks.values_list("key", flat=True))
    output = run(str(DOCS / "seed-repaired.md"), "--project", "shop", "--merge")
    merged = Project.objects.get().current_checklist()
    assert merged.number == 2
    assert "checklist version 2 · the document's new checks merged into the current" in output
    assert first < set(merged.checks.values_list("key", flat=True))
    run(str(DOCS / "seed-repaired.md"), "--project", "shop")
    replaced = set(Project.objects.get().current_checklist().checks.values_list("key", flat=True))
    assert not first & replaced


@pytest.mark.django_db
def test_it_prints_json_on_request():
    data = json.loads(run(str(DOCS / "score-table-fr.md"), "--format", "json"))
    assert data["date"] == "2026-01-15"
    assert [p["score"] for p in data["points"]] == [7.8]
    assert {row["key"]: row["found"] for row in data["counts"]}["done_items"] == 1


@pytest.mark.django_db
@time_machine.travel(SOON, tick=False)
def test_it_runs_the_new_checklist_at_once_and_sets_it_beside_the_claim(tmp_path):
    page = tmp_path / "sos/src/pages/CallCheckout.tsx"
    page.parent.mkdir(parents=True)
    page.write_text("await functionsPayment(createPaymentIntent)\n", encoding="utf-8")
    output = run(
        str(DOCS / "seed-repaired.md"), "--project", "sos", "--source", str(tmp_path), "--run"
    )
    measured = Assessment.objects.get(project__slug="sos", claimed=False)
    assert f"Claimed by document: 9.8/10 · measured: {format_score(measured.score)}" in output
    lines = output.split("checks disagree with the document:\n")[1].splitlines()
    assert "- functions-pointe-bien-vers-west1-pour-createandschedulecall: pass → fail" in lines
    assert "- createpaymentintent-en-west3: pass → error" in lines
    assert not any(line.startswith("- functionspayment-pointe-bien-vers-west3:") for line in lines)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.md", "The file is empty."),
        ("binary.png", "The file is binary"),
        ("missing.md", "is not a file"),
    ],
)
def test_it_exits_2_on_bad_input_and_saves_nothing(name, message, tmp_path):
    with pytest.raises(CommandError) as error:
        run(str(DOCS / name), "--project", "x", "--source", str(tmp_path))
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert nothing_saved()


@pytest.mark.django_db
def test_it_exits_2_on_a_document_that_is_not_a_readiness_document(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nNothing here.\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert error.value.returncode == 2
    assert "not a readiness document" in str(error.value)


@pytest.mark.django_db
def test_it_exits_2_on_a_file_over_the_limit_before_reading_it(tmp_path, settings):
    settings.READINESS_MAX_UPLOAD_BYTES = 2048
    path = tmp_path / "big.md"
    path.write_bytes(b"- [x] ok\n" * 1000)
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert error.value.returncode == 2
    assert "larger than" in str(error.value)


@pytest.mark.django_db
def test_it_exits_2_when_a_new_project_has_no_source():
    with pytest.raises(CommandError) as error:
        run(str(DOCS / "seed-repaired.md"), "--project", "new")
    assert error.value.returncode == 2
    assert "does not exist" in str(error.value)
    assert nothing_saved()


@pytest.mark.django_db
def test_it_speaks_the_requested_language():
    english = run(str(DOCS / "score-table-fr.md"), "--lang", "en")
    french = run(str(DOCS / "score-table-fr.md"), "--lang", "fr")
    assert english.count("\n| ") == french.count("\n| ")
    assert english.count("\n## ") == french.count("\n## ")


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_it_exits_2_and_saves_nothing_on_any_bad_input(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("doc")
    path = folder / "doc.md"
    path.write_bytes(data)
    before = [model.objects.count() for model in MODELS]
    try:
        run(str(path), "--project", "fuzz", "--source", str(folder))
    except CommandError as error:
        assert error.returncode == 2
        assert str(error)
        assert [model.objects.count() for model in MODELS] == before

import dataclasses
import datetime as dt

import pytest

from readiness.importer import ActionDraft
from readiness.importer import import_document as import_doc
from readiness.models import (
    ActionItem,
    Assessment,
    Attestation,
    CategoryScore,
    ChecklistVersion,
    CheckResult,
    Project,
    Trigger,
)
from readiness.selectors.assessments import comparison
from readiness.services.assessments import assessment_create
from readiness.services.checklists import checklist_upload
from readiness.services.imports import ImportSaveError, claim_disagreements, import_document_save
from readiness.services.runs import assessment_run_inline
from tests import factories
from tests.readiness.importer.conftest import SEED

NOON = dt.time(12, 0)
# Two weeks after the seed document's date: its marks (valid 90 days) still hold.
SOON = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NOON, tzinfo=dt.UTC)


def stored_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Project,
            ChecklistVersion,
            Attestation,
            Assessment,
            CategoryScore,
            CheckResult,
            ActionItem,
        )
    }


@pytest.mark.django_db
def test_it_saves_the_seed_as_checklist_attestations_history_and_action_items(seed, tmp_path):
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path), now=SOON)
    project = Project.objects.get(slug="sos")
    assert project.source == str(tmp_path.resolve())
    version = project.current_checklist()
    assert summary.version == version and summary.version_created
    assert version.checks.count() == 45
    assert list(version.categories.values_list("key", flat=True))[:2] == [
        "coherence-regions",
        "flux-paiement",
    ]

    attestations = Attestation.objects.filter(project=project)
    assert attestations.count() == 34
    warn = attestations.get(check_key="monitoring-quotas-cpu-7-12-30-vcpu")
    assert warn.status == "warn"
    assert warn.attested_by == SEED
    assert warn.user is None
    assert warn.attested_at == at_noon(dt.date(2026, 2, 16))
    assert warn.valid_until == warn.attested_at + dt.timedelta(days=90)
    assert warn.note == f"{SEED}:314 — ⚠️ Monitoring quotas CPU (7-12 / 30 vCPU)"
    assert set(attestations.exclude(pk=warn.pk).values_list("status", flat=True)) == {"pass"}

    before, after = Assessment.objects.filter(project=project).order_by("evaluated_at")
    for point in (before, after):
        assert point.claimed
        assert point.trigger == Trigger.IMPORT
        assert point.status == "done"
        assert point.coverage is None
        assert point.checklist == version
    assert (before.evaluated_at, before.score) == (at_noon(dt.date(2026, 2, 15)), 9.2)
    assert (after.evaluated_at, after.score, after.verdict) == (
        at_noon(dt.date(2026, 2, 16)),
        9.8,
        "ready",
    )
    assert list(before.category_scores.values_list("key", "score")) == [
        ("coherence-regions", 8.5),
        ("architecture", 9.5),
    ]
    assert list(after.category_scores.values_list("key", "name", "score")) == [
        ("coherence-regions", "Cohérence régions", 10.0),
        ("security", "Sécurité", 10.0),
        ("error-handling", "Error handling", 9.5),
        ("monitoring", "Monitoring", 9.0),
        ("architecture", "Architecture", 10.0),
        ("documentation", "Documentation", 9.0),
    ]
    assert "(+0.3)" in after.note
    assert before.results.count() == 0
    claimed = dict(after.results.values_list("check_item__key", "status"))
    assert len(claimed) == 44
    assert claimed["monitoring-quotas-cpu-7-12-30-vcpu"] == "warn"
    assert (after.checks_total, after.checks_done) == (44, 44)

    items = ActionItem.objects.filter(project=project)
    assert items.filter(status="open").count() == 5
    done = items.filter(status="done")
    assert done.count() == 5
    assert {item.done_at for item in done} == {at_noon(dt.date(2026, 2, 16))}
    assert summary.created == {
        "attestations": 34,
        "history_points": 2,
        "category_scores": 8,
        "action_items": 5,
        "done_items": 5,
    }


@pytest.mark.django_db
def test_it_adds_nothing_twice_when_the_same_document_is_imported_again(seed, tmp_path):
    import_document_save(result=seed, project_slug="sos", source=str(tmp_path), now=SOON)
    before = stored_rows()
    again = import_document_save(result=seed, project_slug="sos", now=SOON)
    assert stored_rows() == before
    assert not again.version_created
    assert again.created == {}
    assert again.kept == {
        "attestations": 34,
        "history_points": 2,
        "action_items": 5,
        "done_items": 5,
    }


@pytest.mark.django_db
def test_it_keeps_marks_that_already_expired_as_claims_never_as_attestations(seed, tmp_path):
    # Ten months after the document: its 90-day marks expired long ago.
    later = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path), now=later)
    assert not Attestation.objects.exists()
    assert summary.count("attestations") == 0
    assert summary.count("too_old_marks") == 34
    claimed = summary.assessments[-1]
    assert claimed.evaluated_at == at_noon(dt.date(2026, 2, 16))
    claims = dict(claimed.results.values_list("check_item__key", "status"))
    assert claims["monitoring-quotas-cpu-7-12-30-vcpu"] == "warn"


@pytest.mark.django_db
def test_it_imports_into_an_existing_project_as_a_new_checklist_version(seed):
    project = factories.ProjectFactory(slug="existing")
    factories.ChecklistVersionFactory(project=project, number=1)
    summary = import_document_save(result=seed, project_slug="existing")
    assert summary.version.number == 2
    assert summary.version.source_name == "TESTS-VERIFICATION-COMPLETE-2026-02-16.readiness.yml"


@pytest.mark.django_db
def test_it_needs_a_source_to_create_a_project_and_saves_nothing_without(seed):
    with pytest.raises(ImportSaveError, match="does not exist"):
        import_document_save(result=seed, project_slug="nowhere")
    assert set(stored_rows().values()) == {0}


@pytest.mark.django_db
def test_it_saves_nothing_when_a_late_step_fails(seed, tmp_path):
    broken = dataclasses.replace(
        seed, action_items=(*seed.action_items, ActionDraft(title="x" * 501, line=999))
    )
    with pytest.raises(ImportSaveError, match="line 999"):
        import_document_save(result=broken, project_slug="sos", source=str(tmp_path))
    assert set(stored_rows().values()) == {0}


@pytest.mark.django_db
def test_it_lets_a_run_show_where_the_document_was_wrong(seed, tmp_path):
    page = tmp_path / "sos/src/pages/CallCheckout.tsx"
    page.parent.mkdir(parents=True)
    page.write_text("await functionsPayment(createPaymentIntent)\n", encoding="utf-8")
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path), now=SOON)
    claimed = summary.assessments[-1]
    # Two weeks after the document: its attestations (valid 90 days) still hold.
    measured = assessment_run_inline(
        assessment=assessment_create(
            project=summary.project, trigger=Trigger.CLI, evaluated_at=at_noon(dt.date(2026, 3, 2))
        )
    )
    assert measured.claimed is False
    statuses = dict(measured.results.values_list("check_item__key", "status"))
    assert statuses["functionspayment-pointe-bien-vers-west3"] == "pass"
    assert statuses["functions-pointe-bien-vers-west1-pour-createandschedulecall"] == "fail"
    assert statuses["createpaymentintent-en-west3"] == "error"  # the file is not there
    assert statuses["npm-run-build"] == "skip"  # disabled until someone enables it
    assert statuses["firebase-auth-active"] == "pass"
    assert statuses["monitoring-quotas-cpu-7-12-30-vcpu"] == "warn"
    disagree = {
        d.key: (d.claimed, d.measured)
        for d in claim_disagreements(claimed=claimed, measured=measured)
    }
    assert disagree["functions-pointe-bien-vers-west1-pour-createandschedulecall"] == (
        "pass",
        "fail",
    )
    assert disagree["createpaymentintent-en-west3"] == ("pass", "error")
    assert "functionspayment-pointe-bien-vers-west3" not in disagree
    assert "firebase-auth-active" not in disagree
    assert "monitoring-quotas-cpu-7-12-30-vcpu" not in disagree
    # The dashboard's comparison sees the same disagreement among the scored checks.
    changes = {
        c.key: (c.before, c.after) for c in comparison(before=claimed, after=measured).disagreements
    }
    assert changes["functions-pointe-bien-vers-west1-pour-createandschedulecall"] == (
        "pass",
        "fail",
    )


@pytest.mark.django_db
def test_it_keeps_expired_marks_on_a_scoreless_claimed_point_when_the_document_has_no_score(
    tmp_path,
):
    result = import_doc(
        "# Review\n\nDate: 2026-02-16\n\n## Security\n\n- ✅ Pentest done\n- ❌ Secrets rotated\n",
        source_name="review.md",
    )
    later = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    summary = import_document_save(
        result=result, project_slug="shop", source=str(tmp_path), now=later
    )
    assert not Attestation.objects.exists()
    assert summary.count("too_old_marks") == 2
    assert summary.count("history_points") == 0
    (point,) = Assessment.objects.filter(project=summary.project)
    assert point.claimed and point.score is None
    assert point.evaluated_at == at_noon(dt.date(2026, 2, 16))
    assert dict(point.results.values_list("check_item__key", "status")) == {
        "pentest-done": "pass",
        "secrets-rotated": "fail",
    }
    again = import_document_save(result=result, project_slug="shop", now=later)
    assert Assessment.objects.count() == 1
    assert again.count("history_points", kept=True) == 0


CURRENT = """\
version: 1
name: Shop readiness
ready_at: 7.5
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
    "\n## Operations\n\n- ✅ Runbook written\n"
)


@pytest.fixture
def shop(db):
    project = factories.ProjectFactory(slug="shop")
    checklist_upload(project=project, source=CURRENT, source_name=".readiness.yml")
    return project


def test_it_merges_the_documents_new_checks_into_the_current_checklist(shop):
    result = import_doc(REVIEW, source_name="review.md")
    summary = import_document_save(result=result, project_slug="shop", merge=True, now=SOON)
    assert summary.merged and summary.version_created
    version = shop.current_checklist()
    assert version.number == 2
    assert (version.name, version.ready_at) == ("Shop readiness", 7.5)
    checks = {c.key: c for c in version.checks.select_related("category")}
    assert list(version.checks.order_by("position").values_list("key", flat=True)) == [
        "pentest-done",
        "no-debug",
        "secrets-rotated",
        "runbook-written",
    ]
    # The same key keeps the current check, name and validity included.
    assert checks["pentest-done"].name == "Pentest done by an outside firm"
    assert checks["pentest-done"].options["valid_days"] == 30
    assert checks["runbook-written"].category.key == "operations"
    assert set(Attestation.objects.values_list("check_key", flat=True)) == {
        "pentest-done",
        "secrets-rotated",
        "runbook-written",
    }
    assert ChecklistVersion.objects.get(number=1).checks.count() == 2  # versions never change


def test_it_replaces_the_current_checklist_unless_told_to_merge(shop):
    result = import_doc(REVIEW, source_name="review.md")
    summary = import_document_save(result=result, project_slug="shop", now=SOON)
    assert not summary.merged
    assert set(shop.current_checklist().checks.values_list("key", flat=True)) == {
        "pentest-done",
        "secrets-rotated",
        "runbook-written",
    }


def test_it_keeps_the_current_version_when_a_merge_adds_nothing(shop):
    result = import_doc("# Review\n\n## Security\n\n- ✅ Pentest done\n", source_name="r.md")
    summary = import_document_save(result=result, project_slug="shop", merge=True, now=SOON)
    assert summary.merged and not summary.version_created
    assert summary.version.number == 1

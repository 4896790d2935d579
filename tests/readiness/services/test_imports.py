import dataclasses
import datetime as dt

import pytest

from readiness.importer import ActionDraft
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
from readiness.services.imports import ImportSaveError, claim_disagreements, import_document_save
from readiness.services.runs import assessment_run_inline
from tests import factories
from tests.readiness.importer.conftest import SEED

NOON = dt.time(12, 0)


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
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path))
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
    import_document_save(result=seed, project_slug="sos", source=str(tmp_path))
    before = stored_rows()
    again = import_document_save(result=seed, project_slug="sos")
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
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path))
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

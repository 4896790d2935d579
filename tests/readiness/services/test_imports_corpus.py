"""Saving the corpus documents (tests/fixtures/corpus): a second import of the same
document creates nothing, and a levelled table keeps its levels in the stored checklist."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.importer import import_document
from readiness.models import ChecklistVersion, Project
from readiness.services.imports import import_document_save
from tests.readiness.importer.test_corpus import CORPUS, DOCUMENTS
from tests.readiness.services.test_imports import stored_rows

# Soon after the corpus documents' dates: their marks still hold.
NOW = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
@settings(max_examples=len(DOCUMENTS), deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(DOCUMENTS), merge=st.booleans())
def test_importing_a_document_twice_creates_nothing_new(name, merge, tmp_path_factory):
    result = import_document((CORPUS / name).read_bytes(), source_name=name)
    slug = f"corpus-{DOCUMENTS.index(name)}-{int(merge)}"
    source = str(tmp_path_factory.mktemp("repo"))
    if not Project.objects.filter(slug=slug).exists():
        if result.checklist is None:
            # A document of scores alone needs a checklist for its history to refer to.
            base = import_document((CORPUS / "audit-fr-domaines.md").read_bytes())
            import_document_save(result=base, project_slug=slug, source=source, now=NOW)
            source = None
        import_document_save(result=result, project_slug=slug, source=source, now=NOW)
    before = stored_rows()
    again = import_document(
        (CORPUS / name).read_bytes(), source_name=name
    )  # a new read of the same file
    summary = import_document_save(result=again, project_slug=slug, merge=merge, now=NOW)
    assert stored_rows() == before
    assert not summary.version_created
    # Marks too old to be attestations are counted, never stored.
    assert all(count == 0 for key, count in summary.created.items() if key != "too_old_marks")


@pytest.mark.django_db
def test_a_table_of_levels_is_stored_with_its_levels(tmp_path):
    name = "levels-en-generated.md"
    result = import_document((CORPUS / name).read_bytes(), source_name=name)
    import_document_save(result=result, project_slug="levels", source=str(tmp_path), now=NOW)
    version = ChecklistVersion.objects.get(project__slug="levels")
    assert list(version.levels) == ["Level C", "Level B", "Level A"]
    assert version.checks.get(key="chaos-tests").level == "Level A"

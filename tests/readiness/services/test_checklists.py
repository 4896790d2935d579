import pytest

from checks.checklist import load_checklist
from readiness.services.checklists import checklist_spec, checklist_version_save
from tests.checks.test_checklist_levels import LEVELS
from tests.factories import ProjectFactory


@pytest.mark.django_db
def test_a_stored_version_keeps_the_levels_of_its_file():
    checklist = load_checklist(LEVELS)

    version, created = checklist_version_save(
        project=ProjectFactory(), checklist=checklist, source_text=LEVELS
    )

    assert created
    assert checklist_spec(version) == checklist
    assert checklist_spec(version).levels == ("bronze", "silver", "gold")

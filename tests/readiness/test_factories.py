import pytest

from tests import factories


@pytest.mark.django_db
def test_it_builds_a_result_whose_check_belongs_to_the_assessed_checklist():
    result = factories.CheckResultFactory()
    assert result.check_item.checklist == result.assessment.checklist
    assert result.check_item.category.checklist == result.assessment.checklist

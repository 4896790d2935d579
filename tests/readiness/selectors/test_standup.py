import datetime as dt

import pytest
from django.utils import timezone

from readiness.selectors import standup
from tests import factories


@pytest.fixture
def project(db):
    return factories.ProjectFactory()


def test_it_lists_expiring_attestations_in_the_standup_digest(project):
    now = timezone.now()
    factories.AttestationFactory(project=project, valid_until=now + dt.timedelta(days=3))
    factories.AttestationFactory(
        project=project, check_key="later", valid_until=now + dt.timedelta(days=30)
    )
    digest = standup.standup_digest(team=project.team, since=now - dt.timedelta(days=1), now=now)
    assert [a.check_key for a in digest[0].expiring] == ["check-0"]

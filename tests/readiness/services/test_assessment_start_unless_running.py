"""Starting an assessment unless one runs: two callers at once start one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from readiness.models import Assessment, Trigger
from readiness.services.assessments import AssessmentRunning, assessment_start_unless_running
from readiness.services.checklists import checklist_upload
from tests import factories
from tests.integration.support import filesystem_broker, using
from tests.readiness.api.write_support import CHECKLIST


@pytest.mark.django_db(transaction=True)
def test_two_callers_at_once_start_one_assessment_and_the_other_is_told_which(tmp_path):
    project = factories.ProjectFactory(source=str(tmp_path))
    checklist_upload(project=project, source=CHECKLIST, source_name=".readiness.yml")
    barrier = threading.Barrier(4)
    started, refused, failed = [], [], []

    def start() -> None:
        try:
            barrier.wait()
            started.append(assessment_start_unless_running(project=project, trigger=Trigger.API).pk)
        except AssessmentRunning as running:
            refused.append(running.assessment.pk)
        except Exception as exc:
            failed.append(exc)
        finally:
            connection.close()

    with using(filesystem_broker(tmp_path / "broker")):
        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failed == []
    assert len(started) == 1
    assert refused == started * 3
    assert Assessment.objects.filter(project=project).count() == 1

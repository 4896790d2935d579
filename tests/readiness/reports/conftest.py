"""A project with two measured assessments, for the reports built from stored rows."""

import datetime as dt

import pytest

from readiness.models import AssessmentStatus
from readiness.services.assessments import assessment_finalize
from tests import factories
from tests.readiness.importer.conftest import SEED, import_doc

CATEGORY_WEIGHTS = {"security": 2.0, "monitoring": 1.0}
CREDIT = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
BEFORE = {"tls": "pass", "csp": "fail", "logs": "pass"}
AFTER = {"tls": "pass", "csp": "pass", "logs": "warn"}
CATEGORY_OF = {"tls": "security", "csp": "security", "logs": "monitoring"}


def category_scores(statuses):
    scores = {}
    for category in CATEGORY_WEIGHTS:
        keys = [k for k in statuses if CATEGORY_OF[k] == category]
        scores[category] = 10 * sum(CREDIT[statuses[k]] for k in keys) / len(keys)
    return scores


def overall(statuses):
    scores = category_scores(statuses)
    return sum(CATEGORY_WEIGHTS[c] * s for c, s in scores.items()) / sum(CATEGORY_WEIGHTS.values())


def share(key):
    """A check's share of the overall score: its category's share × its share inside."""
    category = CATEGORY_OF[key]
    inside = sum(1 for k in CATEGORY_OF if CATEGORY_OF[k] == category)
    return CATEGORY_WEIGHTS[category] / sum(CATEGORY_WEIGHTS.values()) / inside


@pytest.fixture
def measured(db):
    """Two measured assessments of one checklist: csp gets fixed, logs degrade."""
    project = factories.ProjectFactory(slug="shop", name="Shop")
    version = factories.ChecklistVersionFactory(project=project, number=1, name="Shop readiness")
    categories = {
        key: factories.CategoryFactory(
            checklist=version, key=key, name=key.title(), weight=weight, position=i
        )
        for i, (key, weight) in enumerate(CATEGORY_WEIGHTS.items())
    }
    checks = {
        key: factories.CheckFactory(
            checklist=version,
            category=categories[CATEGORY_OF[key]],
            key=key,
            name=f"{key.upper()} is right",
            type="grep",
            options={"paths": ["**"], "pattern": key},
            position=i,
        )
        for i, key in enumerate(CATEGORY_OF)
    }
    assessments = []
    for day, statuses in ((1, BEFORE), (2, AFTER)):
        assessment = factories.AssessmentFactory(
            project=project,
            checklist=version,
            status=AssessmentStatus.RUNNING,
            evaluated_at=dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC),
            checks_total=3,
            checks_done=3,
            score=None,
        )
        for key, status in statuses.items():
            factories.CheckResultFactory(
                assessment=assessment,
                check_item=checks[key],
                status=status,
                credit=CREDIT[status],
                summary=f"{key} | {status}",
            )
        assessment_finalize(assessment_id=assessment.pk)
        assessment.refresh_from_db()
        assessments.append(assessment)
    factories.ActionItemFactory(project=project, title="Later", priority="")
    factories.ActionItemFactory(project=project, title="Urgent", priority="P0")
    factories.ActionItemFactory(project=project, title="Soon", priority="P1", owner="bob")
    factories.ActionItemFactory(project=project, title="Finished", status="done")
    return project, assessments


@pytest.fixture(params=["seed-mojibake.md", "seed-repaired.md"])
def seed(request):
    """The seed document's import plan, as it reached us (Mac Roman mojibake) and
    repaired: every test using it runs on both."""
    return import_doc(request.param, source_name=SEED)

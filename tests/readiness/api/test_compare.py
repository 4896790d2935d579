"""`GET /api/v1/compare/?from=&to=`: the attribution of a score change, the same as the
compare page shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from readiness.templatetags.readiness_tags import amount
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results


@pytest.fixture
def pair(world) -> tuple:
    """Two assessments of the world's checklist: the webhook check is fixed, the logger
    breaks, the manual check goes from warn to pass (better, but not fixed)."""
    before, after = add_history(world.project, world.checklist, 2, categories=world.categories)
    c = world.checks
    add_results(
        before, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "warn"}
    )
    add_results(
        after, {c["webhook"]: "pass", c["cors"]: "pass", c["logger"]: "fail", c["quotas"]: "pass"}
    )
    return before, after


def page_rows(html: str) -> list[tuple[str, str]]:
    """(check key, contribution as shown) of the page's attribution table, in order."""
    rows = re.findall(
        r'data-testid="contribution" data-check="([^"]+)">.*?<td class="num">([^<]*)</td>',
        html,
        flags=re.S,
    )
    return [(key, shown.strip()) for key, shown in rows]


def test_the_api_and_the_compare_page_attribute_the_change_alike(world, api, login, pair):
    before, after = pair
    body = api().get(f"/api/v1/compare/?from={before.pk}&to={after.pk}").json()
    html = login("viewer").get(f"{reverse('readiness:compare')}?a={before.pk}&b={after.pk}")
    html = html.content.decode()
    attribution = body["attribution"]
    shown = [(c["key"], amount(c["amount"])) for c in attribution["contributions"]]
    assert shown == page_rows(html) and len(shown) == 3
    total = re.search(r'data-testid="total-delta">([^<]*)<', html).group(1)
    assert amount(attribution["delta"]) == total
    contributions = sum(c["amount"] for c in attribution["contributions"])
    assert contributions + attribution["residual"] == pytest.approx(attribution["delta"])
    assert [c["key"] for c in body["newly_failing"]] == ["production-logger"]
    assert [c["key"] for c in body["fixed"]] == ["stripe-webhook-signature"]
    assert [c["key"] for c in body["unchanged"]] == ["cors-whitelist"]
    assert (body["before"]["id"], body["after"]["id"]) == (before.pk, after.pk)
    assert body["checklist_changes"] == {
        "same_version": True,
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_assessments_of_two_projects_or_another_team_are_404(world, api, pair):
    before, _after = pair
    client = api()
    theirs = client.get(f"/api/v1/compare/?from={before.pk}&to={world.other_assessment.pk}")
    assert theirs.status_code == 404
    other = factories.ProjectFactory(team=world.team, slug="other-of-ours")
    mine = add_history(other, factories.ChecklistVersionFactory(project=other, number=1), 1)[0]
    response = client.get(f"/api/v1/compare/?from={before.pk}&to={mine.pk}")
    assert response.status_code == 404 and "same project" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "where"), [("to=1", "query.from"), ("from=a&to=1", "query.from")]
)
def test_a_missing_or_bad_id_is_422_naming_it(world, api, query, where):
    response = api().get(f"/api/v1/compare/?{query}")
    assert response.status_code == 422
    assert [e["where"] for e in response.json()["errors"]] == [where]

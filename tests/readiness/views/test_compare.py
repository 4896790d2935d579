import pytest
from django.urls import reverse

from readiness.models import Trigger
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results


def compare_url(a, b):
    return f"{reverse('readiness:compare')}?a={a.pk}&b={b.pk}"


@pytest.fixture
def pair(world):
    before, after = add_history(world.project, world.checklist, 2, categories=world.categories)
    c = world.checks
    add_results(
        before, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    add_results(
        after, {c["webhook"]: "pass", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    return before, after


def test_it_attributes_the_score_change_to_the_check_that_moved_it(world, login, pair):
    before, after = pair
    response = login().get(compare_url(before, after))
    html = response.content.decode()
    assert response.status_code == 200
    # Security weighs 2 of 3 and the webhook check 1 of its 2 scored checks; fail→pass
    # moves its value by 10.
    share = (2 / 3) * (1 / 2)
    expected = f"+{share * 10:.2f}"
    row = html.split('data-testid="contribution" data-check="stripe-webhook-signature"')[1]
    assert expected in row.split("</tr>")[0]
    assert f'data-testid="total-delta">{expected}' in html
    assert "+0.00" in html.split('data-testid="residual"')[1].split("</tr>")[0]


def test_it_names_the_category_of_each_contribution(world, login, pair):
    before, after = pair
    html = login().get(compare_url(before, after)).content.decode()
    row = html.split('data-check="stripe-webhook-signature"')[1].split("</tr>")[0]
    assert f"<td>{world.categories['security'].name}</td>" in row
    assert "<td>security</td>" not in row


def test_it_shows_a_renamed_category_by_its_newer_name(world, login, pair):
    before, _ = pair
    v2 = factories.ChecklistVersionFactory(project=world.project, number=2)
    renamed = factories.CategoryFactory(
        checklist=v2, key="security", name="Application security", weight=2
    )
    webhook = factories.CheckFactory(
        checklist=v2, category=renamed, key="stripe-webhook-signature", type="grep"
    )
    after = factories.AssessmentFactory(project=world.project, checklist=v2, score=10.0)
    add_results(after, {webhook: "pass"})
    html = login().get(compare_url(before, after)).content.decode()
    row = html.split('data-check="stripe-webhook-signature"')[1].split("</tr>")[0]
    assert "<td>Application security</td>" in row


def test_it_lists_newly_failing_fixed_and_unchanged_checks(world, login, pair):
    before, after = pair
    html = login().get(compare_url(before, after)).content.decode()
    fixed = html.split('data-testid="fixed"')[1].split("</section>")[0]
    assert "Stripe webhook signature is verified" in fixed
    failing = html.split('data-testid="newly-failing"')[1].split("</section>")[0]
    assert "None." in failing
    assert "3 checks unchanged" in html


def test_it_lists_checklist_changes_between_versions(world, login, pair):
    before, _ = pair
    v2 = factories.ChecklistVersionFactory(project=world.project, number=2)
    security = factories.CategoryFactory(checklist=v2, key="security", name="Security", weight=2)
    factories.CheckFactory(
        checklist=v2,
        category=security,
        key="stripe-webhook-signature",
        type="grep",
        weight=3,
        name="Stripe webhook signature is verified",
        options=world.checks["webhook"].options,
        severity="critical",
    )
    added = factories.CheckFactory(
        checklist=v2, category=security, key="rate-limit", type="grep", name="Rate limit"
    )
    after = factories.AssessmentFactory(project=world.project, checklist=v2, score=10.0)
    add_results(after, {v2.checks.get(key="stripe-webhook-signature"): "pass", added: "pass"})
    html = login().get(compare_url(before, after)).content.decode()
    changes = html.split('data-testid="checklist-changes"')[1].split("</section>")[0]
    assert "rate-limit" in changes and "added" in changes
    assert "cors-whitelist" in changes and "removed" in changes
    assert "stripe-webhook-signature" in changes and "weight" in changes


def test_it_shows_claimed_beside_measured_and_the_checks_that_disagree(world, login, pair):
    before, after = pair
    before.claimed, before.trigger, before.score = True, Trigger.IMPORT, 9.8
    before.save()
    after.score = 6.7
    after.save()
    html = login().get(compare_url(before, after)).content.decode()
    claimed = html.split('data-testid="claimed-comparison"')[1].split("</section>")[0]
    assert "Claimed by document: 9.8/10 · measured: 6.7/10" in claimed
    assert "stripe-webhook-signature" in claimed.split('data-testid="disagreements"')[1]


def test_it_hides_assessments_of_another_team(world, login, pair):
    before, _ = pair
    assert login().get(compare_url(before, world.other_assessment)).status_code == 404


def test_it_answers_404_for_missing_or_malformed_ids(world, login):
    client = login()
    assert client.get(reverse("readiness:compare")).status_code == 404
    assert client.get(reverse("readiness:compare") + "?a=x&b=1").status_code == 404

import pytest
from django.urls import reverse

from readiness.models import Trigger
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

HTMX = {"HX-Request": "true"}


@pytest.fixture
def pair(world):
    previous, latest = add_history(world.project, world.checklist, 2, categories=world.categories)
    c = world.checks
    add_results(
        latest, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "warn", c["quotas"]: "skip"}
    )
    return previous, latest


def test_it_shows_the_summary_table_with_revision_trigger_and_duration(world, login, pair):
    _, latest = pair
    response = login().get(reverse("readiness:assessment", args=[latest.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Assessment #{latest.pk}" in html
    assert latest.revision[:10] in html
    assert "Schedule" in html  # the trigger
    assert "5.0 s" in html  # finished 5 s after it started
    assert html.count('data-testid="result-row"') == 4
    assert (
        '<th scope="col">Check</th><th scope="col">Result</th><th scope="col">Details</th>' in html
    )
    assert "stripe-webhook-signature is fail" in html


def test_it_links_to_the_comparison_with_the_previous_assessment(world, login, pair):
    previous, latest = pair
    html = login().get(reverse("readiness:assessment", args=[latest.pk])).content.decode()
    assert f"{reverse('readiness:compare')}?a={previous.pk}&amp;b={latest.pk}" in html


def test_it_has_no_comparison_link_for_the_first_assessment(world, login, pair):
    first, _ = pair
    html = login().get(reverse("readiness:assessment", args=[first.pk])).content.decode()
    assert 'data-testid="compare-previous"' not in html


def test_it_marks_scores_claimed_by_a_document(world, login, pair):
    _, latest = pair
    latest.claimed = True
    latest.trigger = Trigger.IMPORT
    latest.save()
    html = login().get(reverse("readiness:assessment", args=[latest.pk])).content.decode()
    assert 'data-testid="claimed-badge"' in html
    assert "claimed by document" in html


def test_it_answers_a_chart_click_with_the_detail_fragment(world, login, pair):
    _, latest = pair
    response = login().get(reverse("readiness:assessment", args=[latest.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<article class="assessment-detail"')
    assert "<html" not in html
    assert "Open this assessment" in html


def test_it_hides_another_teams_assessment(world, login):
    response = login().get(reverse("readiness:assessment", args=[world.other_assessment.pk]))
    assert response.status_code == 404


def compare_url(a, b):
    return f"{reverse('readiness:compare')}?a={a.pk}&b={b.pk}"


@pytest.fixture
def compared(world):
    before, after = add_history(world.project, world.checklist, 2, categories=world.categories)
    c = world.checks
    add_results(
        before, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    add_results(
        after, {c["webhook"]: "pass", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    return before, after


def test_it_attributes_the_score_change_to_the_check_that_moved_it(world, login, compared):
    before, after = compared
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


def test_it_names_the_category_of_each_contribution(world, login, compared):
    before, after = compared
    html = login().get(compare_url(before, after)).content.decode()
    row = html.split('data-check="stripe-webhook-signature"')[1].split("</tr>")[0]
    assert f"<td>{world.categories['security'].name}</td>" in row
    assert "<td>security</td>" not in row


def test_it_shows_a_renamed_category_by_its_newer_name(world, login, compared):
    before, _ = compared
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


def test_it_lists_newly_failing_fixed_and_unchanged_checks(world, login, compared):
    before, after = compared
    html = login().get(compare_url(before, after)).content.decode()
    fixed = html.split('data-testid="fixed"')[1].split("</section>")[0]
    assert "Stripe webhook signature is verified" in fixed
    failing = html.split('data-testid="newly-failing"')[1].split("</section>")[0]
    assert "None." in failing
    assert "3 checks unchanged" in html


def test_it_lists_checklist_changes_between_versions(world, login, compared):
    before, _ = compared
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


def test_it_shows_claimed_beside_measured_and_the_checks_that_disagree(world, login, compared):
    before, after = compared
    before.claimed, before.trigger, before.score = True, Trigger.IMPORT, 9.8
    before.save()
    after.score = 6.7
    after.save()
    html = login().get(compare_url(before, after)).content.decode()
    claimed = html.split('data-testid="claimed-comparison"')[1].split("</section>")[0]
    assert "Claimed by document: 9.8/10 · measured: 6.7/10" in claimed
    assert "stripe-webhook-signature" in claimed.split('data-testid="disagreements"')[1]


def test_it_hides_assessments_of_another_team(world, login, compared):
    before, _ = compared
    assert login().get(compare_url(before, world.other_assessment)).status_code == 404


def test_it_answers_404_for_missing_or_malformed_ids(world, login):
    client = login()
    assert client.get(reverse("readiness:compare")).status_code == 404
    assert client.get(reverse("readiness:compare") + "?a=x&b=1").status_code == 404

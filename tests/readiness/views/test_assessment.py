import pytest
from django.urls import reverse

from readiness.models import Trigger
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

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import Trigger, Verdict
from readiness.selectors.history import HISTORY_PAGE_SIZE
from tests.readiness.dashboard_builders import add_history

URL = reverse("readiness:history", args=["payments-api"])


def test_it_lists_the_newest_assessments_first_with_category_scores(world, login):
    history = add_history(world.project, world.checklist, 3, categories=world.categories)
    response = login().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    ids = [
        int(part.split('"')[0])
        for part in html.split('data-testid="history-row" data-assessment-id="')[1:]
    ]
    assert ids == [a.pk for a in reversed(history)]
    assert (
        '<th scope="col" class="category-score"><span title="Security">Security</span></th>' in html
    )
    assert "3 assessments" in html


def test_it_paginates(world, login):
    add_history(world.project, world.checklist, HISTORY_PAGE_SIZE + 5)
    client = login()
    first = client.get(URL).content.decode()
    assert first.count('data-testid="history-row"') == HISTORY_PAGE_SIZE
    assert 'data-testid="next-page"' in first
    second = client.get(URL + "?page=2").content.decode()
    assert second.count('data-testid="history-row"') == 5


@pytest.mark.parametrize("size", [50, 100])
def test_it_shows_the_page_size_asked_for(world, login, size):
    add_history(world.project, world.checklist, 120)
    html = login().get(URL, {"size": size}).content.decode()
    assert html.count('data-testid="history-row"') == size
    assert f'<option value="{size}" selected>' in html
    # The next page keeps the size.
    assert f'href="?size={size}&amp;page=2"' in html


@pytest.mark.parametrize("size", ["7", "0", "-25", "abc", "1000000", "25.5"])
def test_it_falls_back_to_the_default_page_size_on_a_bad_one(world, login, size):
    add_history(world.project, world.checklist, 60)
    response = login().get(URL, {"size": size, "trigger": "schedule"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="history-row"') == HISTORY_PAGE_SIZE
    assert 'class="form-error"' not in html


def test_it_shows_the_score_chart_whose_clicks_open_the_assessment_page(world, login):
    history = add_history(world.project, world.checklist, 3, categories=world.categories)
    html = login().get(URL).content.decode()
    figure = json.loads(
        html.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert [c[0] for c in figure["data"][0]["customdata"]] == [a.pk for a in history]
    chart = html.split('<div id="score-chart"')[1].split(">")[0]
    assert f'data-assessment-url="{reverse("readiness:assessment", args=[0])}"' in chart
    assert "data-target" not in chart


def test_it_filters_by_date_range_trigger_and_verdict(world, login):
    end = timezone.now().replace(hour=12)
    history = add_history(world.project, world.checklist, 10, end=end)
    history[-1].trigger = Trigger.MANUAL
    history[-1].verdict = Verdict.READY
    history[-1].save()
    client = login()
    day = timezone.localdate(history[3].evaluated_at)
    html = client.get(
        URL, {"date_from": day.isoformat(), "date_to": (day + dt.timedelta(days=1)).isoformat()}
    ).content.decode()
    assert html.count('data-testid="history-row"') == 2
    assert (
        client.get(URL, {"trigger": "manual"}).content.decode().count('data-testid="history-row"')
        == 1
    )
    assert (
        client.get(URL, {"verdict": "ready"}).content.decode().count('data-testid="history-row"')
        == 1
    )


def test_it_answers_filter_changes_with_the_table_fragment(world, login):
    add_history(world.project, world.checklist, 3)
    response = login().get(URL, {"trigger": "schedule"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="history-table"')
    assert "<html" not in html


def test_it_lets_the_user_pick_two_assessments_to_compare(world, login):
    add_history(world.project, world.checklist, 3)
    html = login().get(URL).content.decode()
    assert f'action="{reverse("readiness:compare")}"' in html
    assert 'name="a"' in html and 'name="b"' in html
    assert 'data-testid="compare-selected"' in html


def test_it_hides_another_teams_history(world, login):
    assert login().get(reverse("readiness:history", args=["secret"])).status_code == 404


@pytest.mark.parametrize("count", [10, 200])
def test_it_runs_a_bounded_number_of_queries_whatever_the_history(
    world, login, django_assert_max_num_queries, count
):
    client = login()
    add_history(world.project, world.checklist, count, categories=world.categories)
    # session, user, project, count, page, category scores of the page; the chart: latest
    # assessment, points, their category scores
    with django_assert_max_num_queries(9):
        response = client.get(URL + "?page=2")
    assert response.status_code == 200

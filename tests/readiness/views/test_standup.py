import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

URL = reverse("readiness:standup", args=["payments"])


@pytest.fixture
def yesterday_and_today(world):
    now = timezone.now()
    yesterday, today = add_history(
        world.project, world.checklist, 2, end=now - dt.timedelta(hours=1)
    )
    yesterday.score, today.score = 9.2, 9.8
    yesterday.save()
    today.save()
    c = world.checks
    add_results(yesterday, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass"})
    add_results(today, {c["webhook"]: "pass", c["cors"]: "fail", c["logger"]: "pass"})
    return yesterday, today


def test_it_shows_every_project_with_its_change_failures_and_fixes(
    world, login, yesterday_and_today
):
    factories.ProjectFactory(team=world.team, name="Calls")
    response = login().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="standup-project"') == 2
    payments = html.split('id="standup-payments-api"')[1]
    assert "9.8/10" in payments and "was 9.2/10" in payments and "▲ +0.6" in payments
    failures = payments.split('data-testid="standup-new-failures"')[1].split("</div>")[0]
    assert "CORS uses a whitelist" in failures
    fixes = payments.split('data-testid="standup-fixes"')[1].split("</div>")[0]
    assert "Stripe webhook signature is verified" in fixes


def test_it_compares_with_a_chosen_time(world, login, yesterday_and_today):
    since = (timezone.localtime() - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    html = login().get(URL, {"since": since}).content.decode()
    # Nothing was assessed before then: today's failures are all new.
    failures = html.split('data-testid="standup-new-failures"')[1].split("</div>")[0]
    assert "CORS uses a whitelist" in failures
    assert "was 9.2/10" not in html


def test_it_lists_action_items_due_or_overdue_and_attestations_expiring(world, login):
    today = timezone.localdate()
    factories.ActionItemFactory(
        project=world.project, title="Deploy webhook", due_date=today - dt.timedelta(days=1)
    )
    factories.ActionItemFactory(
        project=world.project, title="Check quotas", due_date=today + dt.timedelta(days=2)
    )
    factories.ActionItemFactory(
        project=world.project, title="Someday", due_date=today + dt.timedelta(days=60)
    )
    factories.AttestationFactory(
        project=world.project,
        check_key="cpu-quotas-reviewed",
        attested_at=timezone.now() - dt.timedelta(days=25),
        valid_until=timezone.now() + dt.timedelta(days=5),
    )
    html = login().get(URL).content.decode()
    items = html.split('data-testid="standup-action-items"')[1].split("</div>")[0]
    assert "Deploy webhook" in items and "overdue" in items
    assert "Check quotas" in items
    assert "Someday" not in items
    assert "cpu-quotas-reviewed" in html.split('data-testid="standup-expiring"')[1]


def test_it_does_not_list_an_attestation_renewed_since(world, login):
    factories.AttestationFactory(
        project=world.project,
        check_key="cpu-quotas-reviewed",
        attested_at=timezone.now() - dt.timedelta(days=25),
        valid_until=timezone.now() + dt.timedelta(days=5),
    )
    factories.AttestationFactory(project=world.project, check_key="cpu-quotas-reviewed")
    html = login().get(URL).content.decode()
    assert "cpu-quotas-reviewed" not in html.split('data-testid="standup-expiring"')[1]


def test_it_is_readable_at_a_distance_and_navigable_by_keyboard(world, login):
    html = login().get(URL).content.decode()
    assert 'class="standup-page"' in html
    assert "data-standup" in html
    assert 'tabindex="-1"' in html


def test_it_hides_other_teams(world, login):
    assert login().get(reverse("readiness:standup", args=["other"])).status_code == 404


@pytest.mark.parametrize("count", [10, 200])
def test_it_runs_a_bounded_number_of_queries_whatever_the_history(
    world, login, django_assert_max_num_queries, count
):
    client = login()
    add_history(world.project, world.checklist, count)
    second = factories.ProjectFactory(team=world.team)
    add_history(second, factories.ChecklistVersionFactory(project=second), count)
    factories.WaiverFactory(project=second, status="approved")
    # One more for the waivers ending or ended (every project at once), one for the campaigns
    # due soon (none here).
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_it_announces_waivers_ending_soon_and_those_ended_since(world, login):
    today = timezone.localdate()

    def waiver(key, until, status="approved"):
        return factories.WaiverFactory(
            project=world.project,
            check_key=key,
            status=status,
            until=until,
            ends_at=timezone.make_aware(
                dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min)
            ),
        )

    waiver("cors-whitelist", today + dt.timedelta(days=3))
    waiver("production-logger", today - dt.timedelta(days=1), status="expired")
    waiver("stripe-webhook-signature", today + dt.timedelta(days=40))
    waiver("cpu-quotas-reviewed", today + dt.timedelta(days=2), status="requested")
    since = (timezone.now() - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    html = login().get(URL, {"since": since}).content.decode()

    box = html.split('data-testid="standup-waivers"')[1].split("</div>")[0]
    assert '<span class="count">2</span>' in box
    assert "cors-whitelist" in box
    assert "production-logger" in box and "counts again" in box
    assert "stripe-webhook-signature" not in box  # ends long after the week
    assert "cpu-quotas-reviewed" not in box  # only asked for

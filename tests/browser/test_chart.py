"""The score chart tells the truth about time: its lines break where no assessment was made
for a month, scores claimed by a document are hollow rings beside the measured line, and
checklist versions are marked; the history page shows the same chart."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from readiness.models import Assessment, AssessmentStatus, CategoryScore, Trigger, Verdict
from tests import factories
from tests.browser.conftest import editor_of

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)


@dataclass
class Timeline:
    project: object
    editor: object
    claimed: list[Assessment]
    backfilled: list[Assessment]
    measured: list[Assessment]


def point(project, version, at, *, trigger=Trigger.SCHEDULE, claimed=False, score=7.0):
    assessment = Assessment.objects.create(
        project=project,
        checklist=version,
        trigger=trigger,
        claimed=claimed,
        status=AssessmentStatus.DONE,
        evaluated_at=at,
        score=score,
        coverage=1.0,
        verdict=Verdict.NOT_READY,
        revision=f"{int(at.timestamp()):040x}",
    )
    CategoryScore.objects.create(
        assessment=assessment, key="security", name="Security", score=score, position=0
    )
    return assessment


@pytest.fixture
def timeline(transactional_db: None) -> Timeline:
    """Within the last 90 days: a score claimed by a document (checklist v1), 20 daily
    backfilled points (v2), then measured runs (v3): six daily, none for 30 days, six
    daily ending yesterday."""
    team = factories.TeamFactory(name="Payments", slug="payments")
    project = factories.ProjectFactory(team=team, slug="payments-api", name="Payments API")
    v1, v2, v3 = (factories.ChecklistVersionFactory(project=project, number=n) for n in (1, 2, 3))
    end = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) - DAY
    claimed = [point(project, v1, end - 85 * DAY, trigger=Trigger.IMPORT, claimed=True, score=9.8)]
    backfilled = [
        point(project, v2, end - (80 - i) * DAY, trigger=Trigger.BACKFILL, score=5 + i / 10)
        for i in range(20)
    ]
    first_run = end - 40 * DAY
    measured = [point(project, v3, first_run + i * DAY, score=6 + i / 10) for i in range(6)]
    restart = measured[-1].evaluated_at + 30 * DAY
    measured += [point(project, v3, restart + i * DAY, score=7 + i / 10) for i in range(6)]
    assert measured[-1].evaluated_at == end
    return Timeline(project, editor_of(team), claimed, backfilled, measured)


def open_chart(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#score-chart .main-svg").first).to_be_visible()


def traces(page: Page) -> list[dict]:
    """Each drawn trace: its name, mode, marker symbol, the assessment ids of its points,
    and how many separate line segments it draws."""
    return page.evaluate(
        """() => {
          const gd = document.getElementById("score-chart");
          const groups = gd.querySelectorAll(".scatterlayer .trace");
          return gd._fullData.map((trace, i) => {
            const lines = groups[i].querySelectorAll("path.js-line");
            const moves = Array.from(lines).map(
              p => (p.getAttribute("d").match(/M/g) || []).length
            );
            return {
              name: trace.name,
              mode: trace.mode,
              symbol: (trace.marker || {}).symbol,
              ids: trace.customdata.filter(c => c).map(c => c[0]),
              segments: moves.reduce((a, b) => a + b, 0),
            };
          });
        }"""
    )


def test_it_breaks_the_measured_line_at_a_30_day_gap(live_server, page, log_in, timeline):
    log_in(page, timeline.editor)
    open_chart(page, live_server.url + reverse("readiness:project", args=["payments-api"]))

    drawn = {t["name"]: t for t in traces(page)}
    measured = drawn["Overall (measured)"]
    assert measured["ids"] == [a.pk for a in timeline.measured]
    assert measured["segments"] == 2
    # Twenty days without a gap: one line.
    backfilled = drawn["Overall (backfilled: file checks only)"]
    assert backfilled["ids"] == [a.pk for a in timeline.backfilled]
    assert backfilled["segments"] == 1
    # The category follows the same rule.
    security = {
        tuple(t["ids"]): t["segments"]
        for t in traces(page)
        if t["name"] == "Security" and t["mode"] == "lines"
    }
    assert security == {
        tuple(a.pk for a in timeline.measured): 2,
        tuple(a.pk for a in timeline.backfilled): 1,
    }


def test_it_shows_claimed_scores_as_hollow_rings_apart_from_measured_ones(
    live_server, page, log_in, timeline
):
    log_in(page, timeline.editor)
    open_chart(page, live_server.url + reverse("readiness:project", args=["payments-api"]))

    drawn = traces(page)
    claimed = [t for t in drawn if t["name"] == "Overall (claimed by a document)"]
    assert len(claimed) == 1
    assert claimed[0]["mode"] == "markers"
    assert claimed[0]["symbol"] == "circle-open"
    assert claimed[0]["ids"] == [timeline.claimed[0].pk]
    assert claimed[0]["segments"] == 0
    claimed_id = timeline.claimed[0].pk
    assert all(claimed_id not in t["ids"] for t in drawn if t["mode"] != "markers")
    legend = page.locator("#score-chart .legendtext")
    expect(legend.filter(has_text="Overall (claimed by a document)")).to_have_count(1)
    expect(legend.filter(has_text="Overall (backfilled: file checks only)")).to_have_count(1)
    # Opened on the default range, the chart shows all three origins (the last 90 days).
    expect(page.locator('.range-links a[aria-current="true"]')).to_have_text("3 months")


def test_it_marks_each_checklist_version_change(live_server, page, log_in, timeline):
    log_in(page, timeline.editor)
    open_chart(page, live_server.url + reverse("readiness:project", args=["payments-api"]))

    marks = page.locator("#score-chart .annotation-text").filter(has_text=re.compile(r"^v\d+$"))
    expect(marks).to_have_text(["v2", "v3"])
    # Version marks are dashed; the dotted lines mark days cut out of the axis.
    positions = page.evaluate(
        """() => document.getElementById("score-chart").layout.shapes
            .filter(s => s.line.dash === "dash").map(s => s.x0)"""
    )
    local = [
        timezone.localtime(a.evaluated_at).strftime("%Y-%m-%d %H:%M:%S")
        for a in (timeline.backfilled[0], timeline.measured[0])
    ]
    assert positions == local


def test_it_reads_whole_days_on_the_axis_of_a_single_run(
    live_server, page, log_in, transactional_db
):
    team = factories.TeamFactory(slug="solo")
    project = factories.ProjectFactory(team=team, slug="solo-api")
    point(project, factories.ChecklistVersionFactory(project=project), timezone.now())
    log_in(page, editor_of(team))
    open_chart(page, live_server.url + reverse("readiness:project", args=["solo-api"]))

    ticks = page.locator("#score-chart .xtick text").all_text_contents()
    assert len(ticks) >= 2
    for tick in ticks:
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", tick), ticks


def test_the_history_page_shows_the_chart_and_a_click_opens_the_assessment(
    live_server, page, log_in, timeline
):
    log_in(page, timeline.editor)
    open_chart(page, live_server.url + reverse("readiness:history", args=["payments-api"]))

    clicked = timeline.measured[-1]
    box = (
        page.locator("#score-chart .scatterlayer .trace")
        .first.locator("path.point")
        .last.bounding_box()
    )
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#score-chart .hoverlayer .hovertext").first).to_contain_text(
        clicked.revision[:12]
    )
    page.mouse.down()
    page.mouse.up()

    expect(page).to_have_url(re.compile(rf"/assessments/{clicked.pk}/$"))

"""A waiver on one check of every project extending a team's base checklist: asked by an
editor of the base's team, approved by another admin, in force in each extending project
(those that extend it later included) until its date, listed in their verdicts and reports,
and recomputed exactly from history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from readiness.models import AuditEntry, BaseChecklist, ResultStatus, Role, WaiverStatus
from readiness.selectors.waivers import project_waivers, waiver_rows
from readiness.services.assessments import assessment_scorecard
from readiness.services.projects import project_upsert
from readiness.services.waivers import (
    WaiverError,
    WaiverRefused,
    waiver_approve,
    waiver_ends_at,
    waiver_request,
    waivers_expire,
)
from tests.factories import MembershipFactory, ProjectFactory, TeamFactory, UserFactory
from tests.readiness.services.organisation import PROJECTS, assess, repo_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(organisation):
    _admin, org, _projects = organisation

    def member(name, role):
        user = UserFactory(username=name)
        MembershipFactory(team=org, user=user, role=role)
        return user

    return {"ed": member("ed", Role.EDITOR), "ada": member("ada", Role.ADMIN)}


def _ask(base, user, until=None, key="runbook"):
    until = until or timezone.localdate() + dt.timedelta(days=30)
    return waiver_request(
        base=base, check_key=key, until=until, reason="runbooks move to the wiki", user=user
    )


def test_the_life_of_a_waiver_of_every_project_extending_a_base(organisation, people, tmp_path):
    _admin, org, projects = organisation
    base = BaseChecklist.objects.get(team=org, slug="standard")
    before = {p.pk: assess(p) for p in projects}
    without_runbook = [p for i, p in enumerate(projects) if i % 3]
    assert all(
        before[p.pk].results.get(check_item__key="runbook").status == "fail"
        for p in without_runbook
    )

    waiver = _ask(base, people["ed"])
    assert (waiver.team, waiver.project, waiver.base) == (org, None, base)
    with pytest.raises(WaiverRefused, match="their own"):
        waiver_approve(waiver=waiver, user=people["ed"])
    waiver = waiver_approve(waiver=waiver, user=people["ada"], note="until the wiki is live")
    assert waiver.status == WaiverStatus.APPROVED

    after = {p.pk: assess(p) for p in projects}
    for project in projects:
        old, new = before[project.pk], after[project.pk]
        runbook = new.results.get(check_item__key="runbook")
        assert runbook.status == ResultStatus.WAIVED
        assert runbook.details["waived"]["base"] == "org/standard"
        assert new.waived == [
            {
                "check": "runbook",
                "waiver": waiver.pk,
                "until": waiver.until.isoformat(),
                "reason": "runbooks move to the wiki",
                "base": "org/standard",
            }
        ]
        assert {"code": "waived", "count": 1, "checks": ["runbook"]} in new.verdict_reasons
        # Without the runbook in the score, projects that lacked one can only gain.
        if project in without_runbook:
            assert new.score >= old.score
        card = assessment_scorecard(assessment=new)
        assert (card.score, card.coverage, card.verdict) == (new.score, new.coverage, new.verdict)

    # A project that extends the base later is covered too; one that does not, is not.
    repo = repo_of(tmp_path, PROJECTS)
    newcomer, _version, _created = project_upsert(
        slug="svc-new", source=str(repo), checklist_path=repo / ".readiness.yml", team_name="New"
    )
    assert assess(newcomer).results.get(check_item__key="runbook").status == "waived"
    outsider = ProjectFactory(slug="outsider", team=TeamFactory(name="Outside", slug="outside"))
    assert project_waivers(project=outsider).in_force == []
    assert [w.pk for w in project_waivers(project=projects[4]).in_force] == [waiver.pk]
    [row] = waiver_rows(project=projects[4])
    assert (row["project"], row["base"], row["status"]) == (None, "org/standard", "approved")

    # It ends by itself at its date: the next assessment counts the runbook again.
    end = waiver_ends_at(waiver.until)
    later = assess(projects[1], end + dt.timedelta(minutes=1))
    assert later.waived == []
    assert later.results.get(check_item__key="runbook").status == "fail"
    assert later.score == before[projects[1].pk].score
    assert waivers_expire(now=end + dt.timedelta(minutes=2)) == 1
    actions = list(
        AuditEntry.objects.filter(target_type="readiness.waiver", target_id=str(waiver.pk))
        .order_by("id")
        .values_list("team__slug", "action", "actor_name")
    )
    assert actions == [
        ("org", "waiver.request", "ed"),
        ("org", "waiver.approve", "ada"),
        ("org", "waiver.expire", ""),
    ]
    assert AuditEntry.objects.get(action="waiver.request").after["base"] == "org/standard"


def test_it_refuses_what_it_cannot_keep(organisation, people):
    _admin, org, projects = organisation
    base = BaseChecklist.objects.get(team=org, slug="standard")
    with pytest.raises(WaiverError, match="not a check of the base checklist org/standard"):
        _ask(base, people["ed"], key="nope")
    outsider = UserFactory(username="outsider")
    MembershipFactory(team=projects[0].team, user=outsider, role=Role.ADMIN)
    with pytest.raises(WaiverRefused, match="may not ask for waivers in Org"):
        _ask(base, outsider)
    first = _ask(base, people["ed"])
    with pytest.raises(WaiverError, match=f"already has waiver #{first.pk}"):
        _ask(base, people["ada"])
    with pytest.raises(WaiverError, match="either a project or a base"):
        waiver_request(
            project=projects[0],
            base=base,
            check_key="runbook",
            until=timezone.localdate(),
            reason="both",
            user=people["ed"],
        )
    # An admin of an extending project's team may not decide the base's waiver.
    with pytest.raises(WaiverRefused, match="may not decide waivers in Org"):
        waiver_approve(waiver=first, user=outsider)

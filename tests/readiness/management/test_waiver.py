"""`manage.py waiver`: request prints the id alone on its last line; approve, deny and
list; exit 1 when the rules refuse, 2 for bad input."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from readiness.models import Role, Waiver, WaiverStatus
from tests import factories
from tests.readiness.repo_builders import run_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    version = factories.ChecklistVersionFactory(project__slug="shop")
    category = factories.CategoryFactory(checklist=version, key="ops")
    factories.CheckFactory(checklist=version, category=category, key="runbook")
    team = version.project.team
    for name, role in (("ed", Role.EDITOR), ("ada", Role.ADMIN), ("val", Role.VIEWER)):
        factories.MembershipFactory(team=team, user=factories.UserFactory(username=name), role=role)
    factories.UserFactory(username="root", is_superuser=True)
    return version.project


def until(days=30):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def request(*extra, by="ed", check="runbook"):
    return run_command(
        "waiver",
        "request",
        "--project",
        "shop",
        "--check",
        check,
        "--until",
        extra[0] if extra else until(),
        "--reason",
        "vendor fix due in Q2",
        "--by",
        by,
    )


def test_request_prints_the_new_id_alone_on_its_last_line(shop):
    code, out, err = request()

    assert code == 0, err
    waiver = Waiver.objects.get()
    assert out.strip().splitlines()[-1] == str(waiver.pk)
    assert (waiver.check_key, waiver.requested_by.username) == ("runbook", "ed")


def test_approve_refuses_the_requester_then_takes_another_admin(shop):
    _code, out, _err = request(by="ada")
    pk = out.strip().splitlines()[-1]

    refused = run_command("waiver", "approve", pk, "--by", "ada")
    viewer = run_command("waiver", "approve", pk, "--by", "val")
    approved = run_command("waiver", "approve", pk, "--by", "root", "--note", "ok till Q2")

    assert refused[0] == 1 and "own" in refused[2]
    assert viewer[0] == 1 and "may not decide" in viewer[2]
    assert approved[0] == 0, approved[2]
    waiver = Waiver.objects.get(pk=pk)
    assert (waiver.status, waiver.decided_by.username, waiver.decision_note) == (
        WaiverStatus.APPROVED,
        "root",
        "ok till Q2",
    )


def test_deny_needs_a_note(shop):
    pk = request()[1].strip().splitlines()[-1]

    missing = run_command("waiver", "deny", pk, "--by", "ada")
    denied = run_command("waiver", "deny", pk, "--by", "ada", "--note", "fix it")

    assert missing[0] != 0 and "--note" in missing[2]
    assert denied[0] == 0
    assert Waiver.objects.get(pk=pk).status == WaiverStatus.DENIED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((until(181),), "at most 180 days"),
        (("31/12/2027",), "YYYY-MM-DD"),
        ((until(-1),), "has passed"),
    ],
)
def test_request_refuses_bad_input_with_exit_2(shop, args, message):
    code, _out, err = request(*args)

    assert code == 2
    assert message in err
    assert not Waiver.objects.exists()


def test_unknown_names_are_bad_input(shop):
    assert request(by="nobody")[0] == 2
    assert request(check="nope")[0] == 2
    assert run_command("waiver", "approve", "999", "--by", "ada")[0] == 2


def test_list_prints_the_waivers_as_text_and_json(shop):
    pk = int(request()[1].strip().splitlines()[-1])
    run_command("waiver", "approve", str(pk), "--by", "ada")

    code, out, _err = run_command("waiver", "list", "--project", "shop", "--json")
    text = run_command("waiver", "list", "--project", "shop")[1]

    assert code == 0
    [row] = json.loads(out)
    assert {
        k: row[k] for k in ("id", "project", "check", "status", "requested_by", "decided_by")
    } == {
        "id": pk,
        "project": "shop",
        "check": "runbook",
        "status": "approved",
        "requested_by": "ed",
        "decided_by": "ada",
    }
    assert row["until"] == until()
    assert "runbook" in text and "approved" in text


@pytest.fixture
def base(shop):
    from readiness.services.bases import base_checklist_save

    text = (
        "version: 1\nname: Service\ncategories:\n"
        "  - key: ops\n    checks:\n      - {key: runbook, type: manual}\n"
    )
    version, _updated = base_checklist_save(team=shop.team, slug="service", source=text, actor=None)
    return version.base


def test_request_with_a_base_covers_every_project_extending_it(base):
    code, out, err = run_command(
        "waiver",
        "request",
        "--base",
        base.ref,
        "--check",
        "runbook",
        "--until",
        until(),
        "--reason",
        "runbooks move to the wiki",
        "--by",
        "ed",
    )

    assert code == 0, err
    waiver = Waiver.objects.get()
    assert out.strip().splitlines()[-1] == str(waiver.pk)
    assert (waiver.base, waiver.project) == (base, None)
    code, out, _err = run_command("waiver", "approve", str(waiver.pk), "--by", "ada")
    assert code == 0
    code, out, _err = run_command("waiver", "list", "--base", base.ref, "--json")
    [row] = json.loads(out)
    assert (row["base"], row["project"], row["status"]) == (base.ref, None, "approved")


def test_request_names_a_project_or_a_base_and_a_base_that_exists(base):
    code, _out, err = run_command(
        "waiver",
        "request",
        "--base",
        "nope/none",
        "--check",
        "runbook",
        "--until",
        until(),
        "--reason",
        "r",
        "--by",
        "ed",
    )
    assert code == 2
    assert "--base nope/none: no such base checklist" in err
    code, _out, err = run_command(
        "waiver",
        "request",
        "--base",
        base.ref,
        "--project",
        "shop",
        "--check",
        "runbook",
        "--until",
        until(),
        "--reason",
        "r",
        "--by",
        "ed",
    )
    # argparse refuses both (exit 2 from the shell; call_command reports it as 1).
    assert code != 0
    assert "not allowed with argument" in err
    assert not Waiver.objects.exists()

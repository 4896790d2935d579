"""Check options from the command plans of one group of commands.

The grep, command or file check they make together, and what in it is only approximate."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from readiness.importer._commands import CommandPlan, FilePlan, GrepPlan, HttpPlan, Plan
from readiness.importer._expectations import Expectation
from readiness.importer.notes import NoteMessage


def plan_type(plan: Plan) -> str:
    """The check type a plan becomes."""
    if isinstance(plan, GrepPlan):
        return "grep"
    if isinstance(plan, FilePlan):
        return "file"
    if isinstance(plan, HttpPlan):
        return "http"
    return "command"


def grep_options(
    entries: list[tuple[int, str, Plan]], absent: bool, count: int | None
) -> tuple[dict[str, object], list[NoteMessage]]:
    """One grep check for greps of one pattern (`each_file` when on several files)."""
    plans = [entry[2] for entry in entries]
    first = plans[0]
    assert isinstance(first, GrepPlan)
    paths: list[str] = []
    approx: list[NoteMessage] = []
    for plan in plans:
        assert isinstance(plan, GrepPlan)
        paths.extend(path for path in plan.paths if path not in paths)
        approx.extend(message for message in plan.approx if message not in approx)
    options: dict[str, object] = {"paths": paths, "pattern": first.pattern}
    if first.ignore_case:
        options["ignore_case"] = True
    if absent:
        options["expect"] = "absent"
    elif first.count == -1 and count is None:
        approx.append(NoteMessage(_("wc -l without an expected number: read as present")))
    elif count is not None:
        options["min_count"] = count
        options["max_count"] = count
        approx.append(
            NoteMessage(_("the expected count of lines is checked as a count of matches"))
        )
    if len(plans) > 1 and not absent:
        options["each_file"] = True
    return options, approx


def command_options(
    entries: list[tuple[int, str, Plan]], absent: bool
) -> tuple[dict[str, object], list[NoteMessage]]:
    plan = entries[0][2]
    assert isinstance(plan, CommandPlan)
    approx = list(plan.approx)
    expect: dict[str, object] = {}
    filters = [
        entry[2].filters[0]
        for entry in entries
        if isinstance(entry[2], CommandPlan) and entry[2].filters
    ]
    if len(plan.filters) > 1:
        combined = plan.filters[0]
        for other in plan.filters[1:]:
            combined = f"(?:{combined}).*(?:{other})|(?:{other}).*(?:{combined})"
        filters = [combined]
    if filters:
        pattern = filters[0] if len(filters) == 1 else "|".join(f"(?:{f})" for f in filters)
        expect["stdout_not_matches" if absent else "stdout_matches"] = pattern
    elif absent:
        expect["stdout_empty"] = True
    options: dict[str, object] = {"argv": list(plan.argv), "enabled": False}
    if plan.timeout_s:
        options["timeout_s"] = plan.timeout_s
    if expect:
        options["expect"] = {"exit_code": 0, **expect}
    return options, approx


def file_options(
    entries: list[tuple[int, str, Plan]], absent: bool
) -> tuple[dict[str, object], list[NoteMessage]]:
    plan = entries[0][2]
    assert isinstance(plan, FilePlan)
    paths: list[str] = []
    for entry in entries:
        other = entry[2]
        assert isinstance(other, FilePlan)
        paths.extend(p for p in other.paths if p not in paths)
    options: dict[str, object] = {"paths": paths}
    if absent != plan.absent:
        options["expect"] = "absent"
    return options, list(plan.approx)


def http_options(
    plan: HttpPlan, expectation: Expectation | None
) -> tuple[str, dict[str, object], list[NoteMessage], str]:
    """An http check when the URL is a real one and the document gives the status it
    expects; else a disabled command saying what it needs. Returns the check's type, its
    options, what is approximate, and what the command needs."""
    status = expectation.status_code if expectation else None
    if plan.real and status is not None:
        options: dict[str, object] = {"url": plan.url, "expect_status": [status]}
        if plan.method != "GET":
            options["method"] = plan.method
        return "http", options, list(plan.approx), ""
    command: dict[str, object] = {"argv": list(plan.argv), "enabled": False}
    if plan.local:
        needs = "Needs the service running where the checks run (a localhost URL)."
    elif not plan.real:
        needs = f"Needs the real address: {plan.url} is a placeholder."
    else:
        needs = "The document gives no expected status: an http check needs one."
    return "command", command, list(plan.approx), needs

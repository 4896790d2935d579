"""Check outcomes as the engine gives them and as result rows store them.

A check is evaluated from its stored row through the engine (which turns a checker's
exception into that check's error, so no result is ever lost); the outcome becomes the
fields of its result row. A source that cannot be read and a checker that raised have
their own error outcomes, worded here once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from checks import runner
from checks.messages import message
from checks.outbound import OutboundPolicy
from checks.sandbox import Sandbox
from checks.spec import CheckSpec, Outcome, RunContext, Status, clip
from readiness.models import Check
from readiness.services.checklists import check_spec

MAX_SUMMARY = 2000


def source_unavailable(problem: object) -> Outcome:
    """The error outcome of a check whose source (clone, folder, revision) cannot be read."""
    return Outcome.error(
        message(gettext_noop("source unavailable: %(problem)s"), problem=str(problem))
    )


def checker_failed(exc: BaseException) -> Outcome:
    """The error outcome of a check whose checker raised `exc`."""
    return Outcome.error(
        message(gettext_noop("checker failed: %(reason)s"), reason=f"{type(exc).__name__}: {exc}")
    )


# The fields outcome_fields sets, for a bulk update of result rows.
OUTCOME_FIELDS = (
    "status",
    "credit",
    "summary",
    "evidence",
    "details",
    "duration_ms",
    "lease_expires_at",
    "finished_at",
)


def outcome_fields(outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    """The fields of a result row that finished at `now` with `outcome`."""
    status = Status(outcome.status)
    return {
        "status": status.value,
        "credit": status.credit,
        "summary": clip(outcome.summary, MAX_SUMMARY),
        "evidence": [item.as_dict() for item in outcome.evidence],
        "details": stored_details(outcome),
        "duration_ms": outcome.duration_ms,
        "lease_expires_at": None,
        "finished_at": now,
    }


def stored_details(outcome: Outcome) -> Any:
    """The `details` field of a result row with `outcome`: round-tripped through JSON, so
    that a value JSON cannot hold (a date, a path) is stored as text instead of failing
    the write and losing the result."""
    return json.loads(json.dumps(outcome.stored_details(), default=str))


def result_spec(check: Check) -> CheckSpec:
    """The engine's spec of a stored check (its category loaded)."""
    return check_spec(check, check.category.key)


def outcome_evaluate(spec: CheckSpec, context: RunContext) -> Outcome:
    """The outcome of one check, never an exception."""
    # run_check turns a checker's exception into that check's error: never a lost result.
    return runner.run_check(spec, context)


def run_context(repo: Path, *, placeholders: Mapping[str, str] | None = None) -> RunContext:
    """The engine's context for checks reading `repo`, with this deployment's limits and
    the project's `${name}` values (checks.placeholders)."""
    return RunContext(
        repo=repo,
        placeholders=dict(placeholders or {}),
        now=timezone.now(),
        allow_commands=settings.READINESS_ALLOW_COMMANDS,
        sandbox=command_sandbox(),
        **scan_limits(),
        outbound=outbound_policy(),
    )


def scan_limits() -> dict[str, int]:
    """This deployment's limits of the file scan, as `run_file_checks` and `RunContext`
    take them: one place for every caller (live runs, backfill, inline runs)."""
    return {
        "max_file_bytes": settings.READINESS_MAX_FILE_BYTES,
        "pattern_seconds": settings.READINESS_PATTERN_SECONDS,
    }


def outbound_policy() -> OutboundPolicy:
    """The addresses this deployment's checks may reach (READINESS_OUTBOUND_*)."""
    return OutboundPolicy.configured(
        deny=settings.READINESS_OUTBOUND_DENY,
        allow=settings.READINESS_OUTBOUND_ALLOW,
        deny_name="READINESS_OUTBOUND_DENY",
        allow_name="READINESS_OUTBOUND_ALLOW",
    )


def command_sandbox() -> Sandbox:
    """How this deployment confines command checks. The product's own files are private:
    hidden from a command whose repository holds them (this checkout assessing itself)."""
    private = [
        settings.BASE_DIR,
        settings.DATA_DIR,
        settings.DATA_DIR / "secret-key",
        settings.BROKER_DIR,
        settings.READINESS_GIT_CACHE_DIR,
    ]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(str(database["NAME"]))
        private += [name, name.with_name(f"{name.name}-wal"), name.with_name(f"{name.name}-shm")]
    return Sandbox(
        kind=settings.READINESS_COMMAND_SANDBOX,
        memory_mb=settings.READINESS_COMMAND_MEMORY_MB,
        max_processes=settings.READINESS_COMMAND_MAX_PROCESSES,
        private=tuple(private),
    )

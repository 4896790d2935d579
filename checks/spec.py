"""The engine's data types: what a checklist says, and what a check found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any

from checks.budget import DEFAULT_PATTERN_SECONDS
from checks.messages import Message
from checks.outbound import OutboundPolicy
from checks.sandbox import Sandbox


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # no evidence could be gathered: bad config, checker problem
    SKIP = "skip"  # not applicable or disabled

    @property
    def credit(self) -> float | None:
        """Points a status earns; None for statuses that are not scored."""
        value = CREDIT.get(self)
        return None if value is None else float(value)


# The points each scored status earns, exact (readiness.scoring computes with them).
CREDIT: Mapping[str, Fraction] = {
    Status.PASS: Fraction(1),
    Status.WARN: Fraction(1, 2),
    Status.FAIL: Fraction(0),
}


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class CheckSpec:
    """One check of a checklist. `options` holds the type's own fields as a checklist file
    and a stored check hold them (plain values), validated and with defaults filled in
    (e.g. grep: paths, pattern, expect, min_count, ...); the type (checks.registry) turns
    them into its typed options for the runner."""

    key: str
    name: str
    type: str
    category: str
    weight: float = 1.0
    severity: Severity = Severity.MEDIUM
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    # Where the check was written; not part of its identity (a reformatted file is the same).
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CategorySpec:
    key: str
    name: str
    weight: float = 1.0
    checks: tuple[CheckSpec, ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Checklist:
    name: str
    categories: tuple[CategorySpec, ...]
    ready_at: float = 8.0
    version: int = 1

    def all_checks(self) -> Iterator[CheckSpec]:
        for category in self.categories:
            yield from category.checks

    def check(self, key: str) -> CheckSpec:
        for spec in self.all_checks():
            if spec.key == key:
                return spec
        raise KeyError(key)


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a file:line and its text, or a labelled excerpt (path None)."""

    path: str | None = None
    line: int | None = None
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "text": self.text}


# Evidence is bounded so that one result row stays small whatever the repository holds.
MAX_EVIDENCE_ITEMS = 20
MAX_EVIDENCE_TEXT = 500


def clip(text: str, limit: int = MAX_EVIDENCE_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Outcome:
    """What one check found. `details` holds type-specific facts for the evidence panel:
    captured values, exit code, output excerpt, HTTP status and latency, measured value.
    `message` is the summary as a template and its parameters, for translation; `summary`
    is its English text."""

    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0
    message: Message | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "summary": self.summary,
            "evidence": [item.as_dict() for item in self.evidence],
            "details": self.stored_details(),
            "duration_ms": self.duration_ms,
        }

    def stored_details(self) -> dict[str, Any]:
        """`details`, plus the summary's message under "message" when there is one: a
        result row keeps it there."""
        if self.message is None:
            return dict(self.details)
        return {**self.details, "message": self.message.as_dict()}

    @classmethod
    def said(
        cls,
        status: Status,
        message: Message,
        evidence: tuple[Evidence, ...] = (),
        details: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """An outcome whose summary is the English text of `message`."""
        return cls(status, str(message), evidence, details or {}, message=message)

    @classmethod
    def error(cls, summary: str | Message, **details: Any) -> Outcome:
        if isinstance(summary, Message):
            return cls.said(Status.ERROR, summary, details=details)
        return cls(Status.ERROR, summary, details=details)

    @classmethod
    def skip(cls, summary: str | Message) -> Outcome:
        if isinstance(summary, Message):
            return cls.said(Status.SKIP, summary)
        return cls(Status.SKIP, summary)


@dataclass(frozen=True)
class Attestation:
    """A person's statement about a manual check, valid until `valid_until`."""

    status: Status  # pass, warn or fail
    user: str
    attested_at: dt.datetime
    valid_until: dt.datetime | None
    note: str = ""
    evidence_url: str = ""


@dataclass(frozen=True)
class RunContext:
    """Everything a check may need besides its spec. `repo` is the root the paths are
    relative to and where commands run; `sandbox`, how commands are confined."""

    repo: Path
    now: dt.datetime
    allow_commands: bool = False
    sandbox: Sandbox = field(default_factory=Sandbox)
    max_file_bytes: int = 2 * 1024 * 1024
    # The matching time one pattern may take in one scan (checks.budget).
    pattern_seconds: float = DEFAULT_PATTERN_SECONDS
    # Which addresses http checks and threshold URLs may reach.
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    attestations: Mapping[str, Sequence[Attestation]] = field(default_factory=dict)
    # The project's values for `${name}` placeholders (checks.placeholders): base_url.
    placeholders: Mapping[str, str] = field(default_factory=dict)

"""The import plan: what a readiness document became, or DocumentError when it is none.

`ImportResult` and its parts, and the limits on what a plan may hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checks.spec import Checklist
from readiness.importer._mojibake import Repair
from readiness.importer.notes import APPROXIMATE, UNTRANSLATED, WARNING, Note

# A readiness document is a few hundred lines; the limit only keeps a hostile upload cheap.
MAX_CHECKS = 2_000
MAX_NAME = 300
MAX_CATEGORY_NAME = 200
MAX_TITLE = 500


class DocumentError(ValueError):
    """Input that is not an importable readiness document; the message says why."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ManualItem:
    check_key: str
    status: str | None  # None: the document gives no status, so no attestation
    line: int
    text: str


@dataclass(frozen=True)
class ClaimedCategory:
    key: str
    name: str
    score: float
    line: int


@dataclass(frozen=True)
class ClaimedImprovement:
    text: str
    delta: float | None
    line: int


@dataclass(frozen=True)
class ClaimedPoint:
    date: dt.date
    score: float | None
    line: int
    categories: tuple[ClaimedCategory, ...] = ()
    improvements: tuple[ClaimedImprovement, ...] = ()
    verdict: str = ""  # "ready" / "not-ready" when the document says so


@dataclass(frozen=True)
class OtherScore:
    """A score the document gives beside the one kept for its date and category: an
    earlier or self-assessed figure, a second overall score."""

    date: dt.date | None
    score: float
    line: int
    category: str = ""  # "" for an overall score
    label: str = ""  # the words before it, or its column's header
    kept: float | None = None  # the score kept instead


@dataclass(frozen=True)
class ActionDraft:
    title: str
    line: int
    done: bool = False
    priority: str = ""
    owner: str = ""
    due_date: dt.date | None = None


@dataclass(frozen=True)
class ImportResult:
    source_name: str
    title: str
    date: dt.date | None
    author: str | None
    repair: Repair
    crlf: bool
    legacy_encoding: str | None
    checklist: Checklist | None
    checklist_yaml: str
    manual_items: tuple[ManualItem, ...]
    claims: dict[str, tuple[str, int]]  # check key → (claimed status, line)
    points: tuple[ClaimedPoint, ...]
    action_items: tuple[ActionDraft, ...]
    notes: tuple[Note, ...]
    other_scores: tuple[OtherScore, ...] = ()
    levels: tuple[str, ...] = ()
    date_source: str = ""  # "file name" when the date comes only from the file's name
    template: bool = False  # a blank template: manual checks, no attestation, no history
    used_lines: frozenset[int] = frozenset()  # lines turned into something

    @property
    def attested_by(self) -> str:
        return self.author or self.source_name

    def checks_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for spec in self.checklist.all_checks() if self.checklist else ():
            counts[spec.type] = counts.get(spec.type, 0) + 1
        return counts

    def counts(self) -> dict[str, int]:
        by_type = self.checks_by_type()
        return {
            "categories": len(self.checklist.categories) if self.checklist else 0,
            "checks": sum(by_type.values()),
            "automated_checks": sum(n for t, n in by_type.items() if t != "manual"),
            "manual_checks": by_type.get("manual", 0),
            "attestations": sum(1 for item in self.manual_items if item.status),
            "history_points": len(self.points),
            "category_scores": sum(len(point.categories) for point in self.points),
            "action_items": sum(1 for item in self.action_items if not item.done),
            "done_items": sum(1 for item in self.action_items if item.done),
            "untranslated": sum(1 for note in self.notes if note.kind == UNTRANSLATED),
            "approximate": sum(1 for note in self.notes if note.kind == APPROXIMATE),
            "warnings": sum(1 for note in self.notes if note.kind == WARNING),
        }

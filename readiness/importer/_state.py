"""The state of the walk over a document, and the helpers its readers share.

The heading path, the current category, used lines, notes and unique check keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from checks.spec import CheckSpec
from readiness.importer._headings import (
    category_name,
    is_checklist_heading,
    is_stage_heading,
    kind_of_heading,
    priority_of_heading,
)
from readiness.importer._keys import text_key
from readiness.importer._language import document_language
from readiness.importer._markdown import (
    Block,
    Heading,
    Paragraph,
    parse_blocks,
    plain,
    strip_symbols,
)
from readiness.importer._plan import (
    MAX_CHECKS,
    ActionDraft,
    ClaimedCategory,
    ClaimedImprovement,
    DocumentError,
    ManualItem,
    OtherScore,
)
from readiness.importer._text import find_date
from readiness.importer.notes import Note, NoteMessage, excerpt

GENERAL_CATEGORY = "general"


@dataclass
class CategoryDraft:
    key: str
    name: str
    checks: list[CheckSpec] = field(default_factory=list)


@dataclass
class PointDraft:
    """History point being collected; its date may still be the document's (unknown until
    the end: "**Date** :" often closes the document)."""

    date: dt.date | None
    line: int
    score: float | None = None
    categories: dict[str, ClaimedCategory] = field(default_factory=dict)
    improvements: list[ClaimedImprovement] = field(default_factory=list)
    verdict: str = ""
    rank: int = 0  # how much the document presents the overall score as its result
    label: str = ""  # the words before the overall score


class DocumentWalk:
    """The document's blocks and lines, and everything the readers found in them."""

    def __init__(self, text: str, source_name: str) -> None:
        self.source_name = source_name
        self.blocks = parse_blocks(text)
        self.lines = text.split("\n")
        self.consumed: set[int] = set()
        self.noted: set[int] = set()  # lines inside an untranslated note
        self.notes: list[Note] = []
        self.categories: dict[str, CategoryDraft] = {}
        self.keys: set[str] = set()
        self.manual: list[ManualItem] = []
        self.claims: dict[str, tuple[str, int]] = {}
        self.pending_claims: list[tuple[str, tuple[int, ...]]] = []
        self.section_results: dict[tuple[int, ...], tuple[str, int]] = {}
        self.points: list[PointDraft] = []
        self.earlier: list[tuple[PointDraft, str, str, float, int]] = []
        self.actions: list[ActionDraft] = []
        self.title = ""
        self.date: dt.date | None = None
        self.author: str | None = None
        self.status_claim = ""
        self.language = document_language(text)
        self.blank_fields: list[tuple[int, str]] = []  # (line, label) of fields left blank
        self.checked_on: dt.date | None = None  # the date the document says it was checked
        self.date_source = ""  # "file name" when only the file's name dates the document
        self.levels: list[str] = []  # the levels of tables of checks, lowest first
        # Unchecked boxes: (key, line, text, whether their list records results elsewhere).
        self.unchecked: list[tuple[str, int, str, bool]] = []
        self.template = False  # no date and no recorded result: a form to fill in
        self.other_scores: list[OtherScore] = []
        self.cwd = ""  # where the document's last `cd` left its commands
        self.headings: list[Heading] = []
        self.category_level = self._category_level()
        self.title_heading: Heading | None = None

    def consume(self, first: int, last: int | None = None) -> None:
        self.consumed.update(range(first, (last or first) + 1))

    def note(self, kind: str, line: int, end_line: int, template: object, **params: object) -> None:
        shown = self.lines[line - 1 : end_line]
        if shown and shown[0].lstrip().startswith(("```", "~~~")):
            shown = shown[1:]  # a code block is shown by its first line of code
        text = "\n".join(shown)
        self.notes.append(Note(line, end_line, kind, NoteMessage(template, params), excerpt(text)))

    def _category_level(self) -> int | None:
        headings = [b for b in self.blocks if isinstance(b, Heading)]
        if headings and headings[0].level == 1 and sum(h.level == 1 for h in headings) == 1:
            headings = headings[1:]
        return min((h.level for h in headings), default=None)

    def label_of(self, block: Block | None) -> str | None:
        """The text of a one-line "**Label** :" paragraph that introduces the next block."""
        if not isinstance(block, Paragraph) or len(block.lines) != 1:
            return None
        text = plain(block.lines[0][1]).strip()
        if not text.endswith((":", "：")):
            return None
        return strip_symbols(text.rstrip(" :："))

    def section_headings(self) -> list[Heading]:
        """The headings above the current block, the title's aside."""
        return [h for h in self.headings if h is not self.title_heading]

    def path_key(self) -> tuple[int, ...]:
        return tuple(h.line for h in self.headings)

    def heading_date(self) -> dt.date | None:
        for heading in reversed(self.headings):
            if heading is self.title_heading:
                continue
            date = find_date(heading.text)
            if date:
                return date
        return None

    def section_kind(self) -> str:
        """todo, done, or "" for the innermost heading that says which."""
        for heading in reversed(self.headings):
            kind = kind_of_heading(heading.text)
            if kind:
                return kind
        return ""

    def heading_priority(self) -> str:
        for heading in reversed(self.headings):
            priority = priority_of_heading(heading.text)
            if priority:
                return priority
        return ""

    def in_checklist_section(self) -> bool:
        return any(is_checklist_heading(h.text) for h in self.headings)

    def key_of(self, text: str) -> str:
        """A key for a check or category named `text`, in any script."""
        return text_key(text, language=self.language)

    def category(self) -> CategoryDraft:
        """The category of the current block: the outermost numbered stage heading
        ("ETAPA 3", "Phase 2", "第二部分", "## 3. Sécurité") below the nearest checklist
        heading, else that checklist heading, else the heading at the document's category
        level."""
        sections = self.section_headings()
        checklist = next((h for h in reversed(sections) if is_checklist_heading(h.text)), None)
        floor = checklist.level if checklist else 0
        stage = next((h for h in sections if h.level > floor and is_stage_heading(h.text)), None)
        heading = (
            stage
            or checklist
            or next(
                (
                    h
                    for h in self.headings
                    if h.level == self.category_level and h is not self.title_heading
                ),
                None,
            )
        )
        name = category_name(heading.text) if heading else "General"
        key = self.key_of(name) if heading and name else GENERAL_CATEGORY
        if key not in self.categories:
            self.categories[key] = CategoryDraft(key, name or key)
        return self.categories[key]

    def unique_key(self, hint: str, fallback: str) -> str:
        base = (hint or fallback or "check")[:90].strip("-") or "check"
        key, n = base, 2
        while key in self.keys:
            key = f"{base}-{n}"
            n += 1
        self.keys.add(key)
        return key

    def add_check(self, spec: CheckSpec) -> None:
        if len(self.keys) > MAX_CHECKS:
            raise DocumentError(
                str(_("The document holds more than %(limit)s checks.") % {"limit": MAX_CHECKS})
            )
        self.categories[spec.category].checks.append(spec)

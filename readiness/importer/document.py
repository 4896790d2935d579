"""A readiness document → a checklist, manual attestations, claimed history points and
action items, with a note for every part that was not translated.

Pure: text in, an `ImportResult` out; nothing here touches the database. The service
`readiness.services.imports.import_document_save` stores a result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from checks.checklist import ChecklistError, dump_checklist, load_checklist
from checks.spec import CategorySpec, Checklist, CheckSpec
from readiness.importer import marks
from readiness.importer.markdown import (
    Block,
    CodeBlock,
    FrontMatter,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    Rule,
    Table,
    fold,
    parse_blocks,
    plain,
    slugify_key,
    strip_symbols,
)
from readiness.importer.mojibake import (
    LATIN_1,
    MAC_ROMAN,
    WINDOWS_1252,
    Repair,
    repair_mojibake,
)
from readiness.importer.notes import (
    APPROXIMATE,
    UNTRANSLATED,
    WARNING,
    Message,
    Note,
    excerpt,
)
from readiness.importer.translate import (
    TEST_NUMBER,
    ChangeDir,
    CommandPlan,
    Expectation,
    FilePlan,
    GrepPlan,
    Plan,
    Refused,
    key_hint,
    plan_command,
    read_expectation,
)

# A readiness document is a few hundred lines; the limit only keeps a hostile upload cheap.
MAX_CHECKS = 2_000
MAX_NAME = 300
MAX_CATEGORY_NAME = 200
MAX_TITLE = 500
MANUAL_VALID_DAYS = 90
BINARY_SNIFF_BYTES = 8192
GENERAL_CATEGORY = "general"

# Category names that mean the same in French and English, so that "Sécurité : 10/10"
# lands on the "Security Checklist" category.
CATEGORY_ALIASES = {
    "securite": "security",
    "gestion-des-erreurs": "error-handling",
    "gestion-d-erreurs": "error-handling",
    "gestion-erreurs": "error-handling",
    "erreurs": "error-handling",
    "surveillance": "monitoring",
    "supervision": "monitoring",
    "observabilite": "observability",
    "scalabilite": "scalability",
    "evolutivite": "scalability",
    "fiabilite": "reliability",
    "disponibilite": "availability",
    "performances": "performance",
    "deploiement": "deployment",
    "tests": "testing",
}


ENCODING_NAMES = {MAC_ROMAN: "Mac Roman", WINDOWS_1252: "Windows-1252", LATIN_1: "Latin-1"}


class DocumentError(ValueError):
    """Input that is not an importable readiness document; the message says why."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


def max_document_bytes() -> int:
    return settings.READINESS_MAX_UPLOAD_BYTES


# Results


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
class Improvement:
    text: str
    delta: float | None
    line: int


@dataclass(frozen=True)
class HistoryPoint:
    date: dt.date
    score: float | None
    line: int
    categories: tuple[ClaimedCategory, ...] = ()
    improvements: tuple[Improvement, ...] = ()
    verdict: str = ""  # "ready" / "not-ready" when the document says so


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
    points: tuple[HistoryPoint, ...]
    action_items: tuple[ActionDraft, ...]
    notes: tuple[Note, ...]

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


# Reading the bytes


@dataclass(frozen=True)
class SourceText:
    text: str
    repair: Repair
    crlf: bool
    legacy_encoding: str | None


def decode_document(data: bytes | str) -> SourceText:
    """The document's text, newlines normalised and mojibake repaired. Raises
    DocumentError for an empty, binary, oversized or undecodable input."""
    limit = max_document_bytes()
    legacy = None
    if isinstance(data, bytes):
        if len(data) > limit:
            raise DocumentError(
                str(_("The file is larger than the %(limit)s MB limit.") % {"limit": _mb(limit)})
            )
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                raise DocumentError(str(_("The file is not valid UTF-16 text."))) from None
        else:
            if b"\x00" in data[:BINARY_SNIFF_BYTES]:
                raise DocumentError(str(_("The file is binary, not a Markdown document.")))
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                try:
                    text = data.decode("cp1252")
                    legacy = "windows-1252"
                except UnicodeDecodeError:
                    line = data.count(b"\n", 0, exc.start) + 1
                    raise DocumentError(
                        str(
                            _("The file is not UTF-8 text (byte 0x%(byte)02x on line %(line)s).")
                            % {"byte": data[exc.start], "line": line}
                        ),
                        line=line,
                    ) from None
    else:
        text = data
        if len(text) > limit:
            raise DocumentError(
                str(_("The file is larger than the %(limit)s MB limit.") % {"limit": _mb(limit)})
            )
    if "\x00" in text[:BINARY_SNIFF_BYTES] or _mostly_controls(text):
        raise DocumentError(str(_("The file is binary, not a Markdown document.")))
    if not text.strip("\ufeff \t\r\n\x0b\x0c"):
        raise DocumentError(str(_("The file is empty.")))
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    repair = repair_mojibake(text)
    return SourceText(repair.text, repair, crlf, legacy)


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def _mostly_controls(text: str) -> bool:
    sample = text[:BINARY_SNIFF_BYTES]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\x0c\x0b\x1b")
    return controls > max(8, len(sample) // 100)


# Words of headings and labels (matched on folded text: lowercase, no accents)

_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[ivxlc]+\.|[a-z][.)])\s+", re.IGNORECASE)
_VERIFICATION = re.compile(
    r"^(?:verifications?|verification|controles?|checks?)(?:\s+(?:de la|des|du|de|d'|of|for))?\s+",
)
_CHECKLIST_WORD = re.compile(
    r"\b(?:checklist|check-list|check list|liste de (?:controle|verification)s?)\b"
)
_TODO_HEADING = re.compile(
    r"^(?:a faire|todo|to do|to-do|reste a faire|next steps|prochaines etapes|action items|"
    r"actions(?: a mener| requises)?|plan d'action|taches|tasks|open items)\b"
)
_DONE_HEADING = re.compile(r"^(?:termine|fait|done|completed?|realise|accompli|acheve)e?s?\b")
_PRIORITY = re.compile(r"^\s*\[?\(?(P[0-4])\)?\]?\s*(?:[:\-–—|.)]\s*)?(.*)$", re.IGNORECASE)
_IMPROVEMENTS_LABEL = re.compile(r"^(?:ameliorations?|improvements?|gains?|changements?|changes)\b")
_RESULT_LABEL = re.compile(
    r"^(?:resultat|result|status|statut|verdict)(?:\s+attendu|\s+expected)?$"
)
_META = re.compile(
    r"^(?P<key>date|auteur|author|authors|auteurs|par|by|redige par|written by|owner|"
    r"responsable|status|statut|score|score final|score global|overall score|final score|"
    r"note|note globale|version)\s*$"
)
_SCORE = re.compile(r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{1,2})?)\s*/\s*(10|100)(?![\d/])")
_DELTA = re.compile(r"\(\s*([+-−]\s*\d+(?:[.,]\d+)?)\s*\)")
_EARLIER_SUFFIX = re.compile(
    r"^\s*\(\s*(?:etait|was|avant|before|previously|precedemment|prev\.?|vs\.?|contre)\s*:?\s*"
    r"(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:/\s*(10|100))?\s*\)"
)
_EARLIER_PREFIX = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:/\s*(10|100))?\s*(?:→|->|=>|⇒)\s*$")
_NOT_SCORE_SUFFIX = re.compile(
    r"^\s*(?:checks?|tests?|items?|criteres?|points?|fichiers?|files?)\b"
)
_OVERALL_WORDS = re.compile(
    r"^(?:score|note|total|global|overall|final|readiness|production readiness|moyenne|average|"
    r"avant|apres|before|after|maintenant|now|actuel|current|resultat)\b"
)
_EARLIER_WORDS = re.compile(r"^(?:avant|before|previous|precedent|initial|etait|ancien|old)\b")
_TOTAL_ROW = re.compile(
    r"^(?:total|global|overall|moyenne|average|score global|score final|score)$"
)
_READY = re.compile(r"\b(?:production ready|ready|pret|prete|go)\b")
_NOT_READY = re.compile(r"\b(?:not ready|non pret|pas pret|no go|no-go|bloque|blocked)\b")
_SHELL_INFOS = {
    "bash",
    "sh",
    "shell",
    "zsh",
    "console",
    "shell-session",
    "terminal",
    "shellsession",
}
_SHELL_WORDS = re.compile(
    r"^(?:\$\s+)?(?:grep|egrep|fgrep|cat|ls|test|\[|cd|npm|yarn|pnpm|npx|git|firebase|gcloud|"
    r"kubectl|docker|curl|wget|make|rm|find|echo|export|python3?|node|tsc|terraform|aws|az|"
    r"helm|go|cargo|mvn|gradle|pytest|ruff|rg)\b"
)
_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DMY_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_WORD_DATE = re.compile(r"(?<!\d)(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})(?!\d)")
_ENGLISH_DATE = re.compile(r"\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")


def find_date(text: str) -> dt.date | None:
    """The first date written in `text`: 2026-02-16, 16/02/2026, 16 février 2026, February
    16, 2026."""
    folded = fold(text)
    candidates: list[tuple[int, dt.date]] = []
    for found in _ISO_DATE.finditer(folded):
        candidates.append((found.start(), _date(found.group(1), found.group(2), found.group(3))))
    for found in _DMY_DATE.finditer(folded):
        candidates.append((found.start(), _date(found.group(3), found.group(2), found.group(1))))
    for found in _WORD_DATE.finditer(folded):
        month = _MONTHS.get(found.group(2))
        if month:
            candidates.append((found.start(), _date(found.group(3), month, found.group(1))))
    for found in _ENGLISH_DATE.finditer(folded):
        month = _MONTHS.get(found.group(1))
        if month:
            candidates.append((found.start(), _date(found.group(3), month, found.group(2))))
    valid = sorted((pos, date) for pos, date in candidates if date is not None)
    return valid[0][1] if valid else None


def _date(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace("−", "-").replace(" ", ""))


def _score(value: str, scale: str | None) -> float | None:
    number = _number(value)
    if scale == "100":
        number /= 10
    return number if 0 <= number <= 10 else None


def clean_heading(text: str) -> str:
    """Heading text without markup, emoji, numbering or a trailing colon."""
    text = strip_symbols(plain(text))
    text = _NUMBERING.sub("", text).strip()
    return strip_symbols(text.rstrip(" :：")).strip()


def _sentence_case(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 3:
        text = text.lower()
    return text[:1].upper() + text[1:]


def category_name(heading: str) -> str:
    """ "1. VÉRIFICATION COHÉRENCE RÉGIONS" → "Cohérence régions"; "Security Checklist" →
    "Security"."""
    text = clean_heading(heading)
    folded = fold(text)
    found = _VERIFICATION.match(folded)
    if found and found.end() < len(text):
        text = text[found.end() :]
    folded = fold(text)
    found = _CHECKLIST_WORD.search(folded)
    if found:
        text = (text[: found.start()] + " " + text[found.end() :]).strip(" -–—:")
        text = re.sub(r"\s+", " ", text)
    return _sentence_case(text.strip())[:MAX_CATEGORY_NAME]


def is_checklist_heading(text: str) -> bool:
    return bool(_CHECKLIST_WORD.search(fold(clean_heading(text))))


# The walk over the blocks


@dataclass
class _Category:
    key: str
    name: str
    checks: list[CheckSpec] = field(default_factory=list)


@dataclass
class _Point:
    """History point being collected; its date may still be the document's (unknown until
    the end: "**Date** :" often closes the document)."""

    date: dt.date | None
    line: int
    score: float | None = None
    categories: dict[str, ClaimedCategory] = field(default_factory=dict)
    improvements: list[Improvement] = field(default_factory=list)
    verdict: str = ""


@dataclass
class _Group:
    """Commands of a code block that belong together: a title comment, commands, the
    expected result."""

    title: str = ""
    title_line: int = 0
    commands: list[tuple[int, str]] = field(default_factory=list)
    expectation: Expectation | None = None
    expectation_after: bool = False


class _Importer:
    def __init__(self, text: str, source_name: str) -> None:
        self.source_name = source_name
        self.blocks = parse_blocks(text)
        self.lines = text.split("\n")
        self.consumed: set[int] = set()
        self.noted: set[int] = set()  # lines inside an untranslated note
        self.notes: list[Note] = []
        self.categories: dict[str, _Category] = {}
        self.keys: set[str] = set()
        self.manual: list[ManualItem] = []
        self.claims: dict[str, tuple[str, int]] = {}
        self.pending_claims: list[tuple[str, tuple[int, ...]]] = []
        self.section_results: dict[tuple[int, ...], tuple[str, int]] = {}
        self.points: list[_Point] = []
        self.earlier: list[tuple[_Point, str, str, float, int]] = []
        self.actions: list[ActionDraft] = []
        self.title = ""
        self.date: dt.date | None = None
        self.author: str | None = None
        self.status_claim = ""
        self.headings: list[Heading] = []
        self.category_level = self._category_level()
        self.title_heading: Heading | None = None

    # Helpers

    def consume(self, first: int, last: int | None = None) -> None:
        self.consumed.update(range(first, (last or first) + 1))

    def note(self, kind: str, line: int, end_line: int, template: object, **params: object) -> None:
        shown = self.lines[line - 1 : end_line]
        if shown and shown[0].lstrip().startswith(("```", "~~~")):
            shown = shown[1:]  # a code block is shown by its first line of code
        text = "\n".join(shown)
        self.notes.append(Note(line, end_line, kind, Message(template, params), excerpt(text)))

    def _category_level(self) -> int | None:
        headings = [b for b in self.blocks if isinstance(b, Heading)]
        if headings and headings[0].level == 1 and sum(h.level == 1 for h in headings) == 1:
            headings = headings[1:]
        return min((h.level for h in headings), default=None)

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
            folded = fold(clean_heading(heading.text))
            if _TODO_HEADING.match(folded):
                return "todo"
            if _DONE_HEADING.match(folded):
                return "done"
        return ""

    def heading_priority(self) -> str:
        for heading in reversed(self.headings):
            found = re.match(r"^(P[0-4])\b", clean_heading(heading.text), re.IGNORECASE)
            if found:
                return found.group(1).upper()
        return ""

    def in_checklist_section(self) -> bool:
        return any(is_checklist_heading(h.text) for h in self.headings)

    def category(self) -> _Category:
        heading = next(
            (h for h in reversed(self.headings) if is_checklist_heading(h.text)), None
        ) or next(
            (
                h
                for h in self.headings
                if h.level == self.category_level and h is not self.title_heading
            ),
            None,
        )
        name = category_name(heading.text) if heading else "General"
        key = slugify_key(name) or GENERAL_CATEGORY
        if key not in self.categories:
            self.categories[key] = _Category(key, name or key)
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

    # The walk

    def run(self) -> None:
        first_heading = next((b for b in self.blocks if isinstance(b, Heading)), None)
        if first_heading and first_heading.level == 1 and self.category_level != 1:
            self.title_heading = first_heading
        previous: Block | None = None
        for block in self.blocks:
            label = self._label_of(previous)
            if isinstance(block, Heading):
                self._heading(block)
            elif isinstance(block, CodeBlock):
                self._code(block)
            elif isinstance(block, ListBlock):
                self._list(block, label)
            elif isinstance(block, Table):
                self._table(block)
            elif isinstance(block, Paragraph):
                self._paragraph(block)
            elif isinstance(block, Rule):
                self.consume(block.line)
            elif isinstance(block, FrontMatter):
                self._front_matter(block)
            if label is not None and previous is not None and self._block_used(block):
                self.consume(previous.line)
            previous = block

    def _label_of(self, block: Block | None) -> str | None:
        """The text of a one-line "**Label** :" paragraph that introduces the next block."""
        if not isinstance(block, Paragraph) or len(block.lines) != 1:
            return None
        text = plain(block.lines[0][1]).strip()
        if not text.endswith((":", "：")):
            return None
        return strip_symbols(text.rstrip(" :："))

    def _block_used(self, block: Block) -> bool:
        lines = range(block.line, block.end_line + 1)
        return any(line in self.consumed for line in lines)

    def _heading(self, heading: Heading) -> None:
        while self.headings and self.headings[-1].level >= heading.level:
            self.headings.pop()
        self.headings.append(heading)
        self.consume(heading.line)
        if heading is self.title_heading:
            self.title = clean_heading(heading.text)
            return
        self._score_text(clean_heading(heading.text), heading.line, in_heading=True)

    def _front_matter(self, block: FrontMatter) -> None:
        self.consume(block.line)
        self.consume(block.end_line)
        for name, (line, value) in block.fields.items():
            if name == "title":
                self.title = plain(value)
            elif name == "date":
                self.date = find_date(value)
            elif name in ("author", "authors", "auteur"):
                self.author = plain(value)
            else:
                continue
            self.consume(line)

    # Paragraphs: metadata, scores, section results, narrative

    def _paragraph(self, block: Paragraph) -> None:
        for number, raw in block.lines:
            text = plain(raw)
            key, value = _split_label(text)
            if key is not None and self._metadata(key, value, number):
                self.consume(number)
                continue
            if key is not None and _RESULT_LABEL.match(fold(key)):
                mark = marks.first_mark(value)
                if mark:
                    self._section_result(marks.status_of_mark(mark), number)
                continue
            if self._score_text(text, number):
                self.consume(number)

    def _section_result(self, status: str, line: int) -> None:
        """A claimed result ("**Résultat** : ✅ COHÉRENT") speaks for its subsection and,
        when the subsection has none of its own, for its whole top-level section."""
        path = self.path_key()
        self.section_results.setdefault(path, (status, line))
        depth = next(
            (i + 1 for i, h in enumerate(self.headings) if h.level == self.category_level), None
        )
        if depth is not None and depth < len(path):
            self.section_results.setdefault(path[:depth], (status, line))

    def _metadata(self, key: str, value: str, line: int) -> bool:
        found = _META.match(fold(key))
        if not found or not value.strip():
            return False
        name = found.group("key")
        if name == "date":
            date = find_date(value)
            if date is None:
                return False
            self.date = date
            return True
        if name in (
            "auteur",
            "author",
            "authors",
            "auteurs",
            "par",
            "by",
            "redige par",
            "written by",
        ):
            self.author = strip_symbols(value)[:200] or None
            return True
        if name in ("status", "statut"):
            folded = fold(value)
            if _NOT_READY.search(folded):
                self.status_claim = "not-ready"
            elif _READY.search(folded):
                self.status_claim = "ready"
            else:
                return False
            return True
        if name == "version":
            return False
        return self._score_text(f"{key} : {value}", line)

    def _score_text(self, text: str, line: int, *, in_heading: bool = False) -> bool:
        """Record the score `text` claims (overall or per category); False when it holds
        none."""
        found = _SCORE.search(text)
        if not found:
            return False
        suffix = text[found.end() :]
        if _NOT_SCORE_SUFFIX.match(fold(suffix)):
            return False
        score = _score(found.group(1), found.group(2))
        if score is None:
            return False
        prefix = text[: found.start()]
        earlier: float | None = None
        before = _EARLIER_PREFIX.search(prefix)
        if before:
            earlier = _score(before.group(1), before.group(2))
            prefix = prefix[: before.start()]
        after = _EARLIER_SUFFIX.match(fold(suffix))
        if after:
            earlier = _score(after.group(1), after.group(2))
        date = find_date(prefix) or find_date(suffix)
        label = strip_symbols(re.sub(r"\(.*?\)", "", prefix)).strip(" :：-–—*")
        label = strip_symbols(_ISO_DATE.sub("", label)).strip(" :：-–—*")
        folded = fold(label)
        if not label or _OVERALL_WORDS.match(folded) or (date and in_heading):
            if _EARLIER_WORDS.match(folded) and date is None:
                self.note(UNTRANSLATED, line, line, _("an earlier score without a date"))
                self.consume(line)
                return True
            point = self._point(date or self.heading_date(), line)
            self._claim(point, "", "", score, line)
            if earlier is not None:
                self.earlier.append((point, "", "", earlier, line))
            return True
        if in_heading:
            return False
        point = self._current_point(line)
        name = label[:MAX_CATEGORY_NAME]
        key = slugify_key(name)
        if not key:
            return False
        self._claim(point, key, name, score, line)
        if earlier is not None:
            self.earlier.append((point, key, name, earlier, line))
        return True

    def _claim(self, point: _Point, key: str, name: str, score: float, line: int) -> None:
        """Record a claimed score: a category's when `key` is given, else the overall one.
        The first claim for a date stands; a different second one is reported."""
        if key:
            point.categories.setdefault(key, ClaimedCategory(key, name, score, line))
        elif point.score is None:
            point.score, point.line = score, line
        elif point.score != score:
            self.note(
                WARNING,
                line,
                line,
                _("a second overall score (%(score)s) for the same date; %(kept)s is kept"),
                score=_plain(score),
                kept=_plain(point.score),
            )

    def _point(self, date: dt.date | None, line: int) -> _Point:
        for point in self.points:
            if point.date == date:
                return point
        point = _Point(date, line)
        self.points.append(point)
        return point

    def _current_point(self, line: int) -> _Point:
        """The point a per-category score belongs to: the latest overall score above it
        in the same top-level section, else the document's date."""
        top = next((h for h in self.headings if h.level == self.category_level), None)
        start = top.line if top else 0
        candidates = [p for p in self.points if start <= p.line < line]
        if candidates:
            return max(candidates, key=lambda p: p.line)
        return self._point(self.heading_date(), line)

    # Code blocks

    def _code(self, block: CodeBlock) -> None:
        body = [text for _line, text in block.body]
        if block.info in _SHELL_INFOS or (not block.info and _looks_like_shell(body)):
            self._shell(block)
            return
        if not block.closed:
            self.note(
                UNTRANSLATED, block.line, block.end_line, _("code block without its closing fence")
            )
        elif _is_diagram(body):
            self.note(UNTRANSLATED, block.line, block.end_line, _("diagram: nothing to check"))
        else:
            expectations = sum(1 for text in body if read_expectation(0, _comment_text(text) or ""))
            if expectations:
                self.note(
                    UNTRANSLATED,
                    block.line,
                    block.end_line,
                    _(
                        "%(language)s sample describing a flow; the expected results in it "
                        "(%(count)s) are about runtime behaviour, not files or commands"
                    ),
                    language=block.info or _("code"),
                    count=expectations,
                )
            else:
                self.note(
                    UNTRANSLATED,
                    block.line,
                    block.end_line,
                    _("%(language)s sample: not a command"),
                    language=block.info or _("code"),
                )
        self.consume(block.line, block.end_line)

    def _shell(self, block: CodeBlock) -> None:
        self.consume(block.line)
        self.consume(block.end_line)
        console = any(text.lstrip().startswith("$ ") for _line, text in block.body)
        groups: list[_Group] = [_Group()]
        pending_expectation: Expectation | None = None
        lines = list(block.body)
        i = 0
        while i < len(lines):
            number, raw = lines[i]
            i += 1
            text = raw.strip()
            if not text:
                self.consume(number)
                continue
            comment = _comment_text(text)
            if comment is not None:
                group = groups[-1]
                expectation = read_expectation(number, comment)
                if expectation is not None:
                    if group.commands:
                        group.expectation = expectation
                        group.expectation_after = True
                    else:
                        pending_expectation = expectation
                    self.consume(number)
                    # Following "# - item" lines continue the expectation.
                    while i < len(lines) and (_comment_text(lines[i][1].strip()) or "").startswith(
                        ("-", "*", " ")
                    ):
                        self.consume(lines[i][0])
                        i += 1
                    continue
                if group.commands or group.expectation:
                    groups.append(_Group())
                    group = groups[-1]
                title = TEST_NUMBER.sub("", comment)
                if not group.title:
                    group.title, group.title_line = title.strip(), number
                self.consume(number)
                continue
            if console:
                if not text.startswith("$ "):
                    self.note(UNTRANSLATED, number, number, _("sample output: not compared"))
                    self.consume(number)
                    continue
                text = text[2:]
            # Backslash-newline continues a command on the next line.
            last = number
            while text.endswith("\\") and i < len(lines):
                text = text[:-1] + " " + lines[i][1].strip()
                last = lines[i][0]
                i += 1
            group = groups[-1]
            if group.expectation_after:
                groups.append(_Group())
                group = groups[-1]
            if pending_expectation is not None and not group.expectation:
                group.expectation = pending_expectation
                pending_expectation = None
            group.commands.append((number, text))
            self.consume(number, last)
        cwd = ""
        for group in groups:
            cwd = self._translate_group(group, cwd)

    def _translate_group(self, group: _Group, cwd: str) -> str:
        """Add the group's checks; returns the directory a `cd` left the block in."""
        category = self.category()
        plans: list[tuple[int, str, Plan]] = []
        for number, text in group.commands:
            try:
                for plan in plan_command(text, cwd):
                    if isinstance(plan, ChangeDir):
                        cwd = plan.path or ""
                        continue
                    plans.append((number, text, plan))
            except Refused as refused:
                self.note(
                    UNTRANSLATED, number, number, refused.message.template, **refused.message.params
                )
        expectation = group.expectation
        if not plans:
            if group.title and not group.commands:
                self.note(
                    UNTRANSLATED, group.title_line, group.title_line, _("comment without a command")
                )
            return cwd
        specs = self._group_specs(group, plans, expectation, category.key)
        for spec, line, approx in specs:
            self.add_check(spec)
            for message in approx:
                self.note(APPROXIMATE, line, line, message.template, **message.params)
            status = expectation.status if expectation else None
            if status:
                self.claims[spec.key] = (status, expectation.line)
            else:
                self.pending_claims.append((spec.key, self.path_key()))
        if expectation is None and any(isinstance(entry[2], GrepPlan) for entry in plans):
            line = plans[0][0]
            self.note(
                APPROXIMATE,
                line,
                line,
                _("no expected result given: the check only requires the pattern to be found"),
            )
        return cwd

    def _group_specs(
        self,
        group: _Group,
        plans: list[tuple[int, str, Plan]],
        expectation: Expectation | None,
        category: str,
    ) -> list[tuple[CheckSpec, int, list[Message]]]:
        absent = bool(expectation and expectation.absent)
        count = expectation.count if expectation else None
        # Greps of one pattern on one file each, all expected to succeed (or all to find
        # nothing), are one check: each_file says "every one of these files".
        merged: list[tuple[list[tuple[int, str, Plan]], str]] = []
        for entry in plans:
            plan = entry[2]
            for bucket, signature in merged:
                if signature and signature == _merge_signature(plan) and count is None:
                    bucket.append(entry)
                    break
            else:
                merged.append(([entry], _merge_signature(plan)))
        # Producers piped into grep and expected to print nothing: one check, any match fails.
        if absent:
            merged = _merge_absent_commands(merged)
        results = []
        total = len(merged)
        for index, (entries, _signature) in enumerate(merged, start=1):
            line = entries[0][0]
            plan = entries[0][2]
            commands = "\n".join(f"$ {entry[1]}" for entry in entries)
            title = (
                group.title
                or (expectation.text if expectation else "")
                or _command_name(plan, entries[0][1])
            )
            name = title if total == 1 else f"{title} ({index}/{total})"
            description = "\n".join(
                part for part in ((expectation.raw if expectation else ""), commands) if part
            )
            hint = key_hint(group.title) if group.title else ""
            approx: list[Message] = []
            if isinstance(plan, GrepPlan):
                options, approx = _grep_options(entries, absent, count)
                fallback = slugify_key(plan.pattern.replace(".*", " "), limit=60)
            elif isinstance(plan, CommandPlan):
                options, approx = _command_options(entries, absent)
                fallback = slugify_key(entries[0][1], limit=60)
            else:
                assert isinstance(plan, FilePlan)
                options, approx = _file_options(entries, absent)
                fallback = slugify_key("file " + " ".join(plan.paths), limit=60)
            key = self.unique_key(hint, fallback)
            spec = CheckSpec(
                key=key,
                name=_clip(plain(name), MAX_NAME) or key,
                type=_plan_type(plan),
                category=category,
                options=options,
                description=description[:10_000],
            )
            results.append((spec, line, approx))
        return results

    # Lists

    def _list(self, block: ListBlock, label: str | None) -> None:
        label_folded = fold(label or "")
        kind = self.section_kind()
        if kind:
            self._action_list(block, done=kind == "done")
            return
        items = block.walk()
        if _IMPROVEMENTS_LABEL.match(label_folded) or (
            items and all(_DELTA.search(item.text) for item in block.items)
        ):
            self._improvements(block)
            return
        priority = self.heading_priority()
        if priority or any(_item_priority(item.text) for item in block.items):
            self._priority_list(block, priority)
            return
        checklist = self.in_checklist_section()
        marked = [item for item in block.items if marks.strip_mark(plain(item.text))[0]]
        if checklist or (marked and len(marked) == len(block.items)):
            self._checklist(block, trailing=checklist)
            return
        # Otherwise only "Category : 9/10" items are understood; the rest is reported.
        for item in items:
            if self._score_text(plain(item.text), item.line):
                self.consume(item.line, item.end_line)

    def _checklist(self, block: ListBlock, *, trailing: bool) -> None:
        category = self.category()
        for item in block.walk():
            text = plain(item.text)
            mark, rest = marks.strip_mark(text)
            if mark is None and trailing:
                mark, rest = marks.strip_trailing_mark(text)
            name = strip_symbols(rest).strip()
            if not name:
                continue
            key = self.unique_key(slugify_key(name), "item")
            status = marks.status_of_mark(mark) if mark else None
            self.add_check(
                CheckSpec(
                    key=key,
                    name=_clip(name, MAX_NAME),
                    type="manual",
                    category=category.key,
                    options={"valid_days": MANUAL_VALID_DAYS, "evidence_required": False},
                )
            )
            self.manual.append(ManualItem(key, status, item.line, text))
            if status:
                self.claims[key] = (status, item.line)
            self.consume(item.line, item.end_line)

    def _improvements(self, block: ListBlock) -> None:
        point = self._current_point(block.line)
        for item in block.walk():
            text = plain(item.text)
            found = _DELTA.search(text)
            delta = _number(found.group(1)) if found else None
            point.improvements.append(Improvement(text, delta, item.line))
            self.consume(item.line, item.end_line)

    def _action_list(self, block: ListBlock, *, done: bool) -> None:
        priority = self.heading_priority()

        def visit(items: list[ListItem], parent: str) -> None:
            for item in items:
                text = plain(item.text)
                mark, rest = marks.strip_mark(text)
                is_done = done if mark is None else marks.status_of_mark(mark) == marks.PASS
                title = strip_symbols(rest).strip()
                if item.children:
                    prefix = title.rstrip(" :：")
                    visit(item.children, f"{parent} : {prefix}" if parent else prefix)
                    self.consume(item.line)
                    continue
                found = _item_priority(title)
                item_priority = found[0] if found else priority
                if found:
                    title = found[1]
                if parent:
                    title = f"{parent} : {title}"
                if title:
                    self.actions.append(self._action(title, item.line, is_done, item_priority))
                self.consume(item.line, item.end_line)

        visit(block.items, "")

    def _priority_list(self, block: ListBlock, priority: str) -> None:
        for item in block.walk():
            text = plain(item.text)
            found = _item_priority(text)
            title = found[1] if found else text
            mark, rest = marks.strip_mark(title)
            done = bool(mark) and marks.status_of_mark(mark) == marks.PASS
            title = strip_symbols(rest)
            if title:
                self.actions.append(
                    self._action(title, item.line, done, found[0] if found else priority)
                )
            self.consume(item.line, item.end_line)

    def _action(self, title: str, line: int, done: bool, priority: str) -> ActionDraft:
        owner = ""
        found = re.search(r"(?<![\w.])@([\w.-]+)", title)
        if found:
            owner = found.group(1)
        due = find_date(title)
        return ActionDraft(
            title=_clip(title, MAX_TITLE),
            line=line,
            done=done,
            priority=priority,
            owner=owner[:200],
            due_date=due,
        )

    # Tables

    def _table(self, table: Table) -> None:
        headers = [fold(plain(h)) for h in table.header]
        priority_column = _priority_column(headers, table.rows)
        if priority_column is not None:
            self._priority_table(table, headers, priority_column)
            return
        score_columns = [
            index
            for index in range(len(headers))
            if any(
                index < len(cells) and _SCORE.fullmatch(strip_symbols(plain(cells[index])))
                for _line, cells in table.rows
            )
        ]
        if score_columns:
            self._score_table(table, headers, score_columns)
            return
        if any(marks.first_mark(cell) for _line, cells in table.rows for cell in cells):
            self.note(
                UNTRANSLATED,
                table.line,
                table.end_line,
                _(
                    "summary table of claimed results (%(rows)s rows): the report command "
                    "rebuilds it from measured results"
                ),
                rows=len(table.rows),
            )
            self.consume(table.line, table.end_line)

    def _score_table(self, table: Table, headers: list[str], score_columns: list[int]) -> None:
        """ "| Domaine | Score |" rows are category scores ("Total" is the overall one) of
        the point the column's header dates, or of the section's point."""
        name_column = next((i for i in range(len(headers)) if i not in score_columns), None)
        if name_column is None:
            return
        self.consume(table.line, table.line + 1)
        for index in score_columns:
            date = find_date(table.header[index])
            earlier = date is None and bool(_EARLIER_WORDS.match(headers[index]))
            for number, cells in table.rows:
                if max(index, name_column) >= len(cells):
                    continue
                name = strip_symbols(plain(cells[name_column]))
                found = _SCORE.fullmatch(strip_symbols(plain(cells[index])))
                score = _score(found.group(1), found.group(2)) if found else None
                key = "" if _TOTAL_ROW.match(fold(name)) else slugify_key(name)
                if score is None or (not key and not _TOTAL_ROW.match(fold(name))):
                    continue
                point = self._point(date, number) if date else self._current_point(number)
                if earlier:
                    self.earlier.append((point, key, name[:MAX_CATEGORY_NAME], score, number))
                else:
                    self._claim(point, key, name[:MAX_CATEGORY_NAME], score, number)
                self.consume(number)

    def _priority_table(self, table: Table, headers: list[str], priority_column: int) -> None:
        def column(pattern: str) -> int | None:
            return next(
                (i for i, h in enumerate(headers) if i != priority_column and re.match(pattern, h)),
                None,
            )

        title_column = column(
            r"^(?:action|actions|tache|task|titre|title|description|item|quoi|what|sujet|point|"
            r"probleme|issue|recommandation|recommendation)"
        )
        owner_column = column(r"^(?:responsable|owner|assigne|assignee|qui|who|porteur)")
        due_column = column(r"^(?:echeance|due|deadline|date|pour le|quand|when|delai)")
        status_column = column(r"^(?:statut|status|etat|state)")
        if title_column is None:
            title_column = next(
                (
                    i
                    for i in range(len(headers))
                    if i not in (priority_column, owner_column, due_column, status_column)
                ),
                None,
            )
        if title_column is None:
            return
        self.consume(table.line, table.line + 1)
        for number, cells in table.rows:

            def cell(index: int | None, cells: list[str] = cells) -> str:
                return plain(cells[index]) if index is not None and index < len(cells) else ""

            title = strip_symbols(cell(title_column))
            if not title:
                continue
            priority_text = cell(priority_column)
            found = _PRIORITY.match(priority_text)
            status_text = fold(cell(status_column))
            mark = marks.first_mark(cell(status_column))
            done = (mark is not None and marks.status_of_mark(mark) == marks.PASS) or bool(
                re.match(
                    r"^(?:done|fait|termine|complete|ok|closed|ferme)", strip_symbols(status_text)
                )
            )
            self.actions.append(
                ActionDraft(
                    title=_clip(title, MAX_TITLE),
                    line=number,
                    done=done,
                    priority=found.group(1).upper() if found else "",
                    owner=strip_symbols(cell(owner_column)).lstrip("@")[:200],
                    due_date=find_date(cell(due_column)) if due_column is not None else None,
                )
            )
            self.consume(number)

    # After the walk

    def finish(self) -> None:
        if self.date is None:
            title_date = find_date(self.title) if self.title else None
            dated = [p.date for p in self.points if p.date]
            self.date = title_date or (max(dated) if dated else None)
        self._resolve_points()
        # A check without its own expected mark takes the claimed result of its section.
        for key, path in self.pending_claims:
            for depth in range(len(path), 0, -1):
                found = self.section_results.get(path[:depth])
                if found:
                    self.claims.setdefault(key, found)
                    self.consume(found[1])
                    break
        self._leftovers()
        self._merge_notes()

    def _resolve_points(self) -> None:
        undated = [p for p in self.points if p.date is None]
        for point in undated:
            if self.date is None:
                self.note(UNTRANSLATED, point.line, point.line, _("a score without a date"))
                self.points.remove(point)
                continue
            same = next((p for p in self.points if p.date == self.date and p is not point), None)
            if same is None:
                point.date = self.date
                continue
            # The document's date already has a point: fold this one into it.
            if point.score is not None:
                self._claim(same, "", "", point.score, point.line)
            for key, claim in point.categories.items():
                same.categories.setdefault(key, claim)
            same.improvements.extend(point.improvements)
            self.earlier = [
                (same if p is point else p, k, n, s, line) for p, k, n, s, line in self.earlier
            ]
            self.points.remove(point)
        for point, key, name, score, line in self.earlier:
            previous = [p for p in self.points if p.date and point.date and p.date < point.date]
            if not previous:
                self.note(
                    UNTRANSLATED,
                    line,
                    line,
                    _("an earlier score (%(score)s) without a date"),
                    score=_plain(score),
                )
                continue
            target = max(previous, key=lambda p: p.date)
            if key:
                target.categories.setdefault(key, ClaimedCategory(key, name, score, line))
            elif target.score is None:
                target.score = score
        for point in [p for p in self.points if p.score is None and not p.categories]:
            for improvement in point.improvements:
                self.note(
                    UNTRANSLATED,
                    improvement.line,
                    improvement.line,
                    _("a claimed improvement without a score to attach it to"),
                )
            self.points.remove(point)
        if self.status_claim and self.date:
            for point in self.points:
                if point.date == self.date:
                    point.verdict = self.status_claim

    def _merge_notes(self) -> None:
        """Untranslated parts with the same reason, apart only by blank lines, are one."""
        merged: list[Note] = []
        for note in sorted(self.notes, key=lambda n: (n.line, n.end_line)):
            last = merged[-1] if merged else None
            if (
                last is not None
                and last.kind == note.kind == UNTRANSLATED
                and last.message == note.message
                and last.end_line < note.line
                and not any(line.strip() for line in self.lines[last.end_line : note.line - 1])
            ):
                merged[-1] = Note(last.line, note.end_line, last.kind, last.message, last.excerpt)
                continue
            merged.append(note)
        self.notes = merged

    def _leftovers(self) -> None:
        """A note for every non-blank line nothing used, one per run of lines. A label
        ("**Fichiers modifiés** :") goes with the unused block it introduces."""
        labels = {}
        for previous, block in zip(self.blocks, self.blocks[1:], strict=False):
            if (
                self._label_of(previous) is not None
                and previous.line not in self.consumed
                and block.line not in self.consumed
                and not isinstance(block, Heading)
            ):
                labels[id(block)] = previous
        skipped = {id(label) for label in labels.values()}
        self.noted = {
            line
            for note in self.notes
            if note.kind == UNTRANSLATED
            for line in range(note.line, note.end_line + 1)
        }
        for block in self.blocks:
            if id(block) in skipped:
                continue
            label = labels.get(id(block))
            first = label.line if label else block.line
            last = block.end_line
            run: list[int] = []
            for number in range(first, last + 1):
                if number in self.consumed or not self.lines[number - 1].strip():
                    if run:
                        self._leftover(block, run[0], run[-1])
                        run = []
                    continue
                run.append(number)
            if run:
                self._leftover(block, run[0], run[-1])

    def _leftover(self, block: Block, first: int, last: int) -> None:
        if first in self.noted and last in self.noted:
            return
        text = plain(self.lines[first - 1])
        key, _value = _split_label(text)
        if isinstance(block, Paragraph) and key is not None and _RESULT_LABEL.match(fold(key)):
            reason = _("claimed result of the section: the section's checks measure it now")
        elif isinstance(block, ListBlock):
            reason = _("list without status marks outside a checklist, TODO or DONE section")
        elif isinstance(block, Table):
            reason = _("table that is neither a score table nor a priority table")
        elif isinstance(block, FrontMatter):
            reason = _("front matter field not used")
        else:
            reason = _("narrative text")
        self.note(UNTRANSLATED, first, last, reason)

    # The result

    def checklist(self) -> Checklist | None:
        categories = [
            CategorySpec(key=c.key, name=c.name or c.key, checks=tuple(c.checks))
            for c in self.categories.values()
            if c.checks
        ]
        if not categories:
            return None
        name = _clip(
            self.title or PurePath(self.source_name).stem or "Readiness", MAX_CATEGORY_NAME
        )
        return Checklist(name=name, categories=tuple(categories))

    def history(self, checklist: Checklist | None) -> tuple[HistoryPoint, ...]:
        keys = {c.key for c in checklist.categories} if checklist else set()
        names = {slugify_key(c.name): c.key for c in checklist.categories} if checklist else {}
        points = []
        for point in sorted(self.points, key=lambda p: p.date or dt.date.min):
            if point.date is None:
                continue
            categories = []
            seen = set()
            for claim in point.categories.values():
                key = _resolve_category(claim.key, keys, names)
                if key in seen:
                    continue
                seen.add(key)
                categories.append(ClaimedCategory(key, claim.name, claim.score, claim.line))
            points.append(
                HistoryPoint(
                    date=point.date,
                    score=point.score,
                    line=point.line,
                    categories=tuple(categories),
                    improvements=tuple(point.improvements),
                    verdict=point.verdict,
                )
            )
        return tuple(points)


def _resolve_category(key: str, keys: set[str], names: dict[str, str]) -> str:
    if key in keys:
        return key
    if key in names:
        return names[key]
    alias = CATEGORY_ALIASES.get(key)
    if alias and alias in keys:
        return alias
    return key


def _split_label(text: str) -> tuple[str | None, str]:
    """ "Date : 2026-02-16" → ("Date", "2026-02-16"); (None, text) without a label."""
    found = re.match(r"^([^:：]{1,40}?)\s*[:：]\s*(.*)$", text)
    if not found:
        return None, text
    return strip_symbols(found.group(1)).strip(), found.group(2).strip()


def _comment_text(text: str) -> str | None:
    stripped = text.strip()
    for prefix in ("#", "//"):
        if stripped.startswith(prefix) and not stripped.startswith("#!"):
            return stripped[len(prefix) :].strip()
    return None


def _looks_like_shell(body: list[str]) -> bool:
    lines = [line.strip() for line in body if line.strip()]
    if not lines:
        return False
    commands = [line for line in lines if not line.startswith("#")]
    return bool(commands) and all(_SHELL_WORDS.match(line) for line in commands)


def _is_diagram(body: list[str]) -> bool:
    lines = [line for line in body if line.strip()]
    drawn = sum(
        1 for line in lines if re.search(r"[\u2500-\u257f]|[-=]{3,}>|[|+][-=]{3,}[|+]", line)
    )
    return bool(lines) and drawn * 3 >= len(lines)


def _item_priority(text: str) -> tuple[str, str] | None:
    found = re.match(r"^\s*(?:\*\*)?\[?\(?(P[0-4])\)?\]?(?:\*\*)?\s*[:\-–—|.)]\s*(.+)$", text)
    if not found:
        return None
    return found.group(1).upper(), found.group(2).strip()


def _priority_column(headers: list[str], rows: list[tuple[int, list[str]]]) -> int | None:
    for index, header in enumerate(headers):
        if re.match(r"^(?:priorite|priority|prio|p)$", strip_symbols(header)):
            return index
    for index in range(len(headers)):
        cells = [plain(row[index]) for _line, row in rows if index < len(row)]
        if cells and all(re.fullmatch(r"\s*\**P[0-4]\**\s*", cell) for cell in cells):
            return index
    return None


def _merge_signature(plan: Plan) -> str:
    if (
        isinstance(plan, GrepPlan)
        and plan.single_files
        and plan.count is None
        and len(plan.paths) == 1
    ):
        return f"grep\x00{plan.pattern}\x00{plan.ignore_case}"
    return ""


def _merge_absent_commands(
    merged: list[tuple[list[tuple[int, str, Plan]], str]],
) -> list[tuple[list[tuple[int, str, Plan]], str]]:
    out: list[tuple[list[tuple[int, str, Plan]], str]] = []
    by_argv: dict[tuple[str, ...], list[tuple[int, str, Plan]]] = {}
    for entries, signature in merged:
        plan = entries[0][2]
        if isinstance(plan, CommandPlan) and len(plan.filters) == 1 and len(entries) == 1:
            argv = tuple(plan.argv)
            if argv in by_argv:
                by_argv[argv].extend(entries)
                continue
            by_argv[argv] = entries
        out.append((entries, signature))
    return out


def _command_name(plan: Plan, text: str) -> str:
    """An untitled check is named by its command, as it will run."""
    if isinstance(plan, CommandPlan):
        return " ".join(plan.argv)
    return text


def _plan_type(plan: Plan) -> str:
    if isinstance(plan, GrepPlan):
        return "grep"
    if isinstance(plan, FilePlan):
        return "file"
    return "command"


def _grep_options(
    entries: list[tuple[int, str, Plan]], absent: bool, count: int | None
) -> tuple[dict[str, object], list[Message]]:
    plans = [entry[2] for entry in entries]
    first = plans[0]
    assert isinstance(first, GrepPlan)
    paths: list[str] = []
    approx: list[Message] = []
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
        approx.append(Message(_("wc -l without an expected number: read as present")))
    elif count is not None:
        options["min_count"] = count
        options["max_count"] = count
        approx.append(Message(_("the expected count of lines is checked as a count of matches")))
    if len(plans) > 1 and not absent:
        options["each_file"] = True
    return options, approx


def _command_options(
    entries: list[tuple[int, str, Plan]], absent: bool
) -> tuple[dict[str, object], list[Message]]:
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


def _file_options(
    entries: list[tuple[int, str, Plan]], absent: bool
) -> tuple[dict[str, object], list[Message]]:
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


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: float) -> str:
    return f"{value:g}"


def import_document(data: bytes | str, *, source_name: str = "document.md") -> ImportResult:
    """Read a readiness document. Raises DocumentError for input that is not one (empty,
    binary, too large, or holding no check, checklist, score or action item)."""
    source = decode_document(data)
    importer = _Importer(source.text, source_name)
    importer.run()
    importer.finish()
    checklist = importer.checklist()
    checklist_yaml = ""
    if checklist is not None:
        checklist_yaml = dump_checklist(checklist)
        try:
            checklist = load_checklist(checklist_yaml, filename=yaml_name(source_name))
        except ChecklistError as exc:
            raise DocumentError(
                str(_("The checklist made from the document is invalid: %(problems)s"))
                % {"problems": exc}
            ) from None
    points = importer.history(checklist)
    if checklist is None and not points and not importer.actions:
        raise DocumentError(
            str(
                _(
                    "This is not a readiness document: it holds no command, checklist, score "
                    "or action item."
                )
            )
        )
    notes = list(importer.notes)
    if source.repair.repaired:
        notes.insert(
            0,
            Note(
                1,
                1,
                WARNING,
                Message(
                    _("the text was UTF-8 read as %(encoding)s; it was repaired exactly"),
                    {"encoding": ENCODING_NAMES.get(source.repair.encoding or "", "")},
                ),
            ),
        )
    elif source.repair.suspicious:
        notes.insert(
            0,
            Note(
                1,
                1,
                WARNING,
                Message(
                    _(
                        "the text looks mis-decoded (mojibake) but cannot be repaired exactly; "
                        "it was imported as it is"
                    )
                ),
            ),
        )
    if source.legacy_encoding:
        notes.insert(
            0,
            Note(1, 1, WARNING, Message(_("the file is not UTF-8; it was read as Windows-1252"))),
        )
    notes.sort(key=lambda note: (note.line, note.end_line))
    return ImportResult(
        source_name=source_name,
        title=importer.title,
        date=importer.date,
        author=importer.author,
        repair=source.repair,
        crlf=source.crlf,
        legacy_encoding=source.legacy_encoding,
        checklist=checklist,
        checklist_yaml=checklist_yaml,
        manual_items=tuple(importer.manual),
        claims=dict(importer.claims),
        points=points,
        action_items=tuple(importer.actions),
        notes=tuple(notes),
    )


def yaml_name(source_name: str) -> str:
    return f"{PurePath(source_name).stem or 'document'}.readiness.yml"

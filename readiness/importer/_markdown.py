"""Markdown readiness documents, read into blocks with their line numbers.

Only the subset these documents use: ATX and setext headings, fenced code blocks, bullet
and numbered lists (nested by indentation, with continuation lines), pipe tables,
thematic breaks, YAML front matter and paragraphs. Every non-blank line ends up in exactly
one block, so that whatever the importer does not translate can be reported by line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*$)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_DELIMITER_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")


@dataclass
class Heading:
    line: int
    level: int
    text: str

    @property
    def end_line(self) -> int:
        return self.line


@dataclass
class CodeBlock:
    line: int
    end_line: int
    info: str
    body: list[tuple[int, str]]
    closed: bool = True


@dataclass
class ListItem:
    line: int
    end_line: int
    indent: int
    marker: str
    text: str
    children: list[ListItem] = field(default_factory=list)


@dataclass
class ListBlock:
    line: int
    end_line: int
    items: list[ListItem]

    def walk(self) -> list[ListItem]:
        found: list[ListItem] = []

        def visit(items: list[ListItem]) -> None:
            for item in items:
                found.append(item)
                visit(item.children)

        visit(self.items)
        return found


@dataclass
class Table:
    line: int
    end_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Paragraph:
    line: int
    end_line: int
    lines: list[tuple[int, str]]

    @property
    def text(self) -> str:
        return " ".join(text.strip() for _, text in self.lines)


@dataclass
class Rule:
    line: int

    @property
    def end_line(self) -> int:
        return self.line


@dataclass
class FrontMatter:
    line: int
    end_line: int
    fields: dict[str, tuple[int, str]]


Block = Heading | CodeBlock | ListBlock | Table | Paragraph | Rule | FrontMatter


def parse_blocks(text: str) -> list[Block]:
    """The blocks of `text` (newlines already normalised to \\n), in order."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = _front_matter(lines, blocks)
    n = len(lines)
    while i < n:
        raw = lines[i]
        number = i + 1
        if not raw.strip():
            i += 1
            continue
        fence = _FENCE.match(raw)
        if fence:
            i = _code_block(lines, i, fence, blocks)
            continue
        heading = _HEADING.match(raw)
        if heading:
            blocks.append(Heading(number, len(heading.group(1)), (heading.group(2) or "").strip()))
            i += 1
            continue
        if _RULE.match(raw):
            blocks.append(Rule(number))
            i += 1
            continue
        if raw.lstrip().startswith("|") and i + 1 < n and _is_delimiter_row(lines[i + 1]):
            i = _table(lines, i, blocks)
            continue
        if _ITEM.match(raw):
            i = _list(lines, i, blocks)
            continue
        i = _paragraph(lines, i, blocks)
    return blocks


def _front_matter(lines: list[str], blocks: list[Block]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    fields: dict[str, tuple[int, str]] = {}
    for index in range(1, min(len(lines), 60)):
        line = lines[index]
        if line.strip() in ("---", "..."):
            if not fields:
                return 0
            blocks.append(FrontMatter(1, index + 1, fields))
            return index + 1
        found = re.match(r"^([A-Za-z_][\w -]*):\s*(.*)$", line)
        if found:
            value = found.group(2).strip().strip("\"'")
            fields[found.group(1).strip().lower()] = (index + 1, value)
        elif line.strip() and not line.startswith((" ", "\t", "-")):
            return 0
    return 0


def _code_block(lines: list[str], start: int, fence: re.Match[str], blocks: list[Block]) -> int:
    marker = fence.group(2)
    info = fence.group(3).lower()
    body: list[tuple[int, str]] = []
    i = start + 1
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
            blocks.append(CodeBlock(start + 1, i + 1, info, body))
            return i + 1
        body.append((i + 1, lines[i]))
        i += 1
    blocks.append(CodeBlock(start + 1, len(lines), info, body, closed=False))
    return len(lines)


def _split_row(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells = re.split(r"(?<!\\)\|", row)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _is_delimiter_row(line: str) -> bool:
    if "-" not in line or "|" not in line:
        return False
    cells = _split_row(line)
    return bool(cells) and all(_DELIMITER_CELL.match(cell) for cell in cells)


def _table(lines: list[str], start: int, blocks: list[Block]) -> int:
    header = _split_row(lines[start])
    rows: list[tuple[int, list[str]]] = []
    i = start + 2
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        rows.append((i + 1, _split_row(lines[i])))
        i += 1
    blocks.append(Table(start + 1, i, header, rows))
    return i


def _list(lines: list[str], start: int, blocks: list[Block]) -> int:
    roots: list[ListItem] = []
    stack: list[ListItem] = []
    i = start
    last = start
    while i < len(lines):
        raw = lines[i]
        if not raw.strip():
            # A blank line ends the list unless an item or an indented continuation follows.
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            following = lines[j] if j < len(lines) else ""
            if (_ITEM.match(following) and not _RULE.match(following)) or (
                following.startswith((" ", "\t")) and not _starts_block(following)
            ):
                i = j
                continue
            break
        if _starts_block(raw) or (_RULE.match(raw)):
            break
        found = _ITEM.match(raw)
        if found:
            indent = len(found.group(1).expandtabs(4))
            item = ListItem(i + 1, i + 1, indent, found.group(2), (found.group(3) or "").strip())
            while stack and stack[-1].indent >= indent:
                stack.pop()
            (stack[-1].children if stack else roots).append(item)
            stack.append(item)
        else:
            # An indented line, or a lazy continuation: more text of the current item.
            stack[-1].text = f"{stack[-1].text} {raw.strip()}".strip()
            for item in stack:
                item.end_line = i + 1
        last = i
        i += 1
    blocks.append(ListBlock(start + 1, last + 1, roots))
    return last + 1


def _starts_block(line: str) -> bool:
    return bool(_HEADING.match(line) or _FENCE.match(line) or line.lstrip().startswith("|"))


def _paragraph(lines: list[str], start: int, blocks: list[Block]) -> int:
    body: list[tuple[int, str]] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        if not raw.strip():
            break
        if body and _SETEXT.match(raw):
            level = 1 if raw.strip().startswith("=") else 2
            heading_text = " ".join(text.strip() for _, text in body)
            blocks.append(Heading(body[0][0], level, heading_text))
            return i + 1
        if body and (_starts_block(raw) or _ITEM.match(raw) or _RULE.match(raw)):
            break
        body.append((i + 1, raw))
        i += 1
    blocks.append(Paragraph(body[0][0], body[-1][0], body))
    return i


# Inline text


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


_CODE_SPAN = re.compile(r"`+([^`]*)`+")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")
_MARKUP = re.compile(r"[\[`*_<]")


def plain(text: str) -> str:
    """Inline Markdown reduced to its text: emphasis, code spans and links unwrapped."""
    if _MARKUP.search(text):
        text = _LINK.sub(r"\1", text)
        text = _CODE_SPAN.sub(r"\1", text)
        previous = None
        while previous != text:
            previous = text
            text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", text)
        text = _BREAK.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def is_symbol(char: str) -> bool:
    """Emoji, pictographs, stars, arrows and the variation selectors that dress them."""
    if char in "\ufe0f\u200d\u20e3":
        return True
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Cn", "Co") or (category == "Sm" and ord(char) > 0x2000)


def strip_symbols(text: str) -> str:
    """`text` without the emoji and symbols around it ("### ✅ TERMINÉ" → "TERMINÉ")."""
    start, end = 0, len(text)
    while start < end and (is_symbol(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (is_symbol(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def fold(text: str) -> str:
    """Lowercase ASCII-folded text for matching words: "Vérification" → "verification"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.lower().replace("’", "'")


def slugify_key(text: str, *, limit: int = 60) -> str:
    """A checklist key from text: accents stripped, lowercase, words joined by "-", cut
    at a word boundary under `limit` characters. Empty when the text has no letter or
    digit."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    key = ""
    for word in words:
        candidate = f"{key}-{word}" if key else word
        if len(candidate) > limit:
            if not key:
                key = word[:limit]
            break
        key = candidate
    return key

"""Reading composed YAML nodes into validated values, each problem kept with its line and path.

The loader (checks.checklist) reads the document's frame with it, and every check type
(checks.checktype) its own options. A value that had a problem becomes INVALID, which never
reaches a returned checklist: the loader raises once every problem has been collected.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checks.paths import glob_problem
from checks.patterns import pattern_problem
from checks.placeholders import sample

MAX_VALUES = 100_000
MAX_PROBLEMS = 200
# Lengths of the database columns the Django side stores these in.
MAX_KEY_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_URL_LENGTH = 2_000

KEY_RE = re.compile(r"[a-z0-9-]+")
_GLOB_CHARS = re.compile(r"[*?\[]")

TAG = "tag:yaml.org,2002:"
_STR, NULL, _BOOL, _INT, _FLOAT = (TAG + t for t in ("str", "null", "bool", "int", "float"))
# Plain scalars YAML reads as something else; a text field takes them as written.
TEXT_TAGS = {_STR, _BOOL, _INT, _FLOAT, TAG + "timestamp"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a checklist file, and where."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TooLarge(Exception):
    """The document holds more than MAX_VALUES values: reading stopped half-way."""


class _Invalid:
    """The value of a field that had a problem; never reaches a returned Checklist."""

    def __repr__(self) -> str:
        return "<invalid>"


INVALID: Any = _Invalid()
REQUIRED: Any = object()

# How one field is read: the reader (which collects problems), the node, its key path.
Read = Callable[["Reader", Node, str], Any]


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        NULL: "null",
        _BOOL: "a boolean",
        _INT: "an integer",
        _FLOAT: "a number",
        _STR: "a string",
    }.get(node.tag, f"a {node.tag.removeprefix(TAG)}")


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def plain_number(value: float) -> int | float:
    """2.0 as 2, so that weights and limits read as they were written."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


class Fields:
    """The fields of one mapping node, read one by one; duplicates already reported."""

    def __init__(self, reader: Reader, node: MappingNode, path: str) -> None:
        self.reader = reader
        self.node = node
        self.path = path
        self.items: dict[str, tuple[Node, Node]] = {}

    def reject_unknown(self, allowed: tuple[str, ...], what: str = "") -> None:
        for name, (key_node, _value) in self.items.items():
            if name in allowed:
                continue
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.reader.add(
                key_node,
                join(self.path, name),
                f"unknown field{what}{hint}; allowed: {', '.join(allowed)}",
            )

    def given(self, name: str) -> bool:
        item = self.items.get(name)
        return item is not None and not _is_null(item[1])

    def get(self, name: str, read: Read, default: Any = REQUIRED, *, what: str = "") -> Any:
        item = self.items.get(name)
        if item is None or _is_null(item[1]):
            if default is REQUIRED:
                where = self.node if item is None else item[1]
                self.reader.add(where, join(self.path, name), f"is required{what}")
                return INVALID
            return copy.deepcopy(default)
        return read(self.reader, item[1], join(self.path, name))

    def line(self, name: str) -> int | None:
        item = self.items.get(name)
        return item[1].start_mark.line + 1 if item else self.node.start_mark.line + 1


class Reader:
    """Collects the problems of one file while its values are read."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.dropped = 0
        self.values = 0

    def add(self, where: Node | int | None, path: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        line = where.start_mark.line + 1 if isinstance(where, Node) else where
        self.problems.append(Problem(self.filename, line, path, message))

    def report(self) -> list[Problem]:
        if not self.dropped:
            return self.problems
        more = Problem(self.filename, None, "", f"… and {self.dropped} more problems")
        return [*self.problems, more]

    def visit(self) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise TooLarge

    # Containers

    def fields(self, node: Node, path: str) -> Fields | None:
        self.visit()
        if not isinstance(node, MappingNode):
            self.add(node, path, f"must be a mapping of fields, not {kind(node)}")
            return None
        fields = Fields(self, node, path)
        for key_node, value_node in node.value:
            self.visit()
            if key_node.tag == TAG + "merge":
                self.add(key_node, path, "merge keys (<<) are not supported; write the fields out")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in TEXT_TAGS | {NULL}:
                self.add(key_node, path, f"field names must be plain words, not {kind(key_node)}")
                continue
            name = key_node.value
            if name in fields.items:
                first = fields.items[name][0].start_mark.line + 1
                self.add(key_node, join(path, name), f"duplicate field (first on line {first})")
                continue
            fields.items[name] = (key_node, value_node)
        return fields

    def items(
        self, node: Node, path: str, *, minimum: int = 0, noun: str = "items"
    ) -> list[tuple[Node, str]]:
        self.visit()
        if not isinstance(node, SequenceNode):
            self.add(node, path, f"must be a list, not {kind(node)}")
            return []
        if len(node.value) < minimum:
            self.add(node, path, f"must list at least {minimum} {noun}")
        found = []
        for index, item in enumerate(node.value):
            self.visit()
            found.append((item, f"{path}[{index}]"))
        return found

    # Scalars

    def text(self, node: Node, path: str, *, limit: int | None = MAX_NAME_LENGTH) -> Any:
        """A non-empty string of at most `limit` characters (None: the caller limits it)."""
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.add(node, path, f"must be a string, not {kind(node)}")
            return INVALID
        if not node.value.strip():
            self.add(node, path, "must not be empty")
            return INVALID
        if limit is not None and len(node.value) > limit:
            self.add(node, path, f"is longer than {limit} characters")
            return INVALID
        return node.value

    def description(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.add(node, path, f"must be a string, not {kind(node)}")
            return INVALID
        if len(node.value) > MAX_DESCRIPTION_LENGTH:
            self.add(node, path, f"is longer than {MAX_DESCRIPTION_LENGTH} characters")
            return INVALID
        return node.value

    def key(self, node: Node, path: str) -> Any:
        value = self.text(node, path, limit=MAX_KEY_LENGTH)
        if value is not INVALID and not KEY_RE.fullmatch(value):
            self.add(node, path, f"{value!r} is not a key: use lowercase letters, digits and '-'")
            return INVALID
        return value

    def choice(self, node: Node, path: str, *, values: tuple[str, ...]) -> Any:
        value = self.text(node, path)
        if value is not INVALID and value not in values:
            self.add(node, path, f"{value!r} is not one of: {', '.join(values)}")
            return INVALID
        return value

    def boolean(self, node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return self._construct(node, path)
        self.add(node, path, f"must be true or false, not {kind(node)}")
        return INVALID

    def integer(self, node: Node, path: str, *, minimum: int, maximum: int | None = None) -> Any:
        if not (isinstance(node, ScalarNode) and node.tag == _INT):
            self.add(node, path, f"must be an integer, not {kind(node)}")
            return INVALID
        value = self._construct(node, path)
        if value is INVALID:
            return INVALID
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"{minimum}..{maximum}"
            self.add(node, path, f"must be {bounds}, not {value}")
            return INVALID
        return value

    def number(
        self,
        node: Node,
        path: str,
        *,
        above: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> Any:
        """A float; `above` is an exclusive lower bound, `minimum`/`maximum` inclusive."""
        if not (isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT)):
            self.add(node, path, f"must be a number, not {kind(node)}")
            return INVALID
        value = self._construct(node, path)
        if value is INVALID:
            return INVALID
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            self.add(node, path, "must be a finite number")
            return INVALID
        if above is not None and value <= above:
            self.add(node, path, f"must be greater than {plain_number(above)}")
            return INVALID
        if minimum is not None and value < minimum:
            self.add(node, path, f"must be at least {plain_number(minimum)}")
            return INVALID
        if maximum is not None and value > maximum:
            self.add(node, path, f"must be at most {plain_number(maximum)}")
            return INVALID
        return value

    def _construct(self, node: ScalarNode, path: str) -> Any:
        # A constructor keeps every node it built (and through its marks the whole source),
        # so one is made per scalar rather than shared across loads and threads.
        try:
            return yaml.constructor.SafeConstructor().construct_object(node)
        # An explicit tag on an odd value (`!!int 0x`, `!!float abc`) fails in several ways.
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
            self.add(node, path, f"{node.value!r} is not a valid {kind(node).split()[-1]}")
            return INVALID

    def pattern(
        self, node: Node, path: str, *, groups: int | None = None, searched: bool = False
    ) -> Any:
        """A pattern; `searched` ones are searched for in files, where a pattern that can
        match an empty string would match on every line."""
        # Its length is checked with the rest of the pattern: one limit, one message
        # (checks.patterns.MAX_PATTERN_LENGTH).
        value = self.text(node, path, limit=None)
        if value is INVALID:
            return INVALID
        problem = pattern_problem(value, groups=groups, searched=searched)
        if problem:
            self.add(node, path, problem)
            return INVALID
        return value

    def glob(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.add(node, path, f"must be a path glob, not {kind(node)}")
            return INVALID
        problem = glob_problem(node.value)
        if problem:
            self.add(node, path, problem)
            return INVALID
        return node.value

    def globs(self, node: Node, path: str) -> Any:
        # One glob may be written without the brackets.
        if isinstance(node, ScalarNode) and node.tag in TEXT_TAGS:
            value = self.glob(node, path)
            return INVALID if value is INVALID else [value]
        values = [self.glob(item, item_path) for item, item_path in self.items(node, path)]
        if isinstance(node, SequenceNode) and not node.value:
            self.add(node, path, "must list at least one path glob")
            return INVALID
        return INVALID if INVALID in values else values

    def relative_path(self, node: Node, path: str) -> Any:
        value = self.glob(node, path)
        if value is not INVALID and _GLOB_CHARS.search(value):
            self.add(node, path, "must name one file, not a glob")
            return INVALID
        return value

    def url(self, node: Node, path: str) -> Any:
        value = self.text(node, path, limit=MAX_URL_LENGTH)
        if value is INVALID:
            return INVALID
        # `${base_url}/health`: the rest of the URL is checked around a stand-in.
        checked = sample(value)
        if "${" in checked:
            self.add(node, path, "has a placeholder that is not ${name} (a-z, 0-9, _)")
            return INVALID
        try:
            parts = urlsplit(checked)
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as exc:
            self.add(node, path, f"is not a valid URL ({exc})")
            return INVALID
        if parts.scheme not in ("http", "https"):
            self.add(node, path, "must be an http:// or https:// URL")
            return INVALID
        if not parts.hostname:
            self.add(node, path, "must name a host")
            return INVALID
        if any(c.isspace() for c in checked):
            self.add(node, path, "must not contain spaces")
            return INVALID
        return value


# Reads for field declarations, made before any Reader exists.

text: Read = Reader.text
boolean: Read = Reader.boolean
globs: Read = Reader.globs
url: Read = Reader.url
relative_path: Read = Reader.relative_path


def text_up_to(limit: int) -> Read:
    return functools.partial(Reader.text, limit=limit)


def choice(*values: str) -> Read:
    return functools.partial(Reader.choice, values=values)


def integer(*, minimum: int, maximum: int | None = None) -> Read:
    return functools.partial(Reader.integer, minimum=minimum, maximum=maximum)


def number(
    *, above: float | None = None, minimum: float | None = None, maximum: float | None = None
) -> Read:
    return functools.partial(Reader.number, above=above, minimum=minimum, maximum=maximum)


def flagged_pattern(
    reader: Reader, where: Node | int | None, path: str, source: Any, **flags: Any
) -> None:
    """Report a pattern that is valid on its own but not with the check's flags
    (`ignore_case`, `multiline`): `(?i)` turns every letter into a class, which can make
    the program too big. Nothing to say when the flags are off or a value is invalid."""
    flags = {name: value is True for name, value in flags.items()}
    if isinstance(source, str) and any(flags.values()):
        problem = pattern_problem(source, **flags)
        if problem:
            reader.add(where, path, problem)


def pattern(*, groups: int | None = None, searched: bool = False) -> Read:
    return functools.partial(Reader.pattern, groups=groups, searched=searched)

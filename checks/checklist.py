"""Checklist files, format version 1 (YAML): loading with full validation, dumping back.

Loading collects every problem of a file, not just the first, each with the file, the line
and the key path: `checklist.yml:14 categories[0].checks[2].pattern: unbalanced parenthesis`.
A valid file becomes a `Checklist` whose checks carry their type's options validated and with
every default filled in, so the runners never need a default of their own.

Decisions beyond the issue's text:
- Unknown fields are errors (typo protection), with the allowed fields and a close match.
- A category needs at least one check: an empty one could never have a score.
- A check's `name` defaults to its key in sentence case ("debug-from-env" → "Debug from env"),
  a category's to its key in title case ("error-handling" → "Error Handling").
- A null value (`min_count:` or `~`) means "not given": optional fields take their default.
- `paths` may be one string; `argv` may not (commands never run through a shell).
- Anchors and aliases are allowed (at most MAX_ALIASES); merge keys (`<<`) are not.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checks.paths import glob_problem
from checks.patterns import pattern_problem
from checks.spec import CHECK_TYPES, CategorySpec, Checklist, CheckSpec, Severity
from checks.threshold import parse_json_path

FORMAT_VERSION = 1
MAX_CHECKLIST_BYTES = 1 << 20
# Limits that keep a hostile file cheap: nesting depth and aliases while composing, values
# read while validating (aliases can make a small file name the same big list many times).
MAX_YAML_DEPTH = 50
MAX_ALIASES = 100
MAX_VALUES = 100_000
MAX_PROBLEMS = 200
# Lengths of the database columns the Django side stores these in.
MAX_KEY_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_CHECK_NAME_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 10_000
MAX_URL_LENGTH = 2_000
MAX_ARGUMENT_LENGTH = 4_000
MAX_MATCH_COUNT = 1_000_000_000
# Weights are relative; the cap keeps sums of weights far from float overflow.
MAX_WEIGHT = 1_000.0

KEY_RE = re.compile(r"[a-z0-9-]+")
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_GLOB_CHARS = re.compile(r"[*?\[]")

TOP_FIELDS = ("version", "name", "ready_at", "categories")
CATEGORY_FIELDS = ("key", "name", "weight", "checks")
COMMON_CHECK_FIELDS = ("key", "name", "description", "type", "weight", "severity")
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "grep": (
        "paths",
        "pattern",
        "expect",
        "min_count",
        "max_count",
        "each_file",
        "multiline",
        "ignore_case",
    ),
    "file": ("paths", "expect", "match"),
    "consistency": ("sources", "ignore_case"),
    "command": ("argv", "timeout_s", "expect", "enabled"),
    "http": (
        "url",
        "method",
        "expect_status",
        "max_latency_ms",
        "headers",
        "body_matches",
        "timeout_s",
    ),
    "threshold": ("source", "warn_above", "fail_above", "warn_below", "fail_below", "timeout_s"),
    "manual": ("valid_days", "evidence_required"),
}
COMMAND_EXPECT_FIELDS = ("exit_code", "stdout_matches", "stdout_not_matches", "stdout_empty")
CONSISTENCY_SOURCE_FIELDS = ("paths", "pattern")
THRESHOLD_SOURCE_FIELDS = ("url", "path", "json_path")
THRESHOLD_LIMITS = ("warn_above", "fail_above", "warn_below", "fail_below")

# Every option a runner may read, with its value when the file does not give it. Fields
# without an entry are required.
OPTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "grep": {
        "expect": "present",
        "min_count": None,
        "max_count": None,
        "each_file": False,
        "multiline": False,
        "ignore_case": False,
    },
    "file": {"expect": "present", "match": "all"},
    "consistency": {"ignore_case": False},
    "command": {
        "timeout_s": 60.0,
        # stdout_empty: true = must be empty, false = must not be, null = not checked.
        "expect": {
            "exit_code": 0,
            "stdout_matches": None,
            "stdout_not_matches": None,
            "stdout_empty": None,
        },
        "enabled": True,
    },
    "http": {
        "method": "GET",
        "expect_status": [200],
        "max_latency_ms": None,
        "headers": {},
        "body_matches": None,
        "timeout_s": 10.0,
    },
    "threshold": {
        "warn_above": None,
        "fail_above": None,
        "warn_below": None,
        "fail_below": None,
        "timeout_s": 10.0,
    },
    "manual": {"valid_days": 90, "evidence_required": False},
}

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + t for t in ("str", "null", "bool", "int", "float"))
# Plain scalars YAML reads as something else; a text field takes them as written.
_TEXT_TAGS = {_STR, _BOOL, _INT, _FLOAT, _TAG + "timestamp"}


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


class ChecklistError(ValueError):
    """An invalid checklist; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,))


def load_checklist(text: str | bytes, *, filename: str = "checklist.yml") -> Checklist:
    """The checklist `text` describes, or ChecklistError listing every problem."""
    return _load_source(_decode(text, filename), filename)


def load_checklist_file(path: Path) -> tuple[Checklist, str]:
    """The checklist in `path` and its text; problems name the file as given."""
    filename = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CHECKLIST_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problem = Problem(filename, None, "", f"cannot read the file: {reason}")
        raise ChecklistError([problem]) from None
    source = _decode(data, filename)
    return _load_source(source, filename), source


def dump_checklist(checklist: Checklist) -> str:
    """`checklist` as a v1 YAML file; options equal to their defaults are left out."""
    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "name": checklist.name,
        "ready_at": _plain_number(checklist.ready_at),
        "categories": [_dump_category(category) for category in checklist.categories],
    }
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )


def default_check_name(key: str) -> str:
    return key.replace("-", " ").strip().capitalize() or key


def default_category_name(key: str) -> str:
    return key.replace("-", " ").title()


# Reading


def _decode(text: str | bytes, filename: str) -> str:
    def fail(message: str, line: int | None = None) -> ChecklistError:
        return ChecklistError([Problem(filename, line, "", message)])

    if isinstance(text, bytes):
        if len(text) > MAX_CHECKLIST_BYTES:
            raise fail(f"the file is larger than the {MAX_CHECKLIST_BYTES / 2**20:g} MiB limit")
        if text.startswith(b"\xef\xbb\xbf"):
            raise fail("the file starts with a byte order mark (BOM); save it as UTF-8 without one")
        if text.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise fail("the file is UTF-16 encoded; save it as UTF-8")
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            raise fail(
                f"the file is not valid UTF-8 (byte 0x{text[exc.start]:02x} at offset {exc.start})",
                line,
            ) from None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CHECKLIST_BYTES:
        raise fail(f"the file is larger than the {MAX_CHECKLIST_BYTES / 2**20:g} MiB limit")
    if text.startswith("\ufeff"):
        raise fail("the file starts with a byte order mark (BOM); save it as UTF-8 without one")
    return text


def _load_source(source: str, filename: str) -> Checklist:
    root = _compose(source, filename)
    reader = _Reader(filename)
    try:
        checklist = reader.checklist(root)
    except _TooLarge:
        # Validation stopped half-way: say so after whatever it had found.
        too_large = Problem(
            filename, None, "", f"the checklist holds more than {MAX_VALUES} values"
        )
        raise ChecklistError([*reader.report(), too_large]) from None
    if reader.problems:
        raise ChecklistError(reader.report())
    return checklist


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer with limits on nesting depth and aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases", event.start_mark
                )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(source: str, filename: str) -> Node:
    try:
        # The reader checks for unprintable characters as soon as it is created.
        loader = _Loader(source)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        parts = [part for part in (exc.context, exc.problem) if part]
        message = "invalid YAML: " + ", ".join(parts)
        line = mark.line + 1 if mark is not None else None
        raise ChecklistError([Problem(filename, line, "", message)]) from None
    except yaml.reader.ReaderError as exc:
        line = source.count("\n", 0, exc.position) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character[:1])
        message = f"invalid YAML: character U+{character:04X} is not allowed ({exc.reason})"
        raise ChecklistError([Problem(filename, line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(filename, None, "", f"invalid YAML: {exc}")]) from None
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL):
        raise ChecklistError([Problem(filename, None, "", "the checklist is empty")])
    return root


class _TooLarge(Exception):
    pass


class _Invalid:
    """The value of a field that had a problem; never reaches a returned Checklist."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()
_REQUIRED: Any = object()

Read = Callable[[Node, str], Any]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        _NULL: "null",
        _BOOL: "a boolean",
        _INT: "an integer",
        _FLOAT: "a number",
        _STR: "a string",
    }.get(node.tag, f"a {node.tag.removeprefix(_TAG)}")


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL


class _Fields:
    """The fields of one mapping node, read one by one; duplicates already reported."""

    def __init__(self, reader: _Reader, node: MappingNode, path: str) -> None:
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
                _join(self.path, name),
                f"unknown field{what}{hint}; allowed: {', '.join(allowed)}",
            )

    def given(self, name: str) -> bool:
        item = self.items.get(name)
        return item is not None and not _is_null(item[1])

    def get(self, name: str, read: Read, default: Any = _REQUIRED, *, what: str = "") -> Any:
        item = self.items.get(name)
        if item is None or _is_null(item[1]):
            if default is _REQUIRED:
                where = self.node if item is None else item[1]
                self.reader.add(where, _join(self.path, name), f"is required{what}")
                return _INVALID
            return copy.deepcopy(default)
        return read(item[1], _join(self.path, name))

    def line(self, name: str) -> int | None:
        item = self.items.get(name)
        return item[1].start_mark.line + 1 if item else self.node.start_mark.line + 1


class _Reader:
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
            raise _TooLarge

    # Containers

    def fields(self, node: Node, path: str) -> _Fields | None:
        self.visit()
        if not isinstance(node, MappingNode):
            self.add(node, path, f"must be a mapping of fields, not {_kind(node)}")
            return None
        fields = _Fields(self, node, path)
        for key_node, value_node in node.value:
            self.visit()
            if key_node.tag == _TAG + "merge":
                self.add(key_node, path, "merge keys (<<) are not supported; write the fields out")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _TEXT_TAGS | {_NULL}:
                self.add(key_node, path, f"field names must be plain words, not {_kind(key_node)}")
                continue
            name = key_node.value
            if name in fields.items:
                first = fields.items[name][0].start_mark.line + 1
                self.add(key_node, _join(path, name), f"duplicate field (first on line {first})")
                continue
            fields.items[name] = (key_node, value_node)
        return fields

    def items(
        self, node: Node, path: str, *, minimum: int = 0, noun: str = "items"
    ) -> list[tuple[Node, str]]:
        self.visit()
        if not isinstance(node, SequenceNode):
            self.add(node, path, f"must be a list, not {_kind(node)}")
            return []
        if len(node.value) < minimum:
            self.add(node, path, f"must list at least {minimum} {noun}")
        found = []
        for index, item in enumerate(node.value):
            self.visit()
            found.append((item, f"{path}[{index}]"))
        return found

    # Scalars

    def text(self, node: Node, path: str, *, limit: int = MAX_NAME_LENGTH) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be a string, not {_kind(node)}")
            return _INVALID
        if not node.value.strip():
            self.add(node, path, "must not be empty")
            return _INVALID
        if len(node.value) > limit:
            self.add(node, path, f"is longer than {limit} characters")
            return _INVALID
        return node.value

    def description(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be a string, not {_kind(node)}")
            return _INVALID
        if len(node.value) > MAX_DESCRIPTION_LENGTH:
            self.add(node, path, f"is longer than {MAX_DESCRIPTION_LENGTH} characters")
            return _INVALID
        return node.value

    def key(self, node: Node, path: str) -> Any:
        value = self.text(node, path, limit=MAX_KEY_LENGTH)
        if value is not _INVALID and not KEY_RE.fullmatch(value):
            self.add(node, path, f"{value!r} is not a key: use lowercase letters, digits and '-'")
            return _INVALID
        return value

    def choice(self, values: tuple[str, ...]) -> Read:
        def read(node: Node, path: str) -> Any:
            value = self.text(node, path)
            if value is not _INVALID and value not in values:
                self.add(node, path, f"{value!r} is not one of: {', '.join(values)}")
                return _INVALID
            return value

        return read

    def boolean(self, node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return self._construct(node, path)
        self.add(node, path, f"must be true or false, not {_kind(node)}")
        return _INVALID

    def integer(self, *, minimum: int, maximum: int | None = None) -> Read:
        def read(node: Node, path: str) -> Any:
            if not (isinstance(node, ScalarNode) and node.tag == _INT):
                self.add(node, path, f"must be an integer, not {_kind(node)}")
                return _INVALID
            value = self._construct(node, path)
            if value is _INVALID:
                return _INVALID
            if value < minimum or (maximum is not None and value > maximum):
                bounds = f"at least {minimum}" if maximum is None else f"{minimum}..{maximum}"
                self.add(node, path, f"must be {bounds}, not {value}")
                return _INVALID
            return value

        return read

    def number(
        self,
        *,
        above: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> Read:
        """A float; `above` is an exclusive lower bound, `minimum`/`maximum` inclusive."""

        def read(node: Node, path: str) -> Any:
            if not (isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT)):
                self.add(node, path, f"must be a number, not {_kind(node)}")
                return _INVALID
            value = self._construct(node, path)
            if value is _INVALID:
                return _INVALID
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                self.add(node, path, "must be a finite number")
                return _INVALID
            if above is not None and value <= above:
                self.add(node, path, f"must be greater than {_plain_number(above)}")
                return _INVALID
            if minimum is not None and value < minimum:
                self.add(node, path, f"must be at least {_plain_number(minimum)}")
                return _INVALID
            if maximum is not None and value > maximum:
                self.add(node, path, f"must be at most {_plain_number(maximum)}")
                return _INVALID
            return value

        return read

    def _construct(self, node: ScalarNode, path: str) -> Any:
        # A constructor keeps every node it built (and through its marks the whole source),
        # so one is made per scalar rather than shared across loads and threads.
        try:
            return yaml.constructor.SafeConstructor().construct_object(node)
        # An explicit tag on an odd value (`!!int 0x`, `!!float abc`) fails in several ways.
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
            self.add(node, path, f"{node.value!r} is not a valid {_kind(node).split()[-1]}")
            return _INVALID

    def pattern(self, *, groups: int | None = None, searched: bool = False) -> Read:
        """A pattern; `searched` ones are searched for in files, where a pattern that can
        match an empty string would match on every line."""

        def read(node: Node, path: str) -> Any:
            value = self.text(node, path, limit=10_000)
            if value is _INVALID:
                return _INVALID
            problem = pattern_problem(value, groups=groups, searched=searched)
            if problem:
                self.add(node, path, problem)
                return _INVALID
            return value

        return read

    def glob(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be a path glob, not {_kind(node)}")
            return _INVALID
        problem = glob_problem(node.value)
        if problem:
            self.add(node, path, problem)
            return _INVALID
        return node.value

    def globs(self, node: Node, path: str) -> Any:
        # One glob may be written without the brackets.
        if isinstance(node, ScalarNode) and node.tag in _TEXT_TAGS:
            value = self.glob(node, path)
            return _INVALID if value is _INVALID else [value]
        values = [self.glob(item, item_path) for item, item_path in self.items(node, path)]
        if isinstance(node, SequenceNode) and not node.value:
            self.add(node, path, "must list at least one path glob")
            return _INVALID
        return _INVALID if _INVALID in values else values

    def relative_path(self, node: Node, path: str) -> Any:
        value = self.glob(node, path)
        if value is not _INVALID and _GLOB_CHARS.search(value):
            self.add(node, path, "must name one file, not a glob")
            return _INVALID
        return value

    def url(self, node: Node, path: str) -> Any:
        value = self.text(node, path, limit=MAX_URL_LENGTH)
        if value is _INVALID:
            return _INVALID
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as exc:
            self.add(node, path, f"is not a valid URL ({exc})")
            return _INVALID
        if parts.scheme not in ("http", "https"):
            self.add(node, path, "must be an http:// or https:// URL")
            return _INVALID
        if not parts.hostname:
            self.add(node, path, "must name a host")
            return _INVALID
        if any(c.isspace() for c in value):
            self.add(node, path, "must not contain spaces")
            return _INVALID
        return value

    # The document

    def checklist(self, root: Node) -> Checklist:
        if not isinstance(root, MappingNode):
            self.add(
                root,
                "",
                f"the checklist must be a mapping (version, name, categories), not {_kind(root)}",
            )
            return Checklist(name="", categories=())
        top = self.fields(root, "")
        assert top is not None
        version = top.get("version", self.integer(minimum=0), what=" (write `version: 1`)")
        if version not in (FORMAT_VERSION, _INVALID):
            self.add(
                top.line("version"),
                "version",
                f"unsupported version {version}; this program reads version {FORMAT_VERSION}",
            )
            return Checklist(name="", categories=())
        top.reject_unknown(TOP_FIELDS)
        name = top.get("name", self.text)
        ready_at = top.get("ready_at", self.number(minimum=0.0, maximum=10.0), 8.0)
        categories: list[CategorySpec] = []
        category_lines: dict[str, int] = {}
        check_lines: dict[str, int] = {}
        if top.given("categories"):
            node = top.items["categories"][1]
            for item, path in self.items(node, "categories", minimum=1, noun="category"):
                category = self.category(item, path, check_lines)
                if category is None:
                    continue
                self.unique_key("category", category.key, category.line, path, category_lines)
                categories.append(category)
        else:
            top.get("categories", self.items)  # reports the missing field
        return Checklist(name=name, categories=tuple(categories), ready_at=ready_at)

    def unique_key(
        self, noun: str, key: Any, line: int | None, path: str, seen: dict[str, int]
    ) -> None:
        """Report `key` when an earlier item of the same kind had it, else remember it."""
        if key in seen:
            self.add(
                line, f"{path}.key", f"duplicate {noun} key {key!r} (first on line {seen[key]})"
            )
        elif key is not _INVALID:
            seen[key] = line

    def category(self, node: Node, path: str, check_lines: dict[str, int]) -> CategorySpec | None:
        fields = self.fields(node, path)
        if fields is None:
            return None
        fields.reject_unknown(CATEGORY_FIELDS, " for a category")
        key = fields.get("key", self.key)
        name = fields.get("name", self.text, None)
        weight = fields.get("weight", self.number(above=0.0, maximum=MAX_WEIGHT), 1.0)
        checks: list[CheckSpec] = []
        if not fields.given("checks"):
            fields.get("checks", self.items, what=" (a category needs at least one check)")
        else:
            checks_node = fields.items["checks"][1]
            checks_path = _join(path, "checks")
            for item, item_path in self.items(checks_node, checks_path, minimum=1, noun="check"):
                check = self.check(item, item_path, key)
                if check is None:
                    continue
                self.unique_key("check", check.key, check.line, item_path, check_lines)
                checks.append(check)
        if name is None and key is not _INVALID:
            name = default_category_name(key)
        return CategorySpec(
            key=key,
            name=name,
            weight=weight,
            checks=tuple(checks),
            line=node.start_mark.line + 1,
        )

    def check(self, node: Node, path: str, category: str) -> CheckSpec | None:
        fields = self.fields(node, path)
        if fields is None:
            return None
        key = fields.get("key", self.key)
        name = fields.get("name", lambda n, p: self.text(n, p, limit=MAX_CHECK_NAME_LENGTH), None)
        description = fields.get("description", self.description, "")
        weight = fields.get("weight", self.number(above=0.0, maximum=MAX_WEIGHT), 1.0)
        severity = fields.get("severity", self.choice(tuple(Severity)), Severity.MEDIUM)
        check_type = fields.get("type", self.choice(tuple(sorted(CHECK_TYPES))))
        options: dict[str, Any] = {}
        if check_type is not _INVALID:
            fields.reject_unknown(
                COMMON_CHECK_FIELDS + TYPE_FIELDS[check_type], f" for a {check_type} check"
            )
            options = _OPTION_READERS[check_type](self, fields)
        if name is None and key is not _INVALID:
            name = default_check_name(key)
        return CheckSpec(
            key=key,
            name=name,
            type=check_type,
            category=category,
            weight=weight,
            severity=Severity(severity) if severity is not _INVALID else _INVALID,
            options=options,
            description=description,
            line=node.start_mark.line + 1,
        )

    # Options of each check type

    def grep_options(self, f: _Fields) -> dict[str, Any]:
        d = OPTION_DEFAULTS["grep"]
        what = " for a grep check"
        count = self.integer(minimum=0, maximum=MAX_MATCH_COUNT)
        options = {
            "paths": f.get("paths", self.globs, what=what),
            "pattern": f.get("pattern", self.pattern(searched=True), what=what),
            "expect": f.get("expect", self.choice(("present", "absent")), d["expect"]),
            "min_count": f.get("min_count", count, d["min_count"]),
            "max_count": f.get("max_count", count, d["max_count"]),
            "each_file": f.get("each_file", self.boolean, d["each_file"]),
            "multiline": f.get("multiline", self.boolean, d["multiline"]),
            "ignore_case": f.get("ignore_case", self.boolean, d["ignore_case"]),
        }
        low, high = options["min_count"], options["max_count"]
        if options["expect"] == "absent":
            for name in ("min_count", "max_count"):
                if f.given(name):
                    self.add(
                        f.line(name),
                        _join(f.path, name),
                        "applies to expect: present only (absent means no match at all)",
                    )
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(
                f.line("min_count"),
                _join(f.path, "min_count"),
                f"is greater than max_count ({low} > {high})",
            )
        return options

    def file_options(self, f: _Fields) -> dict[str, Any]:
        return {
            "paths": f.get("paths", self.globs, what=" for a file check"),
            "expect": f.get(
                "expect", self.choice(("present", "absent")), OPTION_DEFAULTS["file"]["expect"]
            ),
            "match": f.get("match", self.choice(("all", "any")), OPTION_DEFAULTS["file"]["match"]),
        }

    def consistency_options(self, f: _Fields) -> dict[str, Any]:
        sources: list[Any] = []
        if not f.given("sources"):
            f.get("sources", self.items, what=" for a consistency check")
        else:
            node = f.items["sources"][1]
            for item, path in self.items(node, _join(f.path, "sources"), minimum=2, noun="sources"):
                source = self.fields(item, path)
                if source is None:
                    sources.append(_INVALID)
                    continue
                source.reject_unknown(CONSISTENCY_SOURCE_FIELDS, " for a consistency source")
                sources.append(
                    {
                        "paths": source.get("paths", self.globs),
                        "pattern": source.get("pattern", self.pattern(groups=1, searched=True)),
                    }
                )
        return {
            "sources": sources,
            "ignore_case": f.get(
                "ignore_case", self.boolean, OPTION_DEFAULTS["consistency"]["ignore_case"]
            ),
        }

    def command_options(self, f: _Fields) -> dict[str, Any]:
        d = OPTION_DEFAULTS["command"]
        options = {
            "argv": f.get("argv", self.argv, what=" for a command check"),
            "timeout_s": f.get(
                "timeout_s", self.number(minimum=1.0, maximum=3600.0), d["timeout_s"]
            ),
            "expect": copy.deepcopy(d["expect"]),
            "enabled": f.get("enabled", self.boolean, d["enabled"]),
        }
        if f.given("expect"):
            expect = self.fields(f.items["expect"][1], _join(f.path, "expect"))
            if expect is not None:
                expect.reject_unknown(COMMAND_EXPECT_FIELDS, " for a command's expect")
                e = d["expect"]
                options["expect"] = {
                    "exit_code": expect.get(
                        "exit_code", self.integer(minimum=0, maximum=255), e["exit_code"]
                    ),
                    "stdout_matches": expect.get("stdout_matches", self.pattern(), None),
                    "stdout_not_matches": expect.get("stdout_not_matches", self.pattern(), None),
                    "stdout_empty": expect.get("stdout_empty", self.boolean, None),
                }
        return options

    def argv(self, node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag in _TEXT_TAGS:
            try:
                suggestion = f"; write it as {json.dumps(shlex.split(node.value))}"
            except ValueError:
                suggestion = ""
            self.add(
                node,
                path,
                "must be a list of arguments, not a shell string (commands never run "
                f"through a shell){suggestion}",
            )
            return _INVALID
        values = []
        for index, (item, item_path) in enumerate(
            self.items(node, path, minimum=1, noun="argument")
        ):
            if not isinstance(item, ScalarNode) or item.tag not in _TEXT_TAGS:
                self.add(item, item_path, f"must be a string, not {_kind(item)}")
                values.append(_INVALID)
            elif index == 0 and not item.value.strip():
                self.add(item, item_path, "the program name must not be empty")
                values.append(_INVALID)
            elif "\x00" in item.value:
                self.add(item, item_path, "must not contain a NUL character")
                values.append(_INVALID)
            elif len(item.value) > MAX_ARGUMENT_LENGTH:
                self.add(item, item_path, f"is longer than {MAX_ARGUMENT_LENGTH} characters")
                values.append(_INVALID)
            else:
                values.append(item.value)
        return _INVALID if _INVALID in values or not values else values

    def http_options(self, f: _Fields) -> dict[str, Any]:
        d = OPTION_DEFAULTS["http"]
        return {
            "url": f.get("url", self.url, what=" for an http check"),
            "method": f.get("method", self.method, d["method"]),
            "expect_status": f.get("expect_status", self.statuses, d["expect_status"]),
            "max_latency_ms": f.get("max_latency_ms", self.number(above=0.0), d["max_latency_ms"]),
            "headers": f.get("headers", self.headers, d["headers"]),
            "body_matches": f.get("body_matches", self.pattern(), d["body_matches"]),
            "timeout_s": f.get("timeout_s", self.number(above=0.0, maximum=300.0), d["timeout_s"]),
        }

    def method(self, node: Node, path: str) -> Any:
        value = self.text(node, path)
        if value is not _INVALID and value.upper() not in ("GET", "HEAD"):
            self.add(node, path, f"{value!r} is not one of: GET, HEAD")
            return _INVALID
        return value if value is _INVALID else value.upper()

    def statuses(self, node: Node, path: str) -> Any:
        status = self.integer(minimum=100, maximum=599)
        if not isinstance(node, SequenceNode):
            value = status(node, path)
            return _INVALID if value is _INVALID else [value]
        values = [
            status(item, item_path)
            for item, item_path in self.items(node, path, minimum=1, noun="status")
        ]
        return _INVALID if _INVALID in values or not values else values

    def headers(self, node: Node, path: str) -> Any:
        fields = self.fields(node, path)
        if fields is None:
            return _INVALID
        headers: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for name, (key_node, value_node) in fields.items.items():
            header_path = _join(path, name)
            if not _HEADER_NAME_RE.fullmatch(name):
                self.add(key_node, header_path, "is not a valid HTTP header name")
            elif name.lower() in seen:
                self.add(key_node, header_path, f"repeats header {seen[name.lower()]!r}")
            seen.setdefault(name.lower(), name)
            headers[name] = self.pattern()(value_node, header_path)
        return headers

    def threshold_options(self, f: _Fields) -> dict[str, Any]:
        d = OPTION_DEFAULTS["threshold"]
        options: dict[str, Any] = {"source": f.get("source", self.threshold_source)}
        for name in THRESHOLD_LIMITS:
            options[name] = f.get(name, self.number(), d[name])
        options["timeout_s"] = f.get(
            "timeout_s", self.number(above=0.0, maximum=300.0), d["timeout_s"]
        )
        given = {name for name in THRESHOLD_LIMITS if f.given(name)}
        above = given & {"warn_above", "fail_above"}
        below = given & {"warn_below", "fail_below"}
        if not given:
            self.add(
                f.node,
                f.path,
                "a threshold check needs warn_above/fail_above or warn_below/fail_below",
            )
        elif above and below:
            self.add(
                f.line(min(below)),
                _join(f.path, min(below)),
                "cannot be combined with warn_above/fail_above: use one direction",
            )
        warn, fail = options["warn_above"], options["fail_above"]
        if _both_numbers(warn, fail) and warn >= fail:
            self.add(
                f.line("warn_above"),
                _join(f.path, "warn_above"),
                f"must be below fail_above ({_plain_number(warn)} >= {_plain_number(fail)})",
            )
        warn, fail = options["warn_below"], options["fail_below"]
        if _both_numbers(warn, fail) and warn <= fail:
            self.add(
                f.line("warn_below"),
                _join(f.path, "warn_below"),
                f"must be above fail_below ({_plain_number(warn)} <= {_plain_number(fail)})",
            )
        return options

    def threshold_source(self, node: Node, path: str) -> Any:
        fields = self.fields(node, path)
        if fields is None:
            return _INVALID
        fields.reject_unknown(THRESHOLD_SOURCE_FIELDS, " for a threshold source")
        source = {
            "url": fields.get("url", self.url, None),
            "path": fields.get("path", self.relative_path, None),
            "json_path": fields.get("json_path", self.json_path),
        }
        if fields.given("url") and fields.given("path"):
            self.add(node, path, "give either url or path, not both")
        elif not fields.given("url") and not fields.given("path"):
            self.add(node, path, "needs url (a JSON endpoint) or path (a JSON file in the repo)")
        return source

    def json_path(self, node: Node, path: str) -> Any:
        value = self.text(node, path, limit=500)
        if value is _INVALID:
            return _INVALID
        try:
            parse_json_path(value)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return _INVALID
        return value

    def manual_options(self, f: _Fields) -> dict[str, Any]:
        d = OPTION_DEFAULTS["manual"]
        return {
            "valid_days": f.get(
                "valid_days", self.integer(minimum=1, maximum=3650), d["valid_days"]
            ),
            "evidence_required": f.get("evidence_required", self.boolean, d["evidence_required"]),
        }


def _both_numbers(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float)


_OPTION_READERS: dict[str, Callable[[_Reader, _Fields], dict[str, Any]]] = {
    "grep": _Reader.grep_options,
    "file": _Reader.file_options,
    "consistency": _Reader.consistency_options,
    "command": _Reader.command_options,
    "http": _Reader.http_options,
    "threshold": _Reader.threshold_options,
    "manual": _Reader.manual_options,
}


# Writing


class _Flow(list):
    """A list of scalars, written on one line: paths: ["a/**", "b/*.py"]."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the examples do.
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence(_TAG + "seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Flow, _represent_flow)


def _plain_number(value: float) -> int | float:
    """2.0 as 2, so that weights and limits read as they were written."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _dump_category(category: CategorySpec) -> dict[str, Any]:
    data: dict[str, Any] = {"key": category.key, "name": category.name}
    if category.weight != 1.0:
        data["weight"] = _plain_number(category.weight)
    data["checks"] = [_dump_check(check) for check in category.checks]
    return data


def _dump_check(check: CheckSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"key": check.key, "name": check.name}
    if check.description:
        data["description"] = check.description
    data["type"] = check.type
    if check.weight != 1.0:
        data["weight"] = _plain_number(check.weight)
    if check.severity != Severity.MEDIUM:
        data["severity"] = str(check.severity)
    defaults = OPTION_DEFAULTS.get(check.type, {})
    order = TYPE_FIELDS.get(check.type, ())
    names = [name for name in order if name in check.options]
    names += [name for name in check.options if name not in order]
    for name in names:
        value = check.options[name]
        if name in defaults and value == defaults[name]:
            continue
        if value is None:
            continue
        data[name] = _dump_value(name, value)
    return data


def _dump_value(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        if name == "headers":
            return {str(k): _dump_value(str(k), v) for k, v in value.items()}
        return {str(k): _dump_value(str(k), v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        if all(isinstance(item, str | int | float) for item in value):
            return _Flow(value)
        return [_dump_value(name, item) for item in value]
    if isinstance(value, float):
        return _plain_number(value)
    return value

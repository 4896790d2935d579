"""Checklist files, format version 1 (YAML): loading with full validation, dumping back.

Loading collects every problem of a file, not just the first, each with the file, the line
and the key path: `checklist.yml:14 categories[0].checks[2].pattern: unbalanced parenthesis`.
A valid file becomes a `Checklist` whose checks carry their type's options validated and with
every default filled in, so the runners never need a default of their own. This module reads
the frame (top level, categories, the fields every check has); each check type reads its own
options as it declares them (checks.registry, checks.checktype).

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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from checks import reader as read
from checks import registry
from checks.reader import (
    INVALID,
    MAX_VALUES,
    NULL,
    TAG,
    Fields,
    Problem,
    Reader,
    TooLarge,
    join,
    kind,
    plain_number,
)
from checks.spec import CategorySpec, Checklist, CheckSpec, Severity

FORMAT_VERSION = 1
MAX_CHECKLIST_BYTES = 1 << 20
# Limits that keep a hostile file cheap: nesting depth and aliases while composing, values
# read while validating (aliases can make a small file name the same big list many times).
MAX_YAML_DEPTH = 50
MAX_ALIASES = 100
MAX_CHECK_NAME_LENGTH = 300
# Weights are relative; the cap keeps sums of weights far from float overflow.
MAX_WEIGHT = 1_000.0

TOP_FIELDS = ("version", "name", "ready_at", "levels", "categories")
CATEGORY_FIELDS = ("key", "name", "weight", "checks")
COMMON_CHECK_FIELDS = ("key", "name", "description", "type", "weight", "severity", "level")
MAX_LEVELS = 10
MAX_LEVEL_NAME_LENGTH = 40
_WEIGHT = read.number(above=0.0, maximum=MAX_WEIGHT)


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
        "ready_at": plain_number(checklist.ready_at),
    }
    if checklist.levels:
        document["levels"] = _Flow(checklist.levels)
    document |= {
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
    reader = Reader(filename)
    try:
        checklist = _Document(reader).checklist(root)
    except TooLarge:
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
    if root is None or (isinstance(root, ScalarNode) and root.tag == NULL):
        raise ChecklistError([Problem(filename, None, "", "the checklist is empty")])
    return root


class _Document:
    """Reads the frame of a checklist (top level, categories, checks) with `reader`; each
    check's own options are read by its type."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.levels: tuple[str, ...] = ()

    def checklist(self, root: Node) -> Checklist:
        reader = self.reader
        if not isinstance(root, MappingNode):
            reader.add(
                root,
                "",
                f"the checklist must be a mapping (version, name, categories), not {kind(root)}",
            )
            return Checklist(name="", categories=())
        top = reader.fields(root, "")
        assert top is not None
        version = top.get("version", read.integer(minimum=0), what=" (write `version: 1`)")
        if version not in (FORMAT_VERSION, INVALID):
            reader.add(
                top.line("version"),
                "version",
                f"unsupported version {version}; this program reads version {FORMAT_VERSION}",
            )
            return Checklist(name="", categories=())
        top.reject_unknown(TOP_FIELDS)
        name = top.get("name", read.text)
        ready_at = top.get("ready_at", read.number(minimum=0.0, maximum=10.0), 8.0)
        self.levels = self.read_levels(top)
        categories: list[CategorySpec] = []
        category_lines: dict[str, int] = {}
        check_lines: dict[str, int] = {}
        if top.given("categories"):
            node = top.items["categories"][1]
            for item, path in reader.items(node, "categories", minimum=1, noun="category"):
                category = self.category(item, path, check_lines)
                if category is None:
                    continue
                self.unique_key("category", category.key, category.line, path, category_lines)
                categories.append(category)
        else:
            top.get("categories", Reader.items)  # reports the missing field
        return Checklist(
            name=name, categories=tuple(categories), ready_at=ready_at, levels=self.levels
        )

    def read_levels(self, top: Fields) -> tuple[str, ...]:
        """The ordered, distinct level names of `levels:` (lowest first); () when absent."""
        if not top.given("levels"):
            return ()
        reader = self.reader
        node = top.items["levels"][1]
        levels: list[str] = []
        items = reader.items(node, "levels", minimum=1, noun="level")
        if len(items) > MAX_LEVELS:
            reader.add(node, "levels", f"lists more than {MAX_LEVELS} levels")
            return ()
        for item, path in items:
            level = reader.text(item, path, limit=MAX_LEVEL_NAME_LENGTH)
            if level is INVALID:
                continue
            if level in levels:
                reader.add(item, path, f"duplicate level {level!r}")
                continue
            levels.append(level)
        return tuple(levels)

    def unique_key(
        self, noun: str, key: Any, line: int | None, path: str, seen: dict[str, int]
    ) -> None:
        """Report `key` when an earlier item of the same kind had it, else remember it."""
        if key in seen:
            self.reader.add(
                line, f"{path}.key", f"duplicate {noun} key {key!r} (first on line {seen[key]})"
            )
        elif key is not INVALID:
            seen[key] = line

    def category(self, node: Node, path: str, check_lines: dict[str, int]) -> CategorySpec | None:
        reader = self.reader
        fields = reader.fields(node, path)
        if fields is None:
            return None
        fields.reject_unknown(CATEGORY_FIELDS, " for a category")
        key = fields.get("key", Reader.key)
        name = fields.get("name", read.text, None)
        weight = fields.get("weight", _WEIGHT, 1.0)
        checks: list[CheckSpec] = []
        if not fields.given("checks"):
            fields.get("checks", Reader.items, what=" (a category needs at least one check)")
        else:
            checks_node = fields.items["checks"][1]
            checks_path = join(path, "checks")
            for item, item_path in reader.items(checks_node, checks_path, minimum=1, noun="check"):
                check = self.check(item, item_path, key)
                if check is None:
                    continue
                self.unique_key("check", check.key, check.line, item_path, check_lines)
                checks.append(check)
        if name is None and key is not INVALID:
            name = default_category_name(key)
        return CategorySpec(
            key=key,
            name=name,
            weight=weight,
            checks=tuple(checks),
            line=node.start_mark.line + 1,
        )

    def check(self, node: Node, path: str, category: str) -> CheckSpec | None:
        fields = self.reader.fields(node, path)
        if fields is None:
            return None
        key = fields.get("key", Reader.key)
        name = fields.get("name", read.text_up_to(MAX_CHECK_NAME_LENGTH), None)
        description = fields.get("description", Reader.description, "")
        weight = fields.get("weight", _WEIGHT, 1.0)
        severity = fields.get("severity", read.choice(*Severity), Severity.MEDIUM)
        check_type = fields.get("type", read.choice(*sorted(registry.names())))
        level = self.check_level(fields, path)
        options: dict[str, Any] = {}
        if check_type is not INVALID:
            declared = registry.get(check_type)
            fields.reject_unknown(
                COMMON_CHECK_FIELDS + declared.field_names, f" for a {check_type} check"
            )
            options = declared.read(fields)
        if name is None and key is not INVALID:
            name = default_check_name(key)
        return CheckSpec(
            key=key,
            name=name,
            type=check_type,
            category=category,
            weight=weight,
            severity=Severity(severity) if severity is not INVALID else INVALID,
            options=options,
            description=description,
            level=level,
            line=node.start_mark.line + 1,
        )

    def check_level(self, fields: Fields, path: str) -> str | None:
        if not fields.given("level"):
            return None
        level = fields.get("level", read.text_up_to(MAX_LEVEL_NAME_LENGTH))
        if level is INVALID:
            return None
        if not self.levels:
            self.reader.add(
                fields.line("level"),
                join(path, "level"),
                "a check's level needs the checklist's `levels:` list at the top of the file",
            )
            return None
        if level not in self.levels:
            self.reader.add(
                fields.line("level"),
                join(path, "level"),
                f"{level!r} is not one of the checklist's levels: {', '.join(self.levels)}",
            )
            return None
        return level


# Writing


class _Flow(list):
    """A list of scalars, written on one line: paths: ["a/**", "b/*.py"]."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the examples do.
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(TAG + "str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence(TAG + "seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Flow, _represent_flow)


def _dump_category(category: CategorySpec) -> dict[str, Any]:
    data: dict[str, Any] = {"key": category.key, "name": category.name}
    if category.weight != 1.0:
        data["weight"] = plain_number(category.weight)
    data["checks"] = [_dump_check(check) for check in category.checks]
    return data


def _dump_check(check: CheckSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"key": check.key, "name": check.name}
    if check.description:
        data["description"] = check.description
    data["type"] = check.type
    if check.weight != 1.0:
        data["weight"] = plain_number(check.weight)
    if check.severity != Severity.MEDIUM:
        data["severity"] = str(check.severity)
    if check.level is not None:
        data["level"] = check.level
    declared = registry.get(check.type)
    defaults = declared.defaults()
    order = declared.field_names
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
        return plain_number(value)
    return value

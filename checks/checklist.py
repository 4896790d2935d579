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

from checks import extends as shared
from checks import reader as read
from checks import registry
from checks.extends import BaseNotFound, Override, Resolve
from checks.reader import (
    INVALID,
    MAX_VALUES,
    NULL,
    REQUIRED,
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

TOP_FIELDS = (
    "version",
    "name",
    "extends",
    "params",
    "overrides",
    "ready_at",
    "levels",
    "categories",
)
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


def load_checklist(
    text: str | bytes,
    *,
    filename: str = "checklist.yml",
    resolve: Resolve | None = None,
    template: bool = False,
) -> Checklist:
    """The checklist `text` describes, or ChecklistError listing every problem. `resolve`
    reads the base an `extends:` names (checks.extends); without it `extends` is an error.
    `template`: the file is a base checked on its own, so a `${param}` no `params:` gives
    is not an error (its projects give it)."""
    return _load_source(_decode(text, filename), filename, resolve=resolve, template=template)


def decode_checklist(text: str | bytes, *, filename: str) -> str:
    """The text of a checklist file, or ChecklistError (too large, a BOM, not UTF-8)."""
    return _decode(text, filename)


def load_extension(text: str | bytes, *, filename: str, base: Checklist) -> Checklist:
    """`base` with what the file `text` adds (`categories:`) and tightens (`overrides:`),
    as a file that extends `base` would (a campaign's checks). `extends:` is refused there:
    the base is given. Raises ChecklistError listing every problem."""
    source = _decode(text, filename)
    root = _compose(source, filename)
    reader = Reader(filename)
    document = _Document(reader, given_base=base)
    try:
        checklist = document.checklist(root)
    except TooLarge:
        raise ChecklistError([*reader.report()]) from None
    if reader.problems:
        raise ChecklistError(reader.report())
    return checklist


def load_checklist_file(path: Path, *, resolve: Resolve | None = None) -> tuple[Checklist, str]:
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
    return _load_source(source, filename, resolve=resolve), source


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


def _load_source(
    source: str,
    filename: str,
    *,
    resolve: Resolve | None = None,
    template: bool = False,
    params: dict[str, str] | None = None,
    chain: tuple[str, ...] = (),
) -> Checklist:
    root = _compose(source, filename)
    reader = Reader(filename)
    document = _Document(
        reader, resolve=resolve, template=template, given_params=params or {}, chain=chain
    )
    try:
        checklist = document.checklist(root)
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

    def __init__(
        self,
        reader: Reader,
        *,
        resolve: Resolve | None = None,
        template: bool = False,
        given_params: dict[str, str] | None = None,
        chain: tuple[str, ...] = (),
        given_base: Checklist | None = None,
    ) -> None:
        self.reader = reader
        self.given_base = given_base
        self.levels: tuple[str, ...] = ()
        self.resolve = resolve
        self.template = template
        # Params given by the checklists that extend this one (theirs win over ours).
        self.given_params = given_params or {}
        self.chain = chain
        self.weights_given: set[str] = set()
        self.chain_ref = ""

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
        params = (
            shared.read_params(reader, top.items["params"][1], "params")
            if top.given("params")
            else {}
        )
        params = {**params, **self.given_params}
        extended = top.given("extends") or self.given_base is not None
        if self.given_base is not None:
            self.chain_ref = "the project's checklist"
            base = self.given_base
            if top.given("extends"):
                reader.add(top.items["extends"][0], "extends", "the base is given: leave it out")
        else:
            base = self.base(top, params) if top.given("extends") else None
        # A base that could not be read has its problems reported; a name is not one more.
        default_name = "" if extended else REQUIRED
        if not extended and top.given("overrides"):
            reader.add(
                top.items["overrides"][0],
                "overrides",
                "needs `extends:`: there is nothing to override",
            )
        name = top.get("name", read.text, base.name if base else default_name)
        ready_at = top.get(
            "ready_at", read.number(minimum=0.0, maximum=10.0), base.ready_at if base else 8.0
        )
        self.levels = self.read_levels(top)
        if base is not None:
            if top.given("levels"):
                reader.add(
                    top.line("levels"),
                    "levels",
                    "the levels come from the base this checklist extends; change them there",
                )
            self.levels = base.levels
        if top.given("categories"):
            shared.params_fill(
                reader, top.items["categories"][1], "categories", params, template=self.template
            )
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
        elif not extended:
            top.get("categories", Reader.items)  # reports the missing field
        if base is not None:
            overrides = self.overrides(top) if top.given("overrides") else []
            categories = list(
                shared.merge_extension(
                    reader,
                    base=base,
                    base_ref=self.chain_ref
                    if self.given_base is not None
                    else f"the base {self.chain_ref}",
                    categories=categories,
                    overrides=overrides,
                    prefix=params.get(shared.PATH_PREFIX, ""),
                    weights_given=self.weights_given,
                )
            )
        return Checklist(
            name=name, categories=tuple(categories), ready_at=ready_at, levels=self.levels
        )

    def base(self, top: Fields, params: dict[str, str]) -> Checklist | None:
        """The checklist `extends:` names, loaded with this file's params (None when it
        cannot be: the problems are reported, the base's own at its own lines)."""
        reader = self.reader
        ref = top.get("extends", read.text_up_to(300))
        if ref is INVALID:
            return None
        line = top.line("extends")
        self.chain_ref = ref
        if ref in self.chain:
            cycle = " → ".join([*self.chain, ref])
            reader.add(line, "extends", f"checklists extend each other in a cycle: {cycle}")
            return None
        if len(self.chain) >= shared.MAX_DEPTH:
            reader.add(line, "extends", f"more than {shared.MAX_DEPTH} bases extend each other")
            return None
        if self.resolve is None:
            reader.add(
                line,
                "extends",
                f"cannot read the base {ref!r} here: give the checklist to a project",
            )
            return None
        try:
            text, filename = self.resolve(ref)
        except BaseNotFound as exc:
            reader.add(line, "extends", str(exc))
            return None
        try:
            return _load_source(
                _decode(text, filename),
                filename,
                resolve=self.resolve,
                template=self.template,
                params=params,
                chain=(*self.chain, ref),
            )
        except ChecklistError as error:
            reader.problems.extend(error.problems)
            reader.add(line, "extends", f"the base {ref!r} has the problems listed")
            return None

    def overrides(self, top: Fields) -> list[Override]:
        """`overrides:` as a mapping of inherited check keys to new weight, severity or level."""
        reader = self.reader
        fields = reader.fields(top.items["overrides"][1], "overrides")
        if fields is None:
            return []
        found = []
        for key, (key_node, value_node) in fields.items.items():
            path = join("overrides", key)
            changes = reader.fields(value_node, path)
            if changes is None:
                continue
            for name, (name_node, _value) in changes.items.items():
                if name in shared.DISABLING:
                    reader.add(name_node, join(path, name), shared.WAIVER_HINT)
            unknown = {n: v for n, v in changes.items.items() if n not in shared.DISABLING}
            changes.items = unknown
            changes.reject_unknown(shared.OVERRIDE_FIELDS, " for an override")
            override = Override(key=key, line=key_node.start_mark.line + 1, path=path)
            override.weight = changes.get("weight", _WEIGHT, None)
            severity = changes.get("severity", read.choice(*Severity), None)
            override.severity = Severity(severity) if isinstance(severity, str) else None
            if changes.given("level"):
                override.level = self.check_level(changes, path)
            if not override.changes() and not unknown:
                continue
            found.append(override)
        return found

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
        if fields.given("weight") and key is not INVALID:
            self.weights_given.add(key)
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

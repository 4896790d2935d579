"""Shared checklists: a checklist that `extends` a base, with its `params` and `overrides`.

A project's file names its base (`extends: platform/service-base`, a team's base kept in
the product, or `extends: ci/base.readiness.yml`, a file of the same repository, relative
to its root), gives the base's parameters (`params:`), adds checks (`categories:`) and
changes the weight, severity or level of inherited checks (`overrides:`). The loader
(checks.checklist) asks a resolver for the base's text, loads it with the same rules, and
merges here. This module never looks anything up itself: the caller passes the resolver
(the Django side reads the product's bases, the command line reads files).

Decisions beyond the issue's text:
- `${name}` is replaced in every text value of a check's options, in the file that writes
  it, once its params are known (a project's params win over the base's own defaults). In
  regular expressions (`pattern`, `body_matches`, `stdout_matches`, `stdout_not_matches`,
  `headers`) the value is escaped: a param is a value, not a pattern. `$${` writes a
  literal `${`. `${base_url}` belongs to the project's settings and is filled at run time,
  so it is left as it is unless `params` gives it.
- `params.path_prefix` (a folder) goes before every glob of the inherited file checks, not
  before the project's own checks, whose author writes their paths in full.
- An inherited check cannot be disabled here: a field such as `disable` is refused with
  a message pointing at waivers, which keep a reason, an approver and an end date.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checks.reader import INVALID, TEXT_TAGS, Reader, join
from checks.registry import FILE_CHECK_TYPES

# `${name}`: the same syntax as the run-time placeholders (checks.placeholders, branch i15).
PARAM = re.compile(r"\$\$\{|\$\{([a-z_][a-z0-9_]*)\}")
PARAM_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Filled from the project's settings when a check runs, not from `params`.
RUNTIME_PARAMS = frozenset({"base_url"})
REGEX_FIELDS = frozenset({"pattern", "body_matches", "stdout_matches", "stdout_not_matches"})
REGEX_MAPPINGS = frozenset({"headers"})
PATH_PREFIX = "path_prefix"
MAX_PARAMS = 50
MAX_PARAM_LENGTH = 500
MAX_DEPTH = 5
OVERRIDE_FIELDS = ("weight", "severity", "level")
# Fields an author may try in order to switch an inherited check off.
DISABLING = frozenset({"disable", "disabled", "enabled", "skip", "remove", "removed", "ignore"})
WAIVER_HINT = (
    "an inherited check cannot be disabled in the checklist; ask for a waiver on it "
    "(a reason, an end date and an approver's name) instead"
)
_GLOB_CHARS = re.compile(r"[*?\[\]{}\\]")
# A product base is `team/checklist`; anything else with .yml/.yaml is a file of the repository.
PRODUCT_REF = re.compile(r"[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*")


class BaseNotFound(LookupError):
    """The resolver has no base of that name; the message says what was looked for."""


# A resolver: the base's reference as written → (its text, the file name its problems name).
Resolve = Callable[[str], tuple[str, str]]


def is_product_ref(ref: str) -> bool:
    """Whether `ref` names a team's base kept in the product (`team/checklist`)."""
    return PRODUCT_REF.fullmatch(ref) is not None


def substitute_params(
    text: str, params: Mapping[str, str], *, regex: bool
) -> tuple[str, list[str]]:
    """`text` with every `${name}` of `params` replaced (escaped for a regular expression when
    `regex`), and the names it uses that `params` lacks (run-time ones excepted, left as
    written). The one place where params are substituted."""
    missing: list[str] = []

    def replace(found: re.Match[str]) -> str:
        if found.group(0) == "$${":
            return "${"
        name = found.group(1)
        if name in params:
            value = params[name]
            return re.escape(value) if regex else value
        if name not in RUNTIME_PARAMS and name not in missing:
            missing.append(name)
        return found.group(0)

    return PARAM.sub(replace, text), missing


def read_params(reader: Reader, node: Node, path: str) -> dict[str, str]:
    """The `params:` mapping: names `[a-z_][a-z0-9_]*`, values plain texts; `path_prefix` must
    be a folder inside the repository."""
    fields = reader.fields(node, path)
    if fields is None:
        return {}
    if len(fields.items) > MAX_PARAMS:
        reader.add(node, path, f"gives more than {MAX_PARAMS} params")
        return {}
    params: dict[str, str] = {}
    for name, (key_node, value_node) in fields.items.items():
        where = join(path, name)
        if not PARAM_NAME.fullmatch(name):
            reader.add(key_node, where, "a param's name uses lowercase letters, digits and _")
            continue
        if not isinstance(value_node, ScalarNode) or value_node.tag not in TEXT_TAGS:
            reader.add(value_node, where, "must be a plain value (a string or a number)")
            continue
        value = value_node.value
        if len(value) > MAX_PARAM_LENGTH:
            reader.add(value_node, where, f"is longer than {MAX_PARAM_LENGTH} characters")
            continue
        if name == PATH_PREFIX:
            problem = path_prefix_problem(value)
            if problem:
                reader.add(value_node, where, problem)
                continue
            value = value.strip().strip("/")
        params[name] = value
    return params


def path_prefix_problem(prefix: str) -> str | None:
    value = prefix.strip()
    if value.startswith("/"):
        return "give a folder relative to the repository's root, not an absolute path"
    if _GLOB_CHARS.search(value):
        return "give one folder, without glob characters"
    if any(part in ("..", ".") for part in value.strip("/").split("/")):
        return "give a folder inside the repository (no . or ..)"
    return None


def params_fill(
    reader: Reader, node: Node, path: str, params: Mapping[str, str], *, template: bool
) -> None:
    """Replace `${name}` in every text value under `node` (the file's `categories`), in place.
    A name `params` lacks is a problem at its line, unless `template` (a base checked on its
    own, whose params its projects give): then it is replaced by a stand-in so that the rest
    of the value can still be validated."""
    for scalar, key, key_path in _scalars(node, path, ""):
        if "$" not in scalar.value:
            continue
        regex = key in REGEX_FIELDS
        value, missing = substitute_params(scalar.value, params, regex=regex)
        if missing and template:
            value, _ = substitute_params(value, dict.fromkeys(missing, "x"), regex=regex)
        elif missing:
            names = ", ".join("${" + name + "}" for name in missing)
            reader.add(
                scalar,
                key_path,
                f"uses {names}, which no `params:` gives (add it to the params of the "
                "checklist that extends this one)",
            )
        scalar.value = value


def _scalars(node: Node, path: str, key: str):  # type: ignore[no-untyped-def]
    """Every text scalar under `node` with the name of the field that holds it (a header's
    value counts as a regular expression field)."""
    if isinstance(node, ScalarNode):
        if node.tag in TEXT_TAGS:
            yield node, key, path
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, f"{path}[{index}]", key)
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else ""
            inner = "pattern" if key in REGEX_MAPPINGS else name
            yield from _scalars(value_node, join(path, str(name)), inner)


def prefixed_options(options: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """A file check's options with `prefix` ("folder/sub/") before every glob of `paths`,
    at any depth (consistency sources hold their own `paths`)."""
    result: dict[str, Any] = {}
    for name, value in options.items():
        if name == "paths" and isinstance(value, list | tuple):
            result[name] = [prefix + str(glob).lstrip("/") for glob in value]
        elif isinstance(value, Mapping):
            result[name] = prefixed_options(value, prefix)
        elif isinstance(value, list | tuple):
            result[name] = [
                prefixed_options(v, prefix) if isinstance(v, Mapping) else v for v in value
            ]
        else:
            result[name] = value
    return result


@dataclasses.dataclass
class Override:
    """One entry of `overrides:`: new values for an inherited check's weight, severity or
    level (None: unchanged), and where it was written."""

    key: str
    line: int | None
    path: str
    weight: float | None = None
    severity: Any = None
    level: str | None = None

    def changes(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in OVERRIDE_FIELDS
            if getattr(self, name) is not None and getattr(self, name) is not INVALID
        }


def merge_extension(
    reader: Reader,
    *,
    base: Any,
    base_ref: str,
    categories: list[Any],
    overrides: list[Override],
    prefix: str,
    weights_given: set[str],
) -> tuple[Any, ...]:
    """The categories of `base` (a Checklist) with this file's `categories` added (a category
    of the same key gets the checks, and the weight when this file gives one) and its
    `overrides` applied; `prefix` before the inherited file checks' globs. Problems (an own
    check that redefines an inherited one, an override of a check the base lacks) go to
    `reader` at this file's lines."""
    inherited = {check.key: check for check in base.all_checks()}
    own_keys = {check.key for category in categories for check in category.checks}
    by_key = {override.key: override for override in overrides}
    for override in overrides:
        if override.key in inherited:
            continue
        if override.key in own_keys:
            message = (
                f"{override.key!r} is a check of this file, not an inherited one: write its "
                "weight, severity or level in the check itself"
            )
        else:
            close = _close(override.key, list(inherited))
            message = f"{base_ref} has no check {override.key!r}{close}"
        reader.add(override.line, override.path, message)
    for category in categories:
        for check in category.checks:
            if check.key in inherited:
                reader.add(
                    check.line,
                    "categories",
                    f"check {check.key!r} is inherited from {base_ref}: change its weight, "
                    "severity or level under `overrides:` (to stop counting it, ask for a "
                    "waiver)",
                )
    folder = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def inherit(check: Any) -> Any:
        override = by_key.get(check.key)
        if override is not None:
            check = dataclasses.replace(check, **override.changes())
        if folder and check.type in FILE_CHECK_TYPES:
            check = dataclasses.replace(check, options=prefixed_options(check.options, folder))
        return check

    own = {category.key: category for category in categories}
    merged = []
    for category in base.categories:
        checks = tuple(inherit(check) for check in category.checks)
        extra = own.pop(category.key, None)
        if extra is not None:
            checks += tuple(c for c in extra.checks if c.key not in inherited)
            weight = extra.weight if extra.key in weights_given else category.weight
            category = dataclasses.replace(category, weight=weight)
        merged.append(dataclasses.replace(category, checks=checks))
    for category in categories:
        if category.key in own:
            checks = tuple(c for c in category.checks if c.key not in inherited)
            merged.append(dataclasses.replace(category, checks=checks))
    return tuple(merged)


def _close(key: str, keys: list[str]) -> str:
    close = difflib.get_close_matches(key, keys, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

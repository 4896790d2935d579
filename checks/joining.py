"""Joining a campaign's checks to a base checklist's file by editing its text: every line the
join does not touch stays as it was, comments, quoting, order and layout included.

A campaign is written like a checklist that extends the base: `categories` with checks to
add (to the category of the same key, or as a new category) and `overrides` that tighten
checks (written into the check itself when the base defines it, else into the base's own
`overrides:`). `joined_data` says what the result means; `joined_text` writes it into the
base's text, placing each addition at the indentation of its neighbours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def joined_data(base: dict[str, Any], campaign: dict[str, Any]) -> dict[str, Any]:
    """What the base's file holds once the campaign's checks joined it (the data, not the
    text). `base` is changed in place and returned."""
    categories = base.setdefault("categories", [])
    by_key = {category.get("key"): category for category in categories}
    own_checks = {
        check.get("key"): check for category in categories for check in category.get("checks", [])
    }
    for category in campaign.get("categories") or []:
        existing = by_key.get(category.get("key"))
        if existing is None:
            categories.append(category)
        else:
            existing.setdefault("checks", []).extend(category.get("checks") or [])
    for key, changes in (campaign.get("overrides") or {}).items():
        if key in own_checks:
            own_checks[key].update(changes)
        else:
            base.setdefault("overrides", {}).setdefault(key, {}).update(changes)
    if not categories:
        del base["categories"]
    return base


def joined_text(base_text: str, campaign_text: str) -> str:
    """The base's file with the campaign's checks joined (what `joined_data` says), written
    into its text: unchanged lines are kept byte for byte."""
    if not base_text.endswith("\n"):
        base_text += "\n"
    root = yaml.compose(base_text, Loader=yaml.SafeLoader)
    if not isinstance(root, MappingNode):
        raise ValueError("the base checklist's file is not a mapping")
    campaign = _Source(campaign_text)
    edits = _Edits(base_text)

    categories = _value(root, "categories")
    category_nodes: dict[Any, MappingNode] = {}
    own_checks: dict[Any, MappingNode] = {}
    for category in _items(categories):
        if isinstance(category, MappingNode):
            category_nodes[_scalar(_value(category, "key"))] = category
            for check in _items(_value(category, "checks")):
                if isinstance(check, MappingNode):
                    own_checks[_scalar(_value(check, "key"))] = check

    campaign_categories = _value(campaign.root, "categories")
    new_categories: list[Node] = []
    for category in _items(campaign_categories):
        target = category_nodes.get(_scalar(_value(category, "key")))
        if target is None:
            new_categories.append(category)
            continue
        added = _value(category, "checks")
        if not _items(added):
            continue
        checks = _value(target, "checks")
        if checks is None:
            edits.mapping_set(target, "checks", campaign.data(added))
        else:
            edits.sequence_extend(checks, campaign, _items(added))
    if new_categories:
        if categories is None:
            edits.mapping_set(root, "categories", [campaign.data(c) for c in new_categories])
        else:
            edits.sequence_extend(categories, campaign, new_categories)

    inherited: dict[Any, dict[str, Any]] = {}
    overrides = campaign.data(_value(campaign.root, "overrides")) or {}
    for key, changes in overrides.items():
        if key in own_checks:
            for name, value in changes.items():
                edits.mapping_set(own_checks[key], name, value)
        else:
            inherited[key] = changes
    base_overrides = _value(root, "overrides")
    for key, changes in inherited.items():
        existing = _value(base_overrides, key) if isinstance(base_overrides, MappingNode) else None
        if isinstance(existing, MappingNode) and existing.value:
            for name, value in changes.items():
                edits.mapping_set(existing, name, value)
        elif isinstance(base_overrides, MappingNode) and base_overrides.value:
            edits.mapping_set(base_overrides, key, changes)
    if inherited and not (isinstance(base_overrides, MappingNode) and base_overrides.value):
        edits.mapping_set(root, "overrides", inherited)
    return edits.applied()


class _Source:
    """The campaign's text, its nodes and the data of any of them."""

    def __init__(self, text: str) -> None:
        self.text = text if text.endswith("\n") else text + "\n"
        self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)

    def data(self, node: Node | None) -> Any:
        if node is None:
            return None
        return yaml.SafeLoader(self.text).construct_document(node)

    def lines(self, node: Node) -> list[str]:
        """The whole lines that hold the block node `node`."""
        lines = self.text.splitlines(keepends=True)
        return lines[node.start_mark.line : _last_line(node, self.text) + 1]


def _scalar(node: Node | None) -> Any:
    return node.value if isinstance(node, ScalarNode) else None


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _pair(mapping: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    if not isinstance(mapping, MappingNode):
        return None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _value(mapping: Node | None, key: str) -> Node | None:
    """The value of `key` in `mapping`; None when absent or null (`checks:` alone)."""
    pair = _pair(mapping, key)
    if pair is None or _is_null(pair[1]):
        return None
    return pair[1]


def _last_line(node: Node, text: str) -> int:
    """The last line (0-based) that holds something of `node`."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return max(_last_line(part, text) for pair in node.value for part in pair)
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return max(_last_line(item, text) for item in node.value)
    end = node.end_mark
    line = end.line if end.column > 0 or end.line == node.start_mark.line else end.line - 1
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        lines = text.splitlines()
        while line > node.start_mark.line and not lines[line].strip():
            line -= 1
    return line


def _flow(value: Any) -> str:
    """`value` as one flow-style YAML value (a scalar, a list or a mapping)."""
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=10**6)
    return text.strip()[1:-1]


def _block(key: str, value: Any, column: int) -> str:
    """`key: value` as lines at `column`: a mapping of mappings (overrides) one entry a line,
    a list in block style, anything else in flow style on one line."""
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        entries = "".join(_block(k, v, column + 2) for k, v in value.items())
        return " " * column + f"{_flow(key)}:\n" + entries
    if not isinstance(value, list) or not value:
        return " " * column + f"{_flow(key)}: {_flow(value)}\n"
    dumped = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100)
    return "".join(" " * column + line for line in dumped.splitlines(keepends=True))


def _shifted(lines: list[str], shift: int) -> list[str]:
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n"
        indent = len(line) - len(line.lstrip(" "))
        if shift >= 0:
            out.append(" " * shift + line if line.strip() else line)
        else:
            out.append(line[min(indent, -shift) :])
    return out


@dataclass
class _Edits:
    """Insertions and replacements at offsets of the base's text, applied last to first."""

    text: str
    # (offset, -column, order, end, new text): at one offset, deeper lines go first (they
    # belong to the node that ends there), then in the order they were asked for.
    items: list[tuple[int, int, int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0]
        for line in self.text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def replace(self, start: int, end: int, new: str) -> None:
        column = len(new) - len(new.lstrip(" "))
        self.items.append((start, -column, len(self.items), end, new))

    def insert(self, at: int, new: str) -> None:
        self.replace(at, at, new)

    def after(self, node: Node) -> int:
        """The offset just after the last line of `node`."""
        return self.starts[min(_last_line(node, self.text) + 1, len(self.starts) - 1)]

    def applied(self) -> str:
        text = self.text
        # Last first: each insertion lands before those applied earlier at its offset.
        for start, _column, _order, end, new in sorted(self.items, reverse=True):
            text = text[:start] + new + text[end:]
        return text

    def flow_extend(self, collection: Node, parts: list[str]) -> None:
        separator = ", " if collection.value else ""
        self.insert(collection.end_mark.index - 1, separator + ", ".join(parts))

    def sequence_extend(self, sequence: Node, source: _Source, items: list[Node]) -> None:
        """Append the campaign's `items` to a list of the base, at its indentation."""
        if not isinstance(sequence, SequenceNode):
            raise ValueError(f"line {sequence.start_mark.line + 1}: expected a list")
        if sequence.flow_style:
            self.flow_extend(sequence, [_flow(source.data(item)) for item in items])
            return
        dash, column = sequence.start_mark.column, sequence.value[0].start_mark.column
        at = self.after(sequence)
        for item in items:
            if item.flow_style or item.start_mark.line == item.end_mark.line:
                body = _flow(source.data(item)) + "\n"
            else:
                lines = source.lines(item)
                body = lines[0][item.start_mark.column :]
                body += "".join(_shifted(lines[1:], column - item.start_mark.column))
                body = body if body.endswith("\n") else body + "\n"
            self.insert(at, " " * dash + "-" + " " * max(column - dash - 1, 1) + body)

    def mapping_set(self, mapping: MappingNode, key: str, value: Any) -> None:
        """Set `key: value` in a mapping of the base: its value replaced where it is, else
        the pair added after the mapping's last line (or before a flow mapping's brace)."""
        pair = _pair(mapping, key)
        if pair is not None and not isinstance(value, dict | list):
            old = pair[1]
            space = " " if old.start_mark.index == old.end_mark.index else ""
            self.replace(old.start_mark.index, old.end_mark.index, space + _flow(value))
        elif pair is not None:
            # A list or mapping: the pair is written again, from its key to its last line.
            start = pair[0].start_mark.index
            if mapping.flow_style:
                self.replace(start, pair[1].end_mark.index, f"{_flow(key)}: {_flow(value)}")
            else:
                line_start = self.starts[pair[0].start_mark.line]
                end = self.after(pair[1]) if not _is_null(pair[1]) else self.after(pair[0])
                self.replace(line_start, end, _block(key, value, pair[0].start_mark.column))
        elif mapping.flow_style:
            self.flow_extend(mapping, [f"{_flow(key)}: {_flow(value)}"])
        else:
            column = mapping.value[0][0].start_mark.column
            self.insert(self.after(mapping), _block(key, value, column))

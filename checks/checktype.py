"""What a check type declares: its options, its kind, and what runs it.

A check type's options are a frozen dataclass whose fields are declared with `option()`:
the field's type, its default (none: the field is required) and how a checklist file's
value is validated. From that one declaration the loader reads and validates a check, fills
its defaults and dumps it back, and the runner gets the typed options. Each check type
module builds one `CheckType`; checks.registry lists them.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from checks.reader import INVALID, REQUIRED, Fields, Read, Reader

if TYPE_CHECKING:
    from yaml.nodes import Node

    from checks.matches import Found, Use
    from checks.spec import CheckSpec, Outcome, RunContext

# Cross-field validation after the fields were read one by one: (reader, fields, values).
Check = Callable[[Reader, Fields, dict[str, Any]], None]


class Kind(StrEnum):
    FILE = "file"  # evaluated in the one shared scan of the tree (checks.scan)
    SLOW = "slow"  # waits on a process or the network: runs in parallel with the others
    INLINE = "inline"  # decided at once from the run context (attestations)


def option(read: Read, default: Any = REQUIRED, *, note: str = "") -> Any:
    """A field of an options dataclass. `read` validates the value a checklist file gives;
    without a `default` the field is required, and `note` follows "is required" when it
    is missing. A list or dict default is copied for each instance."""
    metadata = {"read": read, "note": note}
    if default is REQUIRED:
        return dataclasses.field(metadata=metadata)
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class nested:
    """Reads a mapping whose fields are those of the options dataclass `options`. Fields
    named in `sparse` are kept only when given (fields added later, so that the stored
    options of existing checklists stay as they were)."""

    def __init__(
        self,
        options: type,
        what: str,
        *,
        check: Check | None = None,
        sparse: tuple[str, ...] = (),
    ) -> None:
        self.options = options
        self.what = what
        self.check = check
        self.sparse = sparse

    def __call__(self, reader: Reader, node: Node, path: str) -> Any:
        fields = reader.fields(node, path)
        if fields is None:
            return INVALID
        fields.reject_unknown(field_names(self.options), self.what)
        values = read_values(fields, self.options)
        for name in self.sparse:
            if not fields.given(name):
                values.pop(name, None)
        if self.check is not None:
            self.check(reader, fields, values)
        return values


class listed:
    """Reads a list of at least `minimum` items, each with `item`."""

    def __init__(self, item: Read, *, minimum: int, noun: str) -> None:
        self.item = item
        self.minimum = minimum
        self.noun = noun

    def __call__(self, reader: Reader, node: Node, path: str) -> Any:
        found = reader.items(node, path, minimum=self.minimum, noun=self.noun)
        return [self.item(reader, item, item_path) for item, item_path in found]


def field_names(options: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(options))


def read_values(fields: Fields, options: type) -> dict[str, Any]:
    """The values of the declared fields of `options`, in declaration order, defaults
    (in their plain form) filled in; problems go to the fields' reader."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(options):
        default = _plain_default(item)
        values[item.name] = fields.get(
            item.name, item.metadata["read"], default, what=item.metadata["note"]
        )
    return values


def _plain_default(item: dataclasses.Field) -> Any:
    if item.default is not dataclasses.MISSING:
        return plain(item.default)
    if item.default_factory is not dataclasses.MISSING:
        return plain(item.default_factory())
    return REQUIRED


def plain(value: Any) -> Any:
    """A typed value in the form a checklist file and a stored check hold: mappings and
    lists of plain values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return value


def build(options: type, values: Mapping[str, Any]) -> Any:
    """The options dataclass `options` from validated plain `values`; fields they lack take
    their default."""
    given = {
        item.name: _typed(values[item.name], item.metadata["read"])
        for item in dataclasses.fields(options)
        if item.name in values
    }
    return options(**given)


def _typed(value: Any, read: Read) -> Any:
    if isinstance(read, nested) and isinstance(value, Mapping):
        return build(read.options, value)
    if isinstance(value, list | tuple):
        item = read.item if isinstance(read, listed) else None
        return tuple(value if item is None else (_typed(v, item) for v in value))
    return value


# A runner of a check that runs on its own: the spec, its typed options, the context.
Runner = Callable[["CheckSpec", Any, "RunContext"], "Outcome"]
# A file check: what its options need the scan to search, and its outcome from what the
# scan found.
Uses = Callable[[Any], Sequence["Use"]]
Evaluate = Callable[[Any, "Found"], "Outcome"]


# Whether a run with these options reads the repository's files, so that the worker must
# fetch the project's source first.
ReadsRepository = Callable[[Any, "RunContext"], bool]


def _no_uses(options: Any) -> Sequence[Use]:
    return ()


def _reads_no_file(options: Any, ctx: RunContext) -> bool:
    return False


@dataclasses.dataclass(frozen=True)
class CheckType:
    """Everything about one check type. A FILE type has `evaluate` (and `uses` when it
    searches file contents); the others have `run`."""

    name: str
    kind: Kind
    options: type
    run: Runner | None = None
    uses: Uses = _no_uses
    evaluate: Evaluate | None = None
    check: Check | None = None
    reads_repository: ReadsRepository = _reads_no_file
    # A SLOW type whose checks only wait (on the network) and never need the repository:
    # several share one worker task, side by side on its threads. The others (a command
    # spends this machine's CPU; a threshold may read a file) have a task each.
    shares_task: bool = False

    def __post_init__(self) -> None:
        if not dataclasses.is_dataclass(self.options):
            raise TypeError(f"{self.name}: options must be a dataclass")
        if self.kind is Kind.FILE and (self.evaluate is None or self.run is not None):
            raise TypeError(f"{self.name}: a file check type has evaluate and no run")
        if self.kind is not Kind.FILE and (self.run is None or self.evaluate is not None):
            raise TypeError(f"{self.name}: a {self.kind} check type has run and no evaluate")

    @property
    def field_names(self) -> tuple[str, ...]:
        return field_names(self.options)

    def defaults(self) -> dict[str, Any]:
        """Each optional field's default in plain form."""
        return {
            item.name: default
            for item in dataclasses.fields(self.options)
            if (default := _plain_default(item)) is not REQUIRED
        }

    def read(self, fields: Fields) -> dict[str, Any]:
        """The check's options from its fields, validated, with every default filled in."""
        values = read_values(fields, self.options)
        if self.check is not None:
            self.check(fields.reader, fields, values)
        return values

    def typed(self, values: Mapping[str, Any]) -> Any:
        """The typed options of a check whose options the loader validated."""
        return build(self.options, values)

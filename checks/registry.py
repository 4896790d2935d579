"""Every check type, by name: what the loader, the runner and the scan look types up in.

A check type is one module that builds a `CheckType` (checks.checktype); listing it in
TYPES below registers it. Nothing else in the engine names a check type.
"""

from __future__ import annotations

from checks.checktype import CheckType, Kind
from checks.command import COMMAND
from checks.consistency import CONSISTENCY
from checks.file import FILE
from checks.grep import GREP
from checks.http import HTTP
from checks.manual import MANUAL
from checks.threshold import THRESHOLD

TYPES: tuple[CheckType, ...] = (GREP, FILE, CONSISTENCY, COMMAND, HTTP, THRESHOLD, MANUAL)

_BY_NAME = {check_type.name: check_type for check_type in TYPES}


def get(name: str) -> CheckType:
    """The check type called `name`; KeyError when there is none."""
    return _BY_NAME[name]


def find(name: str) -> CheckType | None:
    return _BY_NAME.get(name)


def names() -> frozenset[str]:
    return frozenset(_BY_NAME)


def names_of(kind: Kind) -> frozenset[str]:
    """The names of the check types of `kind`."""
    return frozenset(name for name, check_type in _BY_NAME.items() if check_type.kind is kind)


# The sets the Django side queues and filters by.
FILE_CHECK_TYPES = names_of(Kind.FILE)
SLOW_CHECK_TYPES = names_of(Kind.SLOW)
# Slow check types whose checks may share one task (checks.checktype.CheckType.shares_task).
SHARED_TASK_CHECK_TYPES = frozenset(name for name, item in _BY_NAME.items() if item.shares_task)
# What a past commit can still tell: file checks read its git objects, inline (manual)
# checks the attestations valid at its date. The service, commands' output and thresholds
# are only known now, so a point of history leaves them not measured.
HISTORY_CHECK_TYPES = FILE_CHECK_TYPES | names_of(Kind.INLINE)

"""`${name}` placeholders in a check's fields, filled at run time from the project's values.

A checklist is shared by the projects that use it, while some values belong to each project:
its base URL (`url: "${base_url}/health"`). Placeholders are written `${name}` (lower-case
letters, digits, `_`), checked at load time (`checklist_url`), and filled when a check runs
(`fill`); a check whose value is not set is `skip` with the reason (`unfilled`), since it
cannot apply to that project yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from checks.messages import gettext_noop, message
from checks.spec import Outcome

PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")
# What a placeholder stands for while a field is validated at load time.
_SAMPLES = {"base_url": "http://base-url.invalid"}


class Unfilled(Exception):
    """Placeholders of a field that have no value for this run."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def names_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with every `${name}` replaced by its value; Unfilled names the missing ones."""
    missing = [name for name in dict.fromkeys(names_in(text)) if not values.get(name)]
    if missing:
        raise Unfilled(missing)
    return PLACEHOLDER.sub(lambda found: values[found.group(1)], text)


def sample(text: str) -> str:
    """`text` with placeholders replaced by stand-ins, to validate the rest of the field."""
    return PLACEHOLDER.sub(lambda found: _SAMPLES.get(found.group(1), "x"), text)


def unfilled(exc: Unfilled) -> Outcome:
    """The `skip` of a check whose placeholders have no value for this project."""
    if "base_url" in exc.names:
        return Outcome.skip(message(gettext_noop("no base URL set")))
    names = ", ".join("${" + name + "}" for name in exc.names)
    return Outcome.skip(message(gettext_noop("no value set for %(names)s"), names=names))

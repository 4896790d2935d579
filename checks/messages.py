"""Check summaries that the interface can translate.

The engine speaks English, but it also keeps each summary as a template with its
parameters, so that the Django side can show it in the reader's language. Templates are
marked with `gettext_noop`: xgettext (behind Django's makemessages) knows that keyword, so
they reach the catalogue without this package importing Django.

A parameter is plain text, a number, or another message: a part of the sentence that has
its own template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks `message` for the catalogue and returns it unchanged."""
    return message


@dataclass(frozen=True)
class Message:
    """A summary template with %(name)s placeholders, and the values that fill them."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        params = {
            name: value.as_dict() if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return {"template": self.template, "params": params}

    def __str__(self) -> str:
        # What render(self.as_dict()) gives, without building the dictionaries first.
        params = {}
        for name, value in self.params.items():
            if isinstance(value, Message):
                value = str(value)
            elif not isinstance(value, (str, int, float)) and is_message(value):
                value = render(value)
            params[name] = value
        return self.template % params


def message(template: str, **params: Any) -> Message:
    return Message(template, params)


def counted(count: int, one: str, many: str, **params: Any) -> Message:
    """`one` for a count of 1, else `many`; both get `count` among their parameters."""
    return Message(one if count == 1 else many, {"count": count, **params})


# An `error` that waits on a person rather than on a machine: a check that needs an
# attestation and has none valid. Its outcome's details say so under AWAITING (its value:
# what is awaited); the dashboard also recognises results stored before by these templates.
AWAITING = "awaiting"
NEEDS_ATTESTATION = gettext_noop("needs attestation")
ATTESTATION_EXPIRED = gettext_noop("attestation expired on %(date)s")
AWAITING_TEMPLATES = frozenset({NEEDS_ATTESTATION, ATTESTATION_EXPIRED})

SEMICOLON_LIST = gettext_noop("%(first)s; %(second)s")
COMMA_LIST = gettext_noop("%(first)s, %(second)s")
OR_LIST = gettext_noop("%(first)s or %(second)s")


def joined(parts: Sequence[Message], template: str = SEMICOLON_LIST) -> Message:
    """One message for several: `parts` joined in order by `template` (a list template
    above). `parts` must not be empty."""
    result = parts[0]
    for part in parts[1:]:
        result = Message(template, {"first": result, "second": part})
    return result


def timed_out(timeout_s: float) -> Message:
    """ "timed out after 5s", said by every check that waits on something."""
    return message(gettext_noop("timed out after %(seconds)ss"), seconds=f"{timeout_s:g}")


def is_message(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("template"), str)


def render(data: Mapping[str, Any], translate: Callable[[str], str] = gettext_noop) -> str:
    """The text of a stored message (`Message.as_dict()`), its template and those of the
    messages inside it passed through `translate`. Raises KeyError, TypeError or
    ValueError when the template and its parameters do not fit each other."""
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise TypeError("message params must be a mapping")
    return translate(data["template"]) % {
        name: render(value, translate) if is_message(value) else value
        for name, value in params.items()
    }

"""Notes on the parts of a document: not translated, only approximate, or a warning.

Messages stay translatable until they are shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

UNTRANSLATED = "untranslated"
APPROXIMATE = "approximate"
WARNING = "warning"
# Excerpts of untranslated parts are shown, so they are kept short.
NOTE_EXCERPT_CHARS = 160


@dataclass(frozen=True)
class NoteMessage:
    """A gettext_lazy template and its parameters; formatted in the language active when
    it is turned into text."""

    template: str | Promise
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        text = str(self.template)
        if not self.params:
            return text
        return text % {name: str(value) for name, value in self.params.items()}


@dataclass(frozen=True)
class Note:
    line: int
    end_line: int
    kind: str
    message: NoteMessage
    excerpt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "end_line": self.end_line,
            "kind": self.kind,
            "message": str(self.message),
            "excerpt": self.excerpt,
        }


def excerpt(text: str) -> str:
    """The first line of `text`, shortened for a report."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= NOTE_EXCERPT_CHARS else first[: NOTE_EXCERPT_CHARS - 1] + "…"

"""Status marks of readiness documents: ✅ ⚠️ ❌ 🔄 and task-list boxes [x] / [ ]."""

from __future__ import annotations

import re

PASS = "pass"
WARN = "warn"
FAIL = "fail"
# An unchecked box "[ ]": "not done" only in a list the document says it went through.
UNCHECKED = "[ ]"

# Decisions: an unchecked box "[ ]" claims the item is not met (fail), as does work still
# in progress (🔄 ⏳): a readiness checklist only credits what is done.
_STATUS = {
    "✅": PASS,
    "✔": PASS,
    "✓": PASS,
    "☑": PASS,
    "🟢": PASS,
    "[x]": PASS,
    "[X]": PASS,
    "⚠": WARN,
    "🟠": WARN,
    "🟡": WARN,
    "❌": FAIL,
    "✗": FAIL,
    "✘": FAIL,
    "❎": FAIL,
    "⛔": FAIL,
    "🔴": FAIL,
    "🚫": FAIL,
    "[ ]": FAIL,
    "🔄": FAIL,
    "⏳": FAIL,
}
_MARK = "|".join(re.escape(mark) for mark in sorted(_STATUS, key=len, reverse=True))
_LEADING = re.compile(rf"^\s*({_MARK})\ufe0f?\s*")
_TRAILING = re.compile(rf"\s*({_MARK})\ufe0f?\s*$")
_ANY = re.compile(rf"({_MARK})\ufe0f?")


def status_of_mark(mark: str) -> str:
    return _STATUS[mark]


def strip_mark(text: str) -> tuple[str | None, str]:
    """The mark that starts `text` (without its variation selector) and the rest."""
    found = _LEADING.match(text)
    if not found:
        return None, text
    return found.group(1), text[found.end() :]


def strip_trailing_mark(text: str) -> tuple[str | None, str]:
    found = _TRAILING.search(text)
    if not found or found.start() == 0:
        return None, text
    return found.group(1), text[: found.start()]


def first_mark(text: str) -> str | None:
    found = _ANY.search(text)
    return found.group(1) if found else None

"""Dates, "Label : value" pairs and one-line names: what every reader of a document needs.

Dates are read as 2026-02-16, 16/02/2026, 16 février 2026 or February 16, 2026."""

from __future__ import annotations

import datetime as dt
import re

from readiness.importer._markdown import fold, strip_symbols

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DMY_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_WORD_DATE = re.compile(r"(?<!\d)(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})(?!\d)")
_ENGLISH_DATE = re.compile(r"\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")


def find_date(text: str) -> dt.date | None:
    """The first date written in `text`: 2026-02-16, 16/02/2026, 16 février 2026, February
    16, 2026."""
    folded = fold(text)
    candidates: list[tuple[int, dt.date]] = []
    for found in ISO_DATE.finditer(folded):
        candidates.append((found.start(), _date(found.group(1), found.group(2), found.group(3))))
    for found in _DMY_DATE.finditer(folded):
        candidates.append((found.start(), _date(found.group(3), found.group(2), found.group(1))))
    for found in _WORD_DATE.finditer(folded):
        month = _MONTHS.get(found.group(2))
        if month:
            candidates.append((found.start(), _date(found.group(3), month, found.group(1))))
    for found in _ENGLISH_DATE.finditer(folded):
        month = _MONTHS.get(found.group(1))
        if month:
            candidates.append((found.start(), _date(found.group(3), month, found.group(2))))
    valid = sorted((pos, date) for pos, date in candidates if date is not None)
    return valid[0][1] if valid else None


def _date(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def split_label(text: str) -> tuple[str | None, str]:
    """ "Date : 2026-02-16" → ("Date", "2026-02-16"); (None, text) without a label."""
    found = re.match(r"^([^:：]{1,40}?)\s*[:：]\s*(.*)$", text)
    if not found:
        return None, text
    return strip_symbols(found.group(1)).strip(), found.group(2).strip()


def one_line(text: str, limit: int) -> str:
    """`text` on one line, one space between words, clipped to `limit` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"

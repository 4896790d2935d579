"""Dates, "Label : value" pairs and one-line names: what every reader of a document needs.

Dates are read as 2026-02-16, 2026/02/16, 2026年2月16日, 16/02/2026 (day first unless the
document is English), 16 février 2026, 11 de Novembro de 2025 or February 16, 2026."""

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
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_YMD_DATE = re.compile(r"(?<![\d/.])(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?![\d/.])")
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DMY_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![\d/.])")
_WORD_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|o|º)?\s+(?:de\s+)?([a-z]+)\.?,?\s+(?:de\s+)?(\d{4})(?!\d)"
)
_ENGLISH_DATE = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# A field left to fill in: "_____", "____-__-__", "__/__/____", "…", "TBD".
BLANK_FIELD = re.compile(
    r"^\s*(?=.*[_…])[\s_./\-–—…:|]+$|^(?:tbd|tbc|a definir|a preencher|por definir|待填写)$"
)


def find_date(text: str, *, month_first: bool = False) -> dt.date | None:
    """The first date written in `text`: 2026-02-16, 2026/02/16, 2026年2月16日,
    16/02/2026 (02/16/2026 with `month_first`, for English documents, when both readings
    are possible), 16 février 2026, 11 de Novembro de 2025, February 16, 2026."""
    folded = fold(text)
    candidates: list[tuple[int, dt.date | None]] = []
    for found in ISO_DATE.finditer(folded):
        candidates.append((found.start(), _date(found.group(1), found.group(2), found.group(3))))
    for pattern in (_YMD_DATE, _CJK_DATE):
        for found in pattern.finditer(folded):
            candidates.append(
                (found.start(), _date(found.group(1), found.group(2), found.group(3)))
            )
    for found in _DMY_DATE.finditer(folded):
        first, second = int(found.group(1)), int(found.group(3))
        if month_first and first <= 12 and second <= 31:
            first, second = second, first
        elif second > 12 and first <= 12:
            first, second = second, first  # 11/17/2025 can only be month first
        candidates.append((found.start(), _date(found.group(4), second, first)))
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

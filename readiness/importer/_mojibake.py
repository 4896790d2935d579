"""Exact repair of mojibake: UTF-8 text read with a single-byte code page, saved again.

The code page is Mac Roman, Windows-1252 or Latin-1, so that "✅" became "‚úÖ" (Mac
Roman) or "âœ…" (Windows-1252).

The repair is exact or nothing. Every character of the text must map back to one byte of
the code page, and the bytes must form valid UTF-8; then those bytes are the original. One
character that does not fit (a real "é" typed later, an emoji) and the text is left
exactly as it was: a general-purpose fixer guesses per fragment and alters legitimate
characters, which the importer cannot afford. Clean text essentially never passes this
test, because its accented letters are not valid UTF-8 lead or continuation bytes in the
right places ("é" alone is 0x8E in Mac Roman, 0xE9 in Latin-1, neither valid on its own).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAC_ROMAN = "mac-roman"
WINDOWS_1252 = "windows-1252"
LATIN_1 = "latin-1"
ENCODINGS = (MAC_ROMAN, WINDOWS_1252, LATIN_1)
# A text mangled twice ("Ã©" read again) needs two rounds; more than three is not a text.
MAX_ROUNDS = 3


def _table(codec: str, aliases: dict[str, int]) -> dict[int, int]:
    """Code point → byte for the code page's upper half (ASCII maps to itself)."""
    table: dict[int, int] = {}
    for byte in range(0x80, 0x100):
        try:
            table[ord(bytes([byte]).decode(codec))] = byte
        except UnicodeDecodeError:
            # Bytes the code page leaves undefined come through as the C1 control of the
            # same number (what Windows and most converters do).
            table[byte] = byte
    for char, byte in aliases.items():
        table.setdefault(ord(char), byte)
    return table


_TABLES: dict[str, dict[int, int]] = {
    # Older and newer Apple tables differ on a few characters; accept both spellings.
    MAC_ROMAN: _table(
        "mac_roman", {"\u2126": 0xBD, "\u0394": 0xC6, "\u00a4": 0xDB, "\u03bc": 0xB5}
    ),
    WINDOWS_1252: _table("cp1252", {}),
    LATIN_1: {code: code for code in range(0x80, 0x100)},
}

# What common characters ("é", "’", "✅", …) look like after each mangling; used only to
# warn that a text looks mangled but could not be repaired exactly.
_COMMON = "éèàêçôûîÉÈÀÇ’‘“”–—…•→✅⚠❌"


def _mangled_forms() -> re.Pattern[str]:
    forms = set()
    for char in _COMMON:
        data = char.encode("utf-8")
        for codec in ("mac_roman", "cp1252", "latin-1"):
            try:
                forms.add(data.decode(codec))
            except UnicodeDecodeError:
                continue
    return re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)))


_SUSPICIOUS = _mangled_forms()


@dataclass(frozen=True)
class Repair:
    """The text after repair. `encoding` names the code page the UTF-8 had been read
    with (None when nothing was repaired); `rounds` counts the layers removed."""

    text: str
    encoding: str | None = None
    rounds: int = 0
    suspicious: bool = False

    @property
    def repaired(self) -> bool:
        return self.rounds > 0


def _undo(text: str, encoding: str) -> str | None:
    """The text whose UTF-8 bytes, read with `encoding`, give `text`; None if there is none."""
    table = _TABLES[encoding]
    data = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x80:
            data.append(code)
            continue
        byte = table.get(code)
        if byte is None:
            return None
        data.append(byte)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _oddities(text: str) -> int:
    """How many characters real text rarely holds: controls, private-use or unassigned
    code points, and combining marks (NFC text composes them into their letter)."""
    count = 0
    for char in text:
        if char < "\x80" or char in "\ufe0f\u200d":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cn", "Cs", "Mn"):
            count += 1
    return count


def _repair_once(text: str) -> tuple[str, str] | None:
    if text.isascii():
        return None
    candidates = []
    for order, encoding in enumerate(ENCODINGS):
        undone = _undo(text, encoding)
        if undone is not None and undone != text:
            candidates.append((_oddities(undone), len(undone), order, undone, encoding))
    if not candidates:
        return None
    # Several code pages may fit (e.g. "Ã©" is also valid UTF-8 via Mac Roman, giving a
    # stray combining mark): keep the most plausible text, then the shortest one.
    _, _, _, undone, encoding = min(candidates)
    return undone, encoding


def repair_mojibake(text: str) -> Repair:
    """`text` with every layer of UTF-8-read-as-code-page mojibake removed exactly, or
    unchanged. A leading byte order mark is kept out of the way and dropped."""
    text = text.removeprefix("\ufeff")
    encoding: str | None = None
    rounds = 0
    while rounds < MAX_ROUNDS:
        found = _repair_once(text)
        if found is None:
            break
        text, layer = found
        text = text.removeprefix("\ufeff")
        encoding = encoding or layer
        rounds += 1
    return Repair(
        text=text,
        encoding=encoding,
        rounds=rounds,
        suspicious=rounds == 0 and bool(_SUSPICIOUS.search(text)),
    )

"""A document's bytes → its text, or DocumentError when they are no text to import.

The encoding found (UTF-8, UTF-16, Windows-1252), newlines normalised, mojibake repaired;
empty, binary, oversized and undecodable input refused."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from readiness.importer._mojibake import (
    LATIN_1,
    MAC_ROMAN,
    WINDOWS_1252,
    Repair,
    repair_mojibake,
)
from readiness.importer._plan import DocumentError

BINARY_SNIFF_BYTES = 8192
ENCODING_NAMES = {MAC_ROMAN: "Mac Roman", WINDOWS_1252: "Windows-1252", LATIN_1: "Latin-1"}


def max_document_bytes() -> int:
    return settings.READINESS_MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class SourceText:
    text: str
    repair: Repair
    crlf: bool
    legacy_encoding: str | None


def decode_document(data: bytes | str) -> SourceText:
    """The document's text, newlines normalised and mojibake repaired. Raises
    DocumentError for an empty, binary, oversized or undecodable input."""
    limit = max_document_bytes()
    legacy = None
    if isinstance(data, bytes):
        if len(data) > limit:
            raise DocumentError(
                str(_("The file is larger than the %(limit)s MB limit.") % {"limit": _mb(limit)})
            )
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                raise DocumentError(str(_("The file is not valid UTF-16 text."))) from None
        else:
            if b"\x00" in data[:BINARY_SNIFF_BYTES]:
                raise DocumentError(str(_("The file is binary, not a Markdown document.")))
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                try:
                    text = data.decode("cp1252")
                    legacy = "windows-1252"
                except UnicodeDecodeError:
                    line = data.count(b"\n", 0, exc.start) + 1
                    raise DocumentError(
                        str(
                            _("The file is not UTF-8 text (byte 0x%(byte)02x on line %(line)s).")
                            % {"byte": data[exc.start], "line": line}
                        ),
                        line=line,
                    ) from None
    else:
        text = data
        if len(text) > limit:
            raise DocumentError(
                str(_("The file is larger than the %(limit)s MB limit.") % {"limit": _mb(limit)})
            )
    if "\x00" in text[:BINARY_SNIFF_BYTES] or _mostly_controls(text):
        raise DocumentError(str(_("The file is binary, not a Markdown document.")))
    if not text.strip("\ufeff \t\r\n\x0b\x0c"):
        raise DocumentError(str(_("The file is empty.")))
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    repair = repair_mojibake(text)
    return SourceText(repair.text, repair, crlf, legacy)


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def _mostly_controls(text: str) -> bool:
    sample = text[:BINARY_SNIFF_BYTES]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\x0c\x0b\x1b")
    return controls > max(8, len(sample) // 100)

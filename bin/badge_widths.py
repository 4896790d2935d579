"""Writes readiness/badge_widths.py: the advance width of each character at 11px in DejaVu
Sans, the font badges fall back to where Verdana is missing (their metrics are close), so
that a badge's boxes fit their text the way shields.io's do.

    python3 bin/badge_widths.py [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]

Reads the font's own tables (head, hhea, hmtx, cmap format 4) with the standard library:
Debian's fonts-dejavu-core has the file."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OUT = Path(__file__).resolve().parent.parent / "readiness" / "badge_widths.py"
SIZE_PX = 11
# Printable ASCII, Latin-1 and Latin Extended-A: level names and French words.
RANGES = [(0x20, 0x7E), (0xA0, 0x17F), (0x2014, 0x2014), (0x2026, 0x2026)]


def tables(data: bytes) -> dict[str, bytes]:
    count = struct.unpack(">H", data[4:6])[0]
    found = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack(
            ">4sIII", data[12 + 16 * index : 28 + 16 * index]
        )
        found[tag.decode()] = data[offset : offset + length]
    return found


def cmap_format4(cmap: bytes) -> dict[int, int]:
    """Code point -> glyph id, from the Unicode BMP subtable."""
    count = struct.unpack(">H", cmap[2:4])[0]
    for index in range(count):
        platform, encoding, offset = struct.unpack(">HHI", cmap[4 + 8 * index : 12 + 8 * index])
        if (platform, encoding) in ((3, 1), (0, 3)) and struct.unpack(
            ">H", cmap[offset : offset + 2]
        )[0] == 4:
            break
    else:
        raise SystemExit("no format 4 Unicode cmap in the font")
    table = cmap[offset:]
    segments = struct.unpack(">H", table[6:8])[0] // 2
    ends = struct.unpack(f">{segments}H", table[14 : 14 + 2 * segments])
    at = 16 + 2 * segments
    starts = struct.unpack(f">{segments}H", table[at : at + 2 * segments])
    deltas = struct.unpack(f">{segments}h", table[at + 2 * segments : at + 4 * segments])
    range_at = at + 4 * segments
    offsets = struct.unpack(f">{segments}H", table[range_at : range_at + 2 * segments])
    glyphs = {}
    for seg in range(segments):
        for code in range(starts[seg], ends[seg] + 1):
            if code == 0xFFFF:
                continue
            if offsets[seg] == 0:
                glyph = (code + deltas[seg]) & 0xFFFF
            else:
                where = range_at + 2 * seg + offsets[seg] + 2 * (code - starts[seg])
                glyph = struct.unpack(">H", table[where : where + 2])[0]
                glyph = (glyph + deltas[seg]) & 0xFFFF if glyph else 0
            glyphs[code] = glyph
    return glyphs


def main() -> None:
    font = Path(sys.argv[1]) if len(sys.argv) > 1 else FONT
    found = tables(font.read_bytes())
    units = struct.unpack(">H", found["head"][18:20])[0]
    metrics = struct.unpack(">H", found["hhea"][34:36])[0]
    advances = [struct.unpack(">H", found["hmtx"][4 * i : 4 * i + 2])[0] for i in range(metrics)]
    glyphs = cmap_format4(found["cmap"])
    widths = {}
    for first, last in RANGES:
        for code in range(first, last + 1):
            glyph = glyphs.get(code)
            if glyph:
                advance = advances[min(glyph, metrics - 1)]
                widths[code] = round(advance * SIZE_PX / units, 3)
    rows = "\n".join(
        f"    {code:#06x}: {width},  # {chr(code)!r}" for code, width in widths.items()
    )
    OUT.write_text(
        '"""The width in pixels of each character at 11px in DejaVu Sans (the badges\' fallback\n'
        "for Verdana, with close metrics).\n\n"
        f'Written by bin/badge_widths.py from {font.name}: do not edit."""\n\n'
        f"FONT_SIZE_PX = {SIZE_PX}\n"
        f"WIDTHS: dict[int, float] = {{\n{rows}\n}}\n"
    )
    print(f"{OUT}: {len(widths)} characters")


if __name__ == "__main__":
    main()

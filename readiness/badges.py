"""Badges: a label and a message drawn as a shields.io "flat" SVG, or written as shields.io's
endpoint JSON. Numbers and words in, text out: what a badge says is decided by
readiness/selectors/badges.py."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from enum import Enum

from readiness.badge_widths import WIDTHS

# Each box has this much room left and right of its text, as shields.io's badges do.
PADDING_PX = 5
HEIGHT_PX = 20
# A character missing from the table is counted as wide as "m": the box may be a little
# too wide, never too narrow.
_FALLBACK_WIDTH = WIDTHS[ord("m")]


class Color(Enum):
    """Shields.io's named colours, with the hex value the SVG draws."""

    BRIGHTGREEN = ("brightgreen", "#4c1")
    ORANGE = ("orange", "#fe7d37")
    RED = ("red", "#e05d44")
    LIGHTGREY = ("lightgrey", "#9f9f9f")

    @property
    def shields_name(self) -> str:
        return self.value[0]

    @property
    def hex(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    color: Color


def text_width(text: str) -> float:
    """The width in pixels of `text` at 11px (Verdana's metrics, through DejaVu Sans)."""
    return sum(WIDTHS.get(ord(char), _FALLBACK_WIDTH) for char in text)


def badge_svg(badge: Badge) -> str:
    """The badge as a shields.io "flat" SVG: a dark label box and a coloured message box,
    each as wide as its text plus padding. Text is drawn at ten times its size and scaled
    down (as shields.io does) so that `textLength`, which fits the text to the width
    computed here whatever font the viewer has, keeps a tenth of a pixel's precision."""
    label_text = round(text_width(badge.label))
    message_text = round(text_width(badge.message))
    label_box = label_text + 2 * PADDING_PX
    message_box = message_text + 2 * PADDING_PX
    width = label_box + message_box
    label, message = html.escape(badge.label), html.escape(badge.message)
    title = f"{label}: {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT_PX}" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT_PX}" rx="3" fill="#fff"/>'
        "</clipPath>"
        '<g clip-path="url(#r)">'
        f'<rect width="{label_box}" height="{HEIGHT_PX}" fill="#555"/>'
        f'<rect x="{label_box}" width="{message_box}" height="{HEIGHT_PX}" '
        f'fill="{badge.color.hex}"/>'
        f'<rect width="{width}" height="{HEIGHT_PX}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="110">'
        f"{_text(label, x=label_box / 2, length=label_text)}"
        f"{_text(message, x=label_box + message_box / 2, length=message_text)}"
        "</g></svg>"
    )


def _text(escaped: str, *, x: float, length: int) -> str:
    """A text and its shadow, centred on `x` (in pixels; drawn at ten times the scale)."""
    centre = round(x * 10)
    fit = f'transform="scale(.1)" textLength="{length * 10}"'
    return (
        f'<text aria-hidden="true" x="{centre}" y="150" fill="#010101" fill-opacity=".3" {fit}>'
        f"{escaped}</text>"
        f'<text x="{centre}" y="140" {fit}>{escaped}</text>'
    )


def badge_endpoint(badge: Badge, *, cache_seconds: int) -> dict[str, object]:
    """The badge in shields.io's endpoint format (https://shields.io/badges/endpoint-badge)."""
    return {
        "schemaVersion": 1,
        "label": badge.label,
        "message": badge.message,
        "color": badge.color.shields_name,
        "cacheSeconds": cache_seconds,
    }


def etag(body: bytes) -> str:
    """A strong ETag for a response body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

"""Numbers for people: scores, coverage and signed changes in the active language ("9.8/10"
in English, "9,8/10" in French), the same on the command line, in reports and on pages."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _


def format_decimal(value: float, places: int = 1) -> str:
    """`value` with `places` decimals and the active language's decimal separator: 9.8 in
    English, 9,8 in French. Rounded by the f-string, not by Django's number_format (which
    cuts a float's decimals off: 7.96 would read 7.9), so every screen rounds alike."""
    return f"{value:.{places}f}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def format_score(score: float | None, *, digits: int = 1) -> str:
    """`9.4/10` (`9,4/10` in French), or a dash when there is no score."""
    if score is None:
        return _("—/10")
    return _("%(score)s/10") % {"score": format_decimal(score, digits)}


def format_coverage(coverage: float | None) -> str:
    """`92% measured`; the percentage is floored so that 99.6% never shows as 100%."""
    if coverage is None:
        return _("nothing measured")
    return _("%(percent)s%% measured") % {"percent": int(coverage * 100 + 1e-9)}


def score_line(score: float | None, coverage: float | None) -> str:
    """`9.4/10 · 92% measured`: a score is never shown without its coverage."""
    return _("%(score)s · %(coverage)s") % {
        "score": format_score(score),
        "coverage": format_coverage(coverage),
    }


def format_signed(amount: float | None, places: int = 1) -> str:
    """+0.3 / −0.25: a change with its sign; exact amounts keep up to `places` decimals."""
    if amount is None:
        return "—"
    rounded = round(amount, places)
    if rounded == 0:
        return format_decimal(0.0, places) if amount == 0 else ("+" if amount > 0 else "−") + "0"
    text = format_decimal(abs(rounded), places)
    return ("+" if rounded > 0 else "−") + text

"""Reports as terminal text: the `assess` command's document as a table aligned in
terminal columns (wide characters and emoji count two), then the category scores, the
score with its coverage, and the verdict with its reasons."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from readiness.formatting import format_score, score_line
from readiness.verdicts import (
    AWAITING_ICON,
    STATUS_ICONS,
    awaiting,
    reasons_text,
    status_word,
    verdict_phrase,
)

DETAILS_WIDTH = 90


def display_width(text: str) -> int:
    """Terminal columns of `text`: wide characters and emoji presentations take two."""
    width = 0
    for index, char in enumerate(text):
        if char == "\ufe0f" or unicodedata.combining(char):
            continue
        wide = unicodedata.east_asian_width(char) in "WF"
        emoji = index + 1 < len(text) and text[index + 1] == "\ufe0f"
        width += 2 if wide or emoji else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _result_cell(check: Mapping[str, Any]) -> str:
    found = awaiting(check["status"], check.get("details"))
    if found is not None:
        return f"{AWAITING_ICON} {found.text()}"
    return f"{STATUS_ICONS.get(check['status'], ' ')} {status_word(check['status'])}"


def assessment_text(report: Mapping[str, Any]) -> str:
    """An `assess` document (`reports.assessments`) for the terminal: a table like the
    summary table of a hand-written readiness document, then the category scores, the
    final score with its coverage, and the verdict with its reasons."""
    header = [_("Check"), _("Result"), _("Details")]
    rows = [
        [
            check["name"] or check["key"],
            _result_cell(check),
            _clip(check["summary"] or "", DETAILS_WIDTH).replace("|", "\\|"),
        ]
        for check in report["checks"]
    ]
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [report["name"]]
    if report.get("revision"):
        lines[0] += " · " + report["revision"][:12]
    lines.append("")
    lines.append("| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
    lines.append("")
    lines.append(_("Categories"))
    name_width = max((display_width(c["name"]) for c in report["categories"]), default=0)
    for category in report["categories"]:
        line = score_line(category["score"], category["coverage"])
        lines.append(f"  {_pad(category['name'], name_width)}  {line}")
    lines.append("")
    lines.append(_("Score: %(line)s") % {"line": score_line(report["score"], report["coverage"])})
    verdict = verdict_phrase(report["verdict"] or "", report.get("reasons"))
    lines.append(
        _("Verdict: %(verdict)s (ready at %(ready_at)s)")
        % {"verdict": verdict, "ready_at": format_score(report["ready_at"])}
    )
    lines.extend(f"  - {sentence}" for sentence in reasons_text(report.get("reasons") or []))
    if report.get("levels"):
        lines.append(_("Level: %(level)s") % {"level": report.get("level") or _("none")})
    return "\n".join(lines)

"""The import report's numbers, built from the importer's plan and, once saved, the save's
summary: what a document became (counts per kind, created or already there), its history
points, and every part that was approximated or not translated, by line. Text follows the
active language (wrap calls in translation.override)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from readiness.formatting import format_score
from readiness.importer import (
    APPROXIMATE,
    ENCODING_NAMES,
    UNTRANSLATED,
    WARNING,
    ImportResult,
)
from readiness.services.imports import ImportSummary, too_old_marks
from readiness.verdicts import verdict_label

# The counts of a report, in the order they are shown.
COUNT_KEYS = (
    "categories",
    "automated_checks",
    "manual_checks",
    "attestations",
    "too_old_marks",
    "history_points",
    "category_scores",
    "action_items",
    "done_items",
)


def count_label(key: str) -> str:
    return {
        "categories": _("Categories"),
        "automated_checks": _("Automated checks"),
        "manual_checks": _("Manual checks"),
        "attestations": _("Attestations from the document's marks"),
        "too_old_marks": _(
            "Marks already expired (older than their check's validity): kept as the "
            "document's claims at its date, not as attestations"
        ),
        "history_points": _("History points (claimed by the document)"),
        "category_scores": _("Per-category scores"),
        "action_items": _("Open action items"),
        "done_items": _("Done action items"),
    }[key]


def kind_label(kind: str) -> str:
    return {
        UNTRANSLATED: _("not translated"),
        APPROXIMATE: _("approximate"),
        WARNING: _("warning"),
    }[kind]


def import_report_data(
    result: ImportResult, summary: ImportSummary | None = None, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the report shows, as plain data (text in the active language). A mark
    counts as an attestation only if it has not expired at `now` (default: now)."""
    counts = result.counts()
    too_old = too_old_marks(result=result, now=now or timezone.now())
    counts["attestations"] -= too_old
    counts["too_old_marks"] = too_old
    by_type = result.checks_by_type()
    rows = []
    for key in COUNT_KEYS:
        row: dict[str, Any] = {"key": key, "label": count_label(key), "found": counts[key]}
        if summary is not None:
            if key in ("categories", "automated_checks", "manual_checks"):
                row["created"] = counts[key] if summary.version_created else 0
                row["kept"] = 0 if summary.version_created else counts[key]
            else:
                row["created"] = summary.count(key)
                row["kept"] = summary.count(key, kept=True)
        rows.append(row)
    return {
        "source": result.source_name,
        "title": result.title,
        "date": result.date.isoformat() if result.date else None,
        "author": result.author,
        "attested_by": result.attested_by,
        "repaired_from": ENCODING_NAMES.get(result.repair.encoding or ""),
        "crlf": result.crlf,
        "counts": rows,
        "check_types": by_type,
        "disabled_commands": sum(
            1
            for spec in (result.checklist.all_checks() if result.checklist else ())
            # Only command checks can be disabled.
            if spec.options.get("enabled") is False
        ),
        "points": [
            {
                "date": point.date.isoformat(),
                "score": point.score,
                "score_text": format_score(point.score),
                "verdict": point.verdict,
                "verdict_text": verdict_label(point.verdict) if point.verdict else "",
                "line": point.line,
                "categories": [
                    {"key": c.key, "name": c.name, "score": c.score, "line": c.line}
                    for c in point.categories
                ],
                "improvements": [
                    {"text": i.text, "delta": i.delta, "line": i.line} for i in point.improvements
                ],
            }
            for point in result.points
        ],
        "other_scores": [
            {
                "date": other.date.isoformat() if other.date else None,
                "category": other.category,
                "label": other.label,
                "score": other.score,
                "score_text": format_score(other.score),
                "kept": other.kept,
                "kept_text": format_score(other.kept) if other.kept is not None else "",
                "line": other.line,
            }
            for other in result.other_scores
        ],
        "levels": list(result.levels),
        "date_source": result.date_source,
        "template": result.template,
        "notes": [{**note.as_dict(), "kind_label": kind_label(note.kind)} for note in result.notes],
        "saved": summary is not None,
        "project": summary.project.slug if summary else None,
        "version": summary.version.number if summary else None,
        "merged": summary.merged if summary else None,
    }

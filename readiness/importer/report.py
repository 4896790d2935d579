"""The import report: what a document became (counts per kind, created or already there),
its history points, and every part that was approximated or not translated, by line.
Rendered in the active language (wrap calls in translation.override)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from readiness.importer.document import ENCODING_NAMES, ImportResult
from readiness.importer.notes import APPROXIMATE, UNTRANSLATED, WARNING
from readiness.reports import score_text
from readiness.services.imports import ImportSummary
from readiness.verdicts import verdict_label

# The counts of a report, in the order they are shown.
COUNT_KEYS = (
    "categories",
    "automated_checks",
    "manual_checks",
    "attestations",
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


def report_data(result: ImportResult, summary: ImportSummary | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (text in the active language)."""
    counts = result.counts()
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
            if spec.type == "command" and spec.options.get("enabled") is False
        ),
        "points": [
            {
                "date": point.date.isoformat(),
                "score": point.score,
                "score_text": score_text(point.score),
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
        "notes": [{**note.as_dict(), "kind_label": kind_label(note.kind)} for note in result.notes],
        "saved": summary is not None,
        "project": summary.project.slug if summary else None,
        "version": summary.version.number if summary else None,
    }


def _lines(note: dict[str, Any]) -> str:
    if note["line"] == note["end_line"]:
        return _("line %(line)s") % {"line": note["line"]}
    return _("lines %(first)s–%(last)s") % {"first": note["line"], "last": note["end_line"]}


def render_import_report(
    result: ImportResult, summary: ImportSummary | None = None, *, fmt: str = "markdown"
) -> str:
    """The report as Markdown (also what the command line prints) or JSON."""
    data = report_data(result, summary)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    out = ["# " + _("Import report: %(name)s") % {"name": data["source"]}, ""]
    fields: list[tuple[str, str]] = []
    if data["title"]:
        fields.append((_("Document"), data["title"]))
    fields.append((_("Date"), data["date"] or _("not given")))
    fields.append(
        (
            _("Author"),
            data["author"]
            or _("not given; attestations are signed %(name)s") % {"name": data["attested_by"]},
        )
    )
    if data["repaired_from"]:
        fields.append(
            (
                _("Encoding"),
                _("UTF-8 read as %(encoding)s, repaired exactly")
                % {"encoding": data["repaired_from"]},
            )
        )
    if data["crlf"]:
        fields.append((_("Line endings"), "CRLF"))
    if summary is not None:
        fields.append(
            (
                _("Saved to project"),
                f"{data['project']} · "
                + _("checklist version %(number)s") % {"number": data["version"]},
            )
        )
    out += ["- " + _("%(label)s: %(value)s") % {"label": k, "value": v} for k, v in fields]
    out += ["", "## " + _("What the document became"), ""]
    if summary is None:
        out += [_row(_("Item"), _("Count")), "|---|---:|"]
        out += [_row(row["label"], row["found"]) for row in data["counts"]]
    else:
        out += [
            _row(_("Item"), _("In the document"), _("Created"), _("Already there")),
            "|---|---:|---:|---:|",
        ]
        out += [
            _row(row["label"], row["found"], row["created"], row["kept"]) for row in data["counts"]
        ]
    types = ", ".join(f"{name} {count}" for name, count in sorted(data["check_types"].items()))
    if types:
        out += ["", _("Checks by type: %(types)s") % {"types": types}]
    if data["disabled_commands"]:
        out.append(
            _(
                "%(count)s command checks are disabled until someone enables them "
                "(`enabled: true`) where commands may run."
            )
            % {"count": data["disabled_commands"]}
        )
    if data["points"]:
        out += ["", "## " + _("History points claimed by the document"), ""]
        for point in data["points"]:
            line = f"- {point['date']}: {point['score_text']}"
            if point["verdict_text"]:
                line += f" · {point['verdict_text']}"
            line += f" ({_line(point['line'])})"
            out.append(line)
            for category in point["categories"]:
                out.append(
                    f"  - {category['name']} ({category['key']}): {score_text(category['score'])}"
                )
            for improvement in point["improvements"]:
                out.append(f"  - {improvement['text']}")
    for kind, title in (
        (WARNING, _("Warnings")),
        (APPROXIMATE, _("Approximate translations")),
        (UNTRANSLATED, _("Not translated")),
    ):
        notes = [note for note in data["notes"] if note["kind"] == kind]
        if not notes:
            continue
        out += ["", f"## {title} ({len(notes)})", ""]
        for note in notes:
            text = f"- {_lines(note)}: {note['message']}"
            if note["excerpt"]:
                quoted = note["excerpt"].replace("`", "'")
                text += f" — `{quoted}`"
            out.append(text)
    return "\n".join(out) + "\n"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _line(line: int) -> str:
    return _("line %(line)s") % {"line": line}

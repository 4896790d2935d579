"""Reports as Markdown: the project's readiness report and the import report. Text follows
the active language (wrap calls in translation.override)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from readiness.formatting import format_coverage, format_decimal, format_score, format_signed
from readiness.importer import APPROXIMATE, UNTRANSLATED, WARNING
from readiness.reports.project import ImprovementLine, Report, change_kind
from readiness.verdicts import (
    AWAITING_ICON,
    STATUS_ICONS,
    reasons_text,
    status_word,
    verdict_phrase,
)

DETAILS_CHARS = 160


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _clip(text: str, limit: int = DETAILS_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _level_line(level: str, levels: list[str], target: str) -> str:
    """The achieved level among the checklist's, with the target when one is set."""
    line = _("Level: %(level)s (levels: %(levels)s)") % {
        "level": level or _("none"),
        "levels": " < ".join(levels),
    }
    if target:
        line += " · " + _("target: %(target)s") % {"target": target}
    return line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _status_cell(status: str, awaiting: str = "") -> str:
    if awaiting:
        return f"{AWAITING_ICON} {awaiting}"
    return f"{STATUS_ICONS.get(status, '')} {status_word(status)}".strip()


def _change_text(current: float | None, previous: float | None) -> str:
    if previous is None:
        return "—"
    if current is None:
        return _("was %(previous)s") % {"previous": format_decimal(previous)}
    return _("was %(previous)s (%(change)s)") % {
        "previous": format_decimal(previous),
        "change": format_signed(current - previous),
    }


def report_markdown(report: Report) -> str:
    """The project's readiness report as Markdown, in the documents' five sections."""
    a = report.assessment
    previous = report.previous
    date = a.evaluated_at.date().isoformat()
    title = _("Readiness report")
    out = [f"# {title} · {report.project.name} · {date}", ""]
    kind = _("claimed by document") if a.claimed else _("measured")
    out.append(
        f"{a.checklist.name} · "
        + _("checklist version %(number)s") % {"number": a.checklist.number}
        + f" · {kind}"
        + (f" · `{a.revision[:12]}`" if a.revision else "")
    )

    out += ["", "## 1. " + _("Summary of checks"), ""]
    out += [
        _row(_("Check"), _("Category"), _("Result"), _("Details")),
        "|---|---|---|---|",
    ]
    for check in report.checks:
        out.append(
            f"| {_cell(check.name)} | {_cell(check.category)} "
            f"| {_status_cell(check.status, check.awaiting)} | {_cell(_clip(check.summary))} |"
        )
    counts: dict[str, int] = {}
    awaited = 0
    for check in report.checks:
        if check.awaiting:
            awaited += 1
        else:
            counts[check.status] = counts.get(check.status, 0) + 1
    if counts or awaited:
        totals = [
            f"{STATUS_ICONS.get(status, '')} {status_word(status)}: {count}"
            for status, count in sorted(counts.items())
        ]
        if awaited:
            # Counted apart from errors: these wait on a person, nothing is broken.
            totals.append(f"{AWAITING_ICON} {_('Awaiting attestation')}: {awaited}")
        out += ["", " · ".join(totals)]

    out += ["", "## 2. " + _("Scores per category"), ""]
    out += [
        _row(_("Category"), _("Score"), _("Since previous"), _("Coverage")),
        "|---|---:|---|---|",
    ]
    for category in report.categories:
        out.append(
            f"| {_cell(category.name)} | {format_score(category.score)} "
            f"| {_change_text(category.score, category.previous)} "
            f"| {format_coverage(category.coverage)} |"
        )

    out += ["", "## 3. " + _("Overall score"), ""]
    out.append(f"**{format_score(a.score)}** · {format_coverage(a.coverage)}")
    if previous is not None:
        out.append("")
        previous_kind = _("claimed by document") if previous.claimed else _("measured")
        out.append(
            _("Previous: %(score)s on %(date)s (%(kind)s) · change: %(change)s")
            % {
                "score": format_score(previous.score),
                "date": previous.evaluated_at.date().isoformat(),
                "kind": previous_kind,
                "change": format_signed(report.change, 2),
            }
        )
    else:
        out += ["", _("No previous assessment.")]
    out += [
        "",
        _("Verdict: %(verdict)s") % {"verdict": verdict_phrase(a.verdict or "", a.verdict_reasons)},
    ]
    for reason in reasons_text(a.verdict_reasons):
        out.append(f"- {reason}")
    if a.checklist.levels:
        out += ["", _level_line(a.level, a.checklist.levels, report.project.target_level)]
    for entry in a.waived:
        out.append(
            "- "
            + _("Waived: %(check)s until %(until)s (waiver #%(id)s): %(reason)s")
            % {
                "check": entry["check"],
                "until": entry["until"],
                "id": entry["waiver"],
                "reason": _cell(entry["reason"]),
            }
            + (
                " " + _("(for every project extending %(base)s)") % {"base": entry["base"]}
                if entry.get("base")
                else ""
            )
        )

    out += ["", "## 4. " + _("Changes since the previous assessment"), ""]
    if previous is None:
        out.append(_("Nothing to compare with."))
    elif not (report.improvements or report.regressions or report.other_changes) and not (
        report.residual or report.claim_gap
    ):
        out.append(_("No check changed status."))
    else:
        for title, lines, empty in (
            (_("Improvements"), report.improvements, _("No check improved.")),
            (_("Regressions"), report.regressions, _("No check regressed.")),
        ):
            out += ["### " + title, ""]
            out += [_change_line(item) for item in lines] or [empty]
            out.append("")
        others = [_change_line(item) for item in report.other_changes]
        if report.residual:
            others.append(
                "- "
                + _("Checklist changes (weights, categories): %(amount)s")
                % {"amount": format_signed(report.residual, 3)}
            )
        if report.claim_gap:
            others.append(
                "- "
                + (
                    _("Claimed score, not explained by the statuses it claims: %(amount)s")
                    if a.claimed or (previous is not None and previous.claimed)
                    else _("Not explained by the checks: %(amount)s")
                )
                % {"amount": format_signed(report.claim_gap, 3)}
            )
        if others:
            out += ["### " + _("Other changes"), "", *others, ""]
        out += [_("Total: %(change)s") % {"change": format_signed(report.change, 3)}]

    out += ["", "## 5. " + _("TODO"), ""]
    if not report.todo:
        out.append(_("No open action item."))
    for index, item in enumerate(report.todo, start=1):
        parts = [f"{index}."]
        if item.priority:
            parts.append(f"**{item.priority}**")
        parts.append(item.title)
        extra = []
        if item.owner:
            extra.append(item.owner)
        if item.due_date:
            extra.append(_("due %(date)s") % {"date": item.due_date.isoformat()})
        line = " ".join(parts)
        if extra:
            line += f" ({', '.join(extra)})"
        out.append(line)
    return "\n".join(out) + "\n"


def _change_line(item: ImprovementLine) -> str:
    icon = {"improvement": "✅", "regression": "❌"}.get(change_kind(item.before, item.after), "•")
    return (
        f"- {icon} {item.name} (`{item.key}`): {status_word(item.before or '—')} → "
        f"{status_word(item.after or '—')} ({format_signed(item.amount, 3)})"
    )


def _lines(note: dict[str, Any]) -> str:
    if note["line"] == note["end_line"]:
        return _("line %(line)s") % {"line": note["line"]}
    return _("lines %(first)s–%(last)s") % {"first": note["line"], "last": note["end_line"]}


def import_report_markdown(data: Mapping[str, Any]) -> str:
    """The import report (`reports.imports.import_report_data`) as Markdown: also what the
    command line prints."""
    out = ["# " + _("Import report: %(name)s") % {"name": data["source"]}, ""]
    fields: list[tuple[str, str]] = []
    if data["title"]:
        fields.append((_("Document"), data["title"]))
    date = data["date"] or _("not given")
    if data.get("date_source") == "file name":
        date = _("%(date)s, from the file name") % {"date": date}
    fields.append((_("Date"), date))
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
    if data["saved"]:
        fields.append(
            (
                _("Saved to project"),
                f"{data['project']} · "
                + _("checklist version %(number)s") % {"number": data["version"]}
                + (
                    " · " + _("the document's new checks merged into the current checklist")
                    if data["merged"]
                    else ""
                ),
            )
        )
    out += ["- " + _("%(label)s: %(value)s") % {"label": k, "value": v} for k, v in fields]
    out += ["", "## " + _("What the document became"), ""]
    if not data["saved"]:
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
                    f"  - {category['name']} ({category['key']}): {format_score(category['score'])}"
                )
            for improvement in point["improvements"]:
                out.append(f"  - {improvement['text']}")
    if data.get("levels"):
        out += [
            "",
            _("Levels (lowest first): %(levels)s") % {"levels": ", ".join(data["levels"])},
        ]
    if data.get("other_scores"):
        out += ["", "## " + _("Other scores in the document (not kept)"), ""]
        for other in data["other_scores"]:
            out.append(f"- {_other_score(other)} ({_line(other['line'])})")
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


def _other_score(other: Mapping[str, Any]) -> str:
    """ "2025-11-17 · Security · Claimed: 9/10 (kept: 8/10)"."""
    parts = [other["date"] or _("no date")]
    if other["category"]:
        parts.append(other["category"])
    score = other["score_text"]
    if other["label"] and other["label"] != other["category"]:
        score = f"{other['label']}: {score}"
    parts.append(score)
    text = " · ".join(parts)
    if other["kept_text"]:
        text += " " + _("(kept: %(score)s)") % {"score": other["kept_text"]}
    return text


def _line(line: int) -> str:
    return _("line %(line)s") % {"line": line}

"""Readiness reports in the shape of the teams' hand-written documents: a summary table
of the checks and their results, the score of each category with its change, the overall
score beside the previous one, the improvements with their exact contributions (from
the engine's delta attribution) and the TODO list of open action items.

Every number comes from stored data: the assessment's results and score rows, the
previous assessment in history, and `readiness.scoring.attribute_change`. Nothing is
typed in. Text follows the active language (wrap calls in translation.override)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    CheckResult,
    Project,
)
from readiness.selectors.assessments import comparison, previous_assessment
from readiness.templatetags.readiness_tags import decimal
from readiness.verdicts import (
    STATUS_ICONS,
    format_coverage,
    format_score,
    reasons_text,
    status_word,
    summary_text,
    verdict_label,
)

FORMATS = ("markdown", "html", "json")
CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}
DETAILS_CHARS = 160
TODO_LIMIT = 200
# Float noise between a stored score and the same score recomputed from its results.
GAP_TOLERANCE = 1e-9


class ReportError(ValueError):
    """No report can be made (no assessment yet, or not one of this project)."""


def score_text(value: float | None) -> str:
    """9.8/10, with the active language's decimal separator, as on the dashboard."""
    if value is None:
        return format_score(None)
    return _("%(score)s/10") % {"score": decimal(value)}


def signed(amount: float | None, places: int = 1) -> str:
    """+0.3 / −0.25: a change with its sign; exact amounts keep up to `places` decimals."""
    if amount is None:
        return "—"
    rounded = round(amount, places)
    if rounded == 0:
        return decimal(0.0, places) if amount == 0 else ("+" if amount > 0 else "−") + "0"
    text = decimal(abs(rounded), places)
    return ("+" if rounded > 0 else "−") + text


@dataclass(frozen=True)
class CheckLine:
    key: str
    name: str
    category: str
    status: str
    summary: str


@dataclass(frozen=True)
class CategoryLine:
    key: str
    name: str
    score: float | None
    coverage: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return self.score - self.previous


@dataclass(frozen=True)
class Improvement:
    key: str
    name: str
    before: str | None
    after: str | None
    amount: float


@dataclass(frozen=True)
class Report:
    project: Project
    assessment: Assessment
    previous: Assessment | None
    checks: list[CheckLine]
    categories: list[CategoryLine]
    improvements: list[Improvement]
    # The attribution's pieces: they and the contributions sum to `change` exactly.
    residual: float
    claim_gap: float  # the part of the change no check explains (a claimed score)
    todo: list[ActionItem]

    @property
    def change(self) -> float | None:
        return _change(self.assessment, self.previous)


def _change(assessment: Assessment, previous: Assessment | None) -> float | None:
    if previous is None or previous.score is None or assessment.score is None:
        return None
    return assessment.score - previous.score


def report_build(*, project: Project, assessment_id: int | None = None) -> Report:
    """The report of one assessment of `project`: the given one, or the latest finished
    measured one (the latest claimed one when nothing was measured yet)."""
    finished = Assessment.objects.filter(project=project, status=AssessmentStatus.DONE)
    if assessment_id is not None:
        assessment = (
            Assessment.objects.filter(project=project, pk=assessment_id)
            .select_related("checklist")
            .first()
        )
        if assessment is None:
            raise ReportError(
                _("Assessment %(id)s is not one of project %(slug)s.")
                % {"id": assessment_id, "slug": project.slug}
            )
    else:
        latest = finished.order_by("-evaluated_at", "-id")
        assessment = (
            latest.filter(claimed=False).select_related("checklist").first()
            or latest.select_related("checklist").first()
        )
        if assessment is None:
            raise ReportError(
                _("Project %(slug)s has no finished assessment yet.") % {"slug": project.slug}
            )
    previous_ref = previous_assessment(assessment=assessment)
    previous = (
        Assessment.objects.select_related("checklist").get(pk=previous_ref.pk)
        if previous_ref
        else None
    )
    results = (
        CheckResult.objects.filter(assessment=assessment)
        .select_related("check_item__category")
        .order_by("check_item__position")
    )
    checks = [
        CheckLine(
            key=r.check_item.key,
            name=r.check_item.name,
            category=r.check_item.category.name,
            status=r.status,
            summary=" ".join(summary_text(r.summary, r.details).split()),
        )
        for r in results
    ]
    before_scores = {c.key: c.score for c in previous.category_scores.all()} if previous else {}
    categories = [
        CategoryLine(
            key=c.key,
            name=c.name,
            score=c.score,
            coverage=c.coverage,
            previous=before_scores.get(c.key),
        )
        for c in assessment.category_scores.order_by("position")
    ]
    improvements: list[Improvement] = []
    residual = claim_gap = 0.0
    if previous is not None:
        compared = comparison(before=previous, after=assessment)
        attribution = compared.attribution
        names = {c.key: c.name for c in compared.contributions}
        improvements = sorted(
            (
                Improvement(
                    key=c.key,
                    name=names.get(c.key, c.key),
                    before=c.before,
                    after=c.after,
                    amount=c.amount,
                )
                for c in attribution.contributions
                if c.amount
            ),
            key=lambda i: (-i.amount, i.key),
        )
        residual = attribution.residual
        change = _change(assessment, previous)
        # A claimed score is the document's word, not a function of the statuses it
        # claims: what the checks do not explain gets its own line, so the lines add up.
        if change is not None:
            gap = change - sum(i.amount for i in improvements) - residual
            claim_gap = gap if abs(gap) > GAP_TOLERANCE else 0.0
    priority_order = Case(
        When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    todo = list(
        ActionItem.objects.filter(project=project, status=ActionItemStatus.OPEN)
        .annotate(no_priority=priority_order)
        .order_by("no_priority", "priority", "due_date", "id")[:TODO_LIMIT]
    )
    return Report(
        project=project,
        assessment=assessment,
        previous=previous,
        checks=checks,
        categories=categories,
        improvements=improvements,
        residual=residual,
        claim_gap=claim_gap,
        todo=todo,
    )


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain data: raw numbers (unrounded) for JSON and the templates."""
    a = report.assessment
    previous = report.previous
    return {
        "project": report.project.slug,
        "project_name": report.project.name,
        "assessment": a.pk,
        "date": a.evaluated_at.isoformat(),
        "claimed": a.claimed,
        "checklist": a.checklist.name,
        "checklist_version": a.checklist.number,
        "revision": a.revision or None,
        "score": a.score,
        "coverage": a.coverage,
        "verdict": a.verdict or None,
        "reasons": reasons_text(a.verdict_reasons),
        "previous": (
            {
                "assessment": previous.pk,
                "date": previous.evaluated_at.isoformat(),
                "score": previous.score,
                "claimed": previous.claimed,
            }
            if previous
            else None
        ),
        "change": report.change,
        "checks": [
            {
                "key": c.key,
                "name": c.name,
                "category": c.category,
                "status": c.status,
                "summary": c.summary,
            }
            for c in report.checks
        ],
        "categories": [
            {
                "key": c.key,
                "name": c.name,
                "score": c.score,
                "coverage": c.coverage,
                "previous": c.previous,
                "change": c.change,
            }
            for c in report.categories
        ],
        "improvements": [
            {
                "key": i.key,
                "name": i.name,
                "before": i.before,
                "after": i.after,
                "amount": i.amount,
            }
            for i in report.improvements
        ],
        "residual": report.residual,
        "claim_gap": report.claim_gap,
        "todo": [
            {
                "title": item.title,
                "priority": item.priority,
                "owner": item.owner,
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "check": item.check_key,
            }
            for item in report.todo
        ],
    }


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _clip(text: str, limit: int = DETAILS_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _status_cell(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {status_word(status)}".strip()


def _change_text(current: float | None, previous: float | None) -> str:
    if previous is None:
        return "—"
    if current is None:
        return _("was %(previous)s") % {"previous": decimal(previous)}
    return _("was %(previous)s (%(change)s)") % {
        "previous": decimal(previous),
        "change": signed(current - previous),
    }


def render_markdown(report: Report) -> str:
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
            f"| {_cell(check.name)} | {_cell(check.category)} | {_status_cell(check.status)} "
            f"| {_cell(_clip(check.summary))} |"
        )
    counts: dict[str, int] = {}
    for check in report.checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    if counts:
        out += [
            "",
            " · ".join(
                f"{STATUS_ICONS.get(status, '')} {status_word(status)}: {count}"
                for status, count in sorted(counts.items())
            ),
        ]

    out += ["", "## 2. " + _("Scores per category"), ""]
    out += [
        _row(_("Category"), _("Score"), _("Since previous"), _("Coverage")),
        "|---|---:|---|---|",
    ]
    for category in report.categories:
        out.append(
            f"| {_cell(category.name)} | {score_text(category.score)} "
            f"| {_change_text(category.score, category.previous)} "
            f"| {format_coverage(category.coverage)} |"
        )

    out += ["", "## 3. " + _("Overall score"), ""]
    out.append(f"**{score_text(a.score)}** · {format_coverage(a.coverage)}")
    if previous is not None:
        out.append("")
        previous_kind = _("claimed by document") if previous.claimed else _("measured")
        out.append(
            _("Previous: %(score)s on %(date)s (%(kind)s) · change: %(change)s")
            % {
                "score": score_text(previous.score),
                "date": previous.evaluated_at.date().isoformat(),
                "kind": previous_kind,
                "change": signed(report.change, 2),
            }
        )
    else:
        out += ["", _("No previous assessment.")]
    out += ["", _("Verdict: %(verdict)s") % {"verdict": verdict_label(a.verdict or "")}]
    for reason in reasons_text(a.verdict_reasons):
        out.append(f"- {reason}")

    out += ["", "## 4. " + _("Improvements"), ""]
    if previous is None:
        out.append(_("Nothing to compare with."))
    elif not report.improvements and not report.residual and not report.claim_gap:
        out.append(_("No check changed status."))
    else:
        for item in report.improvements:
            icon = "✅" if item.amount > 0 else "❌"
            out.append(
                f"- {icon} {item.name} (`{item.key}`): {status_word(item.before or '—')} → "
                f"{status_word(item.after or '—')} ({signed(item.amount, 3)})"
            )
        if report.residual:
            out.append(
                "- "
                + _("Checklist changes (weights, categories): %(amount)s")
                % {"amount": signed(report.residual, 3)}
            )
        if report.claim_gap:
            out.append(
                "- "
                + (
                    _("Claimed score, not explained by the statuses it claims: %(amount)s")
                    if a.claimed or (previous is not None and previous.claimed)
                    else _("Not explained by the checks: %(amount)s")
                )
                % {"amount": signed(report.claim_gap, 3)}
            )
        out += ["", _("Total: %(change)s") % {"change": signed(report.change, 3)}]

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


def render_report(report: Report, fmt: str) -> str:
    """The report as Markdown, a standalone HTML page, or JSON."""
    if fmt == "json":
        return json.dumps(report_data(report), ensure_ascii=False, indent=2)
    if fmt == "html":
        return render_to_string(
            "readiness/report.html", {"report": report, "data": report_data(report)}
        )
    return render_markdown(report)

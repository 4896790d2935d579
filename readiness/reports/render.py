"""Which renderer makes each format of each report: the entry points that the `report`
and `import_doc` commands and the dashboard's download call."""

from __future__ import annotations

from collections.abc import Callable

from readiness.importer import ImportResult
from readiness.reports.html import report_html
from readiness.reports.imports import import_report_data
from readiness.reports.jsontext import json_text
from readiness.reports.markdown import import_report_markdown, report_markdown
from readiness.reports.project import Report, report_data
from readiness.services.imports import ImportSummary


def _report_json(report: Report) -> str:
    return json_text(report_data(report))


# One entry per format of the project's readiness report, in the order they are offered.
RENDERERS: dict[str, Callable[[Report], str]] = {
    "markdown": report_markdown,
    "html": report_html,
    "json": _report_json,
}
FORMATS = tuple(RENDERERS)
CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}


def render_report(report: Report, fmt: str) -> str:
    """The project's readiness report as Markdown, a standalone HTML page, or JSON."""
    return RENDERERS[fmt](report)


def render_import_report(
    result: ImportResult, summary: ImportSummary | None = None, *, fmt: str = "markdown"
) -> str:
    """The import report as Markdown (also what the command line prints) or JSON."""
    data = import_report_data(result, summary)
    if fmt == "json":
        return json_text(data)
    return import_report_markdown(data)

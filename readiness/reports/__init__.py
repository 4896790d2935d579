"""The reporting layer: builders gather a report's numbers, renderers format them, and
`render` says which renderer makes each format. Commands and views call what is exported
here; none formats a report on its own.

Builders: `project` (the project's readiness report, from stored rows), `imports` (the
import report, from the importer's plan and the save's summary), `assessments` (the
`assess` document, from a run or a stored assessment), `history` (the `history`
document's points).
Renderers: `markdown`, `html`, `jsontext`, `terminal`. Numbers are written by
`readiness.formatting`, words for statuses and verdicts by `readiness.verdicts`.
"""

from readiness.reports.assessments import assessment_report_data, run_report_data
from readiness.reports.history import history_point, history_points, with_check_statuses
from readiness.reports.html import inline_style_sources
from readiness.reports.imports import import_report_data
from readiness.reports.project import ReportError, report_build
from readiness.reports.render import (
    CONTENT_TYPES,
    EXTENSIONS,
    FORMATS,
    render_import_report,
    render_report,
)
from readiness.reports.terminal import assessment_text

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "FORMATS",
    "ReportError",
    "assessment_report_data",
    "assessment_text",
    "history_point",
    "history_points",
    "import_report_data",
    "inline_style_sources",
    "render_import_report",
    "render_report",
    "report_build",
    "run_report_data",
    "with_check_statuses",
]

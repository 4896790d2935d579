"""Reports as HTML: the project's readiness report as a standalone page (one file, its
styles inline), from the template readiness/report.html."""

from __future__ import annotations

from django.template.loader import render_to_string

from readiness.reports.project import Report, report_data


def report_html(report: Report) -> str:
    """The page: the template reads the report's objects and its plain data."""
    context = {"report": report, "data": report_data(report)}
    return render_to_string("readiness/report.html", context)

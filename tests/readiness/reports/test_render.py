"""Which renderer makes each format (readiness/reports/render.py)."""

import json

from django.utils import translation

from readiness.reports.html import report_html
from readiness.reports.markdown import report_markdown
from readiness.reports.project import report_build, report_data
from readiness.reports.render import (
    CONTENT_TYPES,
    EXTENSIONS,
    FORMATS,
    render_import_report,
    render_report,
)


def test_it_offers_each_format_with_its_content_type_and_extension():
    assert FORMATS == ("markdown", "html", "json")
    assert set(CONTENT_TYPES) == set(EXTENSIONS) == set(FORMATS)


def test_it_renders_the_project_report_in_each_format(measured):
    project, _ = measured
    report = report_build(project=project)
    with translation.override("en"):
        assert render_report(report, "markdown") == report_markdown(report)
        assert render_report(report, "html") == report_html(report)
        assert json.loads(render_report(report, "json")) == json.loads(
            json.dumps(report_data(report))
        )


def test_it_renders_the_import_report_as_markdown_unless_json_is_asked(seed):
    with translation.override("en"):
        assert render_import_report(seed).startswith("# Import report: ")
        assert json.loads(render_import_report(seed, fmt="json"))["saved"] is False

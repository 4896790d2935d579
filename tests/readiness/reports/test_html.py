"""Reports as HTML (readiness/reports/html.py): a standalone page."""

from django.utils import translation

from readiness.reports.html import report_html
from readiness.reports.project import report_build


def test_it_renders_an_html_page(measured):
    project, _ = measured
    with translation.override("fr"):
        html = report_html(report_build(project=project))
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert html.count('<tr data-status="') == 3
    assert 'data-testid="report-improvements"' in html

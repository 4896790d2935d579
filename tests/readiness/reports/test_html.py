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


def test_it_lists_a_regression_under_regressions_only(measured):
    project, _ = measured
    with translation.override("en"):
        html = report_html(report_build(project=project))
    improvements = html.split('data-testid="report-improvements"')[1].split("</ul>")[0]
    regressions = html.split('data-testid="report-regressions"')[1].split("</ul>")[0]
    assert "<code>csp</code>" in improvements and "<code>logs</code>" not in improvements
    assert "<code>logs</code>" in regressions
    assert html.index("<h3>Improvements</h3>") < html.index("<h3>Regressions</h3>")

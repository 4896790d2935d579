"""Reports as HTML: the project's readiness report as a standalone page (one file, its
styles inline), from the template readiness/report.html."""

from __future__ import annotations

import base64
import hashlib
import re

from django.template.loader import render_to_string

from readiness.reports.project import Report, report_data


def report_html(report: Report) -> str:
    """The page: the template reads the report's objects and its plain data."""
    context = {"report": report, "data": report_data(report)}
    return render_to_string("readiness/report.html", context)


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def inline_style_sources(page: str) -> list[str]:
    """The Content-Security-Policy sources ('sha256-…') that allow exactly the page's
    inline <style> blocks, so that it is shown styled under a policy without
    'unsafe-inline'."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(block.encode()).digest()).decode("ascii")
        )
        for block in _STYLE.findall(page)
    ]

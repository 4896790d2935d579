"""The project's report in every format and language, as links for its page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language_info

from readiness.models import Project
from readiness.reports import FORMATS

register = template.Library()

FORMAT_NAMES = {"markdown": "Markdown", "html": "HTML", "json": "JSON"}


@dataclass(frozen=True)
class ReportLink:
    format: str
    format_name: str
    lang: str
    lang_name: str  # in its own language: "English", "Français"
    url: str
    opens: bool  # a page the browser shows (HTML), not a file to save


@register.simple_tag
def report_links(project: Project) -> list[list[ReportLink]]:
    """One row per format (as render.py offers them), one link per language."""
    base = reverse("readiness:report-download", args=[project.slug])
    return [
        [
            ReportLink(
                format=fmt,
                format_name=FORMAT_NAMES.get(fmt, fmt.upper()),
                lang=code,
                lang_name=get_language_info(code)["name_local"].capitalize(),
                url=f"{base}?{urlencode({'format': fmt, 'lang': code})}",
                opens=fmt == "html",
            )
            for code, _name in settings.LANGUAGES
        ]
        for fmt in FORMATS
    ]

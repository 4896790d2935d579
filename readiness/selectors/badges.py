"""What a project's badge says: found by slug and badge key (nothing when either is wrong),
from the project's latest measured assessment, the one its page shows (2 queries)."""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _
from django.utils.translation import override

from readiness.badges import Badge, Color
from readiness.formatting import format_score
from readiness.models import Assessment, Project, Verdict
from readiness.selectors.common import latest_measured

LABEL = "readiness"
SHOW_SCORE = "score"
SHOW_LEVEL = "level"
SHOW_CHOICES = (SHOW_SCORE, SHOW_LEVEL)
LANGUAGES = ("en", "fr")
# Reasons that make a "not ready" red rather than orange: a critical check fails, or
# nothing could be scored. Others (score or coverage below the bar) are orange.
_RED_REASONS = frozenset({"critical", "no_score"})


def badge_project(*, slug: str, key: str) -> Project | None:
    """The project `slug` when `key` is its badge key, else None, whether the project is
    missing or the key wrong: the caller answers both alike (1 query)."""
    project = Project.objects.filter(slug=slug).only("pk", "slug", "badge_key").first()
    if project is None or not key:
        return None
    if not secrets.compare_digest(project.badge_key.encode(), key.encode()):
        return None
    return project


def project_badge(*, project: Project, show: str | None = None, language: str = "en") -> Badge:
    """The badge of `project`: "readiness | 9.4/10", or its achieved level when its
    checklist has levels (`show` chooses: "score", or "level", which is the score when the
    checklist has none), coloured by the verdict (1 query). `language` is the language of
    its words and decimal separator."""
    latest = latest_measured([project.pk], count=1)[project.pk].latest
    with override(language):
        return Badge(label=LABEL, message=_message(latest, show), color=_color(latest))


def _message(latest: Assessment | None, show: str | None) -> str:
    if latest is None:
        return _("not assessed")
    # The level when asked for or by default, where the checklist has levels; the score
    # otherwise.
    if latest.checklist.levels and show in (None, SHOW_LEVEL):
        return latest.level or _("no level")
    return format_score(latest.score)


def _color(latest: Assessment | None) -> Color:
    if latest is None or latest.verdict not in Verdict.values:
        return Color.LIGHTGREY
    if latest.verdict == Verdict.READY:
        return Color.BRIGHTGREEN
    codes = {reason.get("code") for reason in latest.verdict_reasons or ()}
    return Color.RED if codes & _RED_REASONS else Color.ORANGE

"""Every URL of the app, sorted into pages (HTML a person opens, watched under the
Content-Security-Policy by tests/readiness/views/test_csp.py and tests/browser/test_csp.py)
and the rest, each with why it is not a page. A new URL fails those tests until it is put
in one or the other: no page can be added without being opened under the policy."""

from __future__ import annotations

from readiness.urls import app_patterns

# URL name -> why it is not a page of its own.
NOT_PAGES = {
    "project-chart": "an htmx fragment of the project page (its range links)",
    "project-run": "POST only: starts an assessment",
    "project-schedule": "POST only: an htmx form of the project page",
    "project-base-url": "POST only: an htmx form of the project page",
    "attestation-create": "POST only: an htmx form of the project page",
    "action-item-create": "POST only: an htmx form of the project page",
    "action-item-complete": "POST only: an htmx button of the project page",
    "waiver-create": "POST only: an htmx form of the project page",
    "waiver-decide": "POST only: an htmx form of the project page",
    "project-target-level": "POST only: an htmx form of the project page",
    "checklist-download": "a YAML file, not HTML",
    "assessment-progress": "an htmx fragment polled by the run widget",
    "assessment-cancel": "POST only: a button of the run widget",
    "member-role": "POST only: a form of the team page",
    "member-remove": "POST only: a form of the team page",
    "project-detect": "POST only: the add-project form's detect step",
    "project-backfill": "POST only: an htmx form of the project page",
    "backfill-poll": "an htmx fragment polled by the backfill widget",
    "base-waiver-create": "POST only: an htmx form of the base checklist page",
    "base-waiver-decide": "POST only: an htmx form of the base checklist page",
    "campaign-join": "POST only: a button of the campaign page",
    "api-token-create": "POST only: the team page's token form (it answers the team page)",
    "api-token-revoke": "POST only: a button of the team page",
    "project-badge-key": "POST only: a button of the project page",
    "badge-svg": "an SVG image for a README, not HTML",
    "badge-json": "JSON for shields.io, not HTML",
    "notification-create": "POST only: an htmx form of the project page",
    "notification-remove": "POST only: a button of the project page",
    "notification-test": "POST only: a button of the project page",
}


def app_url_names() -> set[str]:
    """The name of every URL of the app (the `readiness:` namespace)."""
    return {pattern.name for pattern in app_patterns}


def page_names() -> set[str]:
    return app_url_names() - set(NOT_PAGES)

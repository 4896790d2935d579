"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live
server. Playwright never downloads a browser here: the executable is the system one.

The live server runs in this process on the test database; the tests that run an
assessment use the real worker processes of tests/integration (their fixtures are
imported below), which are given that same database."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from checks.checklist import load_checklist
from readiness.models import (
    Assessment,
    AssessmentStatus,
    CategoryScore,
    Check,
    ChecklistVersion,
    Project,
    Role,
    Trigger,
    Verdict,
)
from readiness.services.checklists import checklist_version_save
from tests import factories
from tests.integration.conftest import broker, worker, workers  # noqa: F401 (fixtures)
from tests.readiness.dashboard_builders import add_results
from tests.readiness.repo_builders import category, checklist, formula

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("READINESS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
# A run widget polls every second and a busy 2-core machine is slow to render Plotly:
# generous, but a broken page still fails well within the suite's budget.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/setup dev to install Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a browser context of its own (cookies, viewport, language, time
    zone). Every uncaught script error or console error (a missing static file, a failed
    request) on it fails the test."""
    contexts = []
    errors: list[str] = []

    def make(
        *,
        width: int = 1280,
        height: int = 900,
        locale: str = "en-US",
        timezone_id: str | None = None,
    ) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, timezone_id=timezone_id
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(f"{page.url}: {message.text}")

        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "script errors:\n" + "\n".join(errors)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def log_in(live_server) -> Callable[[Page, Any], None]:
    """Give the page's browser context a session of `user`, as the login form would.
    Only the login test goes through the form: the others need not pay for it."""

    def log_in(page: Page, user: Any) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def screenshot(page: Page) -> Callable[..., Path]:
    """Save a full-page PNG under test-artifacts/ (git-ignored), of `page` unless `of` is
    another one."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, of: Page | None = None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take


class Gates:
    """A local HTTP server whose answer to GET /<name> waits until the test opens the gate
    <name>: an http check that stays running exactly as long as a test needs to watch it.
    A gate never opened answers 504 after `wait_s`, so no worker thread hangs on it."""

    def __init__(self, wait_s: float = 30) -> None:
        self.wait_s = wait_s
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _gate_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def event(self, name: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(name, threading.Event())

    def url(self, name: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{name}"

    def open(self, name: str) -> None:
        self.event(name).set()

    def __enter__(self) -> Gates:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            for event in self._events.values():
                event.set()
        self._server.shutdown()
        self._server.server_close()


def _gate_handler(gates: Gates) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            opened = gates.event(self.path.strip("/")).wait(gates.wait_s)
            self.send_response(200 if opened else 504)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def gates() -> Iterator[Gates]:
    with Gates() as running:
        yield running


def editor_of(team: Any, username: str = "editor") -> Any:
    user = factories.UserFactory(username=username, first_name="", last_name="")
    factories.MembershipFactory(team=team, user=user, role=Role.EDITOR)
    return user


def project_with_checklist(team: Any, document: Mapping[str, Any], **fields: Any) -> Project:
    """A project of `team` whose current checklist is `document`, saved as an upload is."""
    text = yaml.safe_dump(dict(document), sort_keys=False)
    project = factories.ProjectFactory(team=team, **fields)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def expected_score(
    version: ChecklistVersion, statuses: Mapping[str, str]
) -> tuple[float | None, float | None, list[tuple[float | None, float | None]]]:
    """(score, coverage, per category) by the README's formula, from the checklist's
    weights and the statuses a test chose."""
    checks = list(version.checks.all())
    return formula(
        [
            (cat.weight, [(c.weight, statuses[c.key]) for c in checks if c.category_id == cat.pk])
            for cat in version.categories.order_by("position")
        ]
    )


def add_assessment(
    project: Project, statuses: Mapping[str, str], *, evaluated_at: dt.datetime, revision: str
) -> Assessment:
    """A finished assessment of the current checklist with one result per check, its
    per-category rows, and the score the formula gives for `statuses`."""
    version = project.current_checklist()
    score, coverage, per_category = expected_score(version, statuses)
    assessment = Assessment.objects.create(
        project=project,
        checklist=version,
        trigger=Trigger.SCHEDULE,
        status=AssessmentStatus.DONE,
        evaluated_at=evaluated_at,
        started_at=evaluated_at,
        finished_at=evaluated_at + dt.timedelta(seconds=7),
        score=score,
        coverage=coverage,
        verdict=Verdict.READY if score >= version.ready_at else Verdict.NOT_READY,
        revision=revision,
        checks_total=len(statuses),
        checks_done=len(statuses),
    )
    CategoryScore.objects.bulk_create(
        CategoryScore(
            assessment=assessment,
            key=cat.key,
            name=cat.name,
            weight=cat.weight,
            score=cat_score,
            coverage=cat_coverage,
            position=cat.position,
        )
        for cat, (cat_score, cat_coverage) in zip(
            version.categories.order_by("position"), per_category, strict=True
        )
    )
    checks = {c.key: c for c in Check.objects.filter(checklist=version)}
    add_results(assessment, {checks[key]: status for key, status in statuses.items()})
    return assessment


# Security weighs 3 of 4 and operations 1 of 4, two checks each: pass↔fail moves the
# score by 3.75 or 1.25, exact at the two decimals the compare page shows.
DASHBOARD_CHECKLIST = checklist(
    {
        **category(
            "security",
            {
                "key": "stripe-webhook-signature",
                "name": "Stripe webhook signature is verified",
                "type": "grep",
                "severity": "critical",
                "paths": ["src/**/*.py"],
                "pattern": "verify_signature",
            },
            {
                "key": "cors-whitelist",
                "name": "CORS uses a whitelist",
                "type": "grep",
                "paths": ["src/**/*.py"],
                "pattern": "ALLOWED_ORIGINS",
            },
            weight=3,
        ),
        "name": "Security",
    },
    {
        **category(
            "operations",
            {
                "key": "production-logger",
                "name": "Production logger is configured",
                "type": "file",
                "paths": ["src/logging.py"],
            },
            {
                "key": "cpu-quotas-reviewed",
                "name": "CPU quotas reviewed",
                "type": "manual",
                "valid_days": 30,
            },
            weight=1,
        ),
        "name": "Operations",
    },
    ready_at=8.0,
)
P, F = "pass", "fail"
# Oldest first, one a day: (webhook, cors, logger, quotas).
DASHBOARD_HISTORY = [
    (F, F, F, P),
    (F, P, F, P),
    (F, P, P, P),
    (P, F, P, P),
    (P, P, F, P),
    (P, P, P, F),
    (F, P, P, P),
    (P, P, P, P),
]


@dataclass
class Dashboard:
    team: Any
    project: Project
    editor: Any
    # Oldest first, as the chart draws them.
    assessments: list[Assessment]

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"readiness:{name}", args=args)


@pytest.fixture
def dashboard(transactional_db: None) -> Dashboard:
    """A team, an editor, and a project with eight daily assessments ending yesterday,
    committed so that the live server's thread sees them."""
    team = factories.TeamFactory(name="Payments", slug="payments")
    project = project_with_checklist(
        team, DASHBOARD_CHECKLIST, slug="payments-api", name="Payments API"
    )
    keys = [c.key for c in project.current_checklist().checks.order_by("position")]
    end = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    assessments = [
        add_assessment(
            project,
            dict(zip(keys, statuses, strict=True)),
            evaluated_at=end - dt.timedelta(days=len(DASHBOARD_HISTORY) - 1 - day),
            revision=hashlib.sha1(f"commit {day}".encode()).hexdigest(),
        )
        for day, statuses in enumerate(DASHBOARD_HISTORY)
    ]
    return Dashboard(team=team, project=project, editor=editor_of(team), assessments=assessments)

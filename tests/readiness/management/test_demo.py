import datetime as dt
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from readiness import models
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    checklist,
    free_port,
    run_command,
    write_checklist,
    write_files,
)

STARTER = checklist(
    category(
        "security",
        {
            "key": "debug-from-environment",
            "type": "grep",
            "paths": ["*/settings.py"],
            "pattern": r"^DEBUG = env",
        },
    ),
    category(
        "operations",
        {"key": "runbook", "type": "manual"},
        {
            "key": "admin-login-answers",
            "type": "http",
            "url": "${base_url}/admin/login/",
            "expect_status": 200,
        },
    ),
)


class _Web(BaseHTTPRequestHandler):
    """The web server that bin/run starts, reduced to answering 200 on every page."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Web)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def bind(settings: Any, port: int) -> str:
    """READINESS_BIND=127.0.0.1:<port>, as settings read it from the environment."""
    settings.READINESS_BIND = f"127.0.0.1:{port}"
    settings.READINESS_LOCAL_URL = f"http://127.0.0.1:{port}/"
    return settings.READINESS_LOCAL_URL


@pytest.fixture
def web(settings, tmp_path) -> Iterator[str]:
    """The web server up at READINESS_BIND (a free port); its URL."""
    settings.DATA_DIR = tmp_path / "var"
    server = serve(free_port())
    url = bind(settings, server.server_address[1])
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(settings, tmp_path):
    """A stand-in for this repository: its own git history and starter checklist."""
    root = tmp_path / "site"
    settings.BASE_DIR = root
    git = GitRepo(root)
    write_checklist(root / "checklists" / "django-service.yml", STARTER)
    git.commit(
        {"app/settings.py": "DEBUG = True\n"}, when=dt.datetime(2026, 2, 14, 9, tzinfo=dt.UTC)
    )
    git.commit(
        {"app/settings.py": "DEBUG = env('DEBUG')\n"},
        when=dt.datetime(2026, 2, 15, 9, tzinfo=dt.UTC),
    )
    return git


def counts() -> dict[str, int]:
    tracked = [
        models.Team,
        models.Project,
        models.ChecklistVersion,
        models.Membership,
        models.Assessment,
        get_user_model(),
    ]
    return {model.__name__: model.objects.count() for model in tracked}


@pytest.mark.django_db
def test_it_sets_up_a_demo_user_and_project_with_history_and_a_live_score(site, web):
    code, out, err = run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    user = get_user_model().objects.get(username="demo")
    history = list(project.assessments.order_by("evaluated_at", "id"))
    assert code == 0, err
    assert project.source == str(site.root.resolve())
    assert project.current_checklist().source_name == "django-service.yml"
    assert user.is_staff
    assert user.check_password("readiness-demo")
    assert models.Membership.objects.get(user=user, team=project.team).role == models.Role.ADMIN
    assert [a.trigger for a in history] == ["backfill", "backfill", "cli"]
    # The backfilled points evaluate the grep at each commit; the live run at HEAD.
    assert [a.score for a in history] == [0.0, 10.0, 10.0]
    assert all(a.status == models.AssessmentStatus.DONE for a in history)
    # The check of the running service reached the web server at READINESS_BIND.
    live = history[-1].results.get(check_item__key="admin-login-answers")
    assert live.status == models.ResultStatus.PASS, live.summary
    assert f"Log in at {web} as demo / readiness-demo" in out


@pytest.mark.django_db
def test_it_aims_the_checks_of_the_running_service_at_readiness_bind(site, web):
    run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert project.base_url == web.rstrip("/")
    version = project.current_checklist()
    assert version.checks.get(key="admin-login-answers").options["url"] == (
        "${base_url}/admin/login/"
    )
    starter = site.root / "checklists" / "django-service.yml"
    assert (version.source_name, version.source_text) == ("django-service.yml", starter.read_text())


@pytest.mark.django_db
def test_it_runs_no_live_assessment_while_the_web_server_is_down(site, settings):
    url = bind(settings, free_port())

    code, out, err = run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert code == 0, err
    assert [a.trigger for a in project.assessments.all()] == ["backfill", "backfill"]
    assert f"The web server does not answer at {url} (Connection refused)" in err
    assert "manage.py demo --after-web" in err
    assert "Log in" not in out


@pytest.mark.django_db
def test_it_sets_up_before_the_web_server_starts_then_runs_the_live_assessment_once_it_answers(
    site, settings
):
    port = free_port()
    url = bind(settings, port)
    code, out, err = run_command("demo", "--before-web")
    project = models.Project.objects.get(slug="readiness")
    assert code == 0, err
    assert project.assessments.filter(trigger=models.Trigger.CLI).count() == 0
    assert "Log in" not in out

    # The web server comes up a second after the demo starts waiting for it.
    starting = threading.Timer(1.0, lambda: servers.append(serve(port)))
    servers: list[ThreadingHTTPServer] = []
    starting.start()
    try:
        code, out, err = run_command("demo", "--after-web", "--wait", "20")
    finally:
        starting.join()
        for server in servers:
            server.shutdown()
            server.server_close()

    live = project.assessments.get(trigger=models.Trigger.CLI)
    assert code == 0, err
    assert live.results.get(check_item__key="admin-login-answers").status == "pass"
    assert f"Log in at {url} as demo / readiness-demo" in out


@pytest.mark.django_db
def test_it_gives_up_after_waiting_for_a_web_server_that_never_answers(site, settings):
    url = bind(settings, free_port())
    run_command("demo", "--before-web")

    code, _out, err = run_command("demo", "--after-web", "--wait", "1")

    assert code == 1
    assert f"The web server does not answer at {url} (Connection refused)" in err
    assert not models.Assessment.objects.filter(trigger=models.Trigger.CLI).exists()


@pytest.mark.django_db
def test_it_refuses_to_start_on_an_address_another_program_holds(site, settings):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        bind(settings, other.getsockname()[1])
        before = counts()

        code, _out, err = run_command("demo", "--before-web")

    assert code == 2
    assert f"READINESS_BIND {settings.READINESS_BIND} cannot be used by the web server" in err
    assert "Address already in use" in err
    assert counts() == before


@pytest.mark.django_db
def test_it_asks_for_the_set_up_before_the_live_assessment(site, web):
    code, _out, err = run_command("demo", "--after-web")

    assert code == 2
    assert "the demo is not set up yet: run manage.py demo --before-web first" in err


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again(site, web):
    run_command("demo")
    before = counts()

    code, out, _err = run_command("demo")

    assert code == 0
    assert counts() == before
    assert "unchanged" in out


@pytest.mark.django_db
def test_it_backfills_only_the_new_commits_on_a_later_run(site, web):
    run_command("demo")
    site.commit({"README.md": "# Site\n"}, when=dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC))

    run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert project.assessments.filter(trigger=models.Trigger.BACKFILL).count() == 3
    assert project.assessments.filter(trigger=models.Trigger.CLI).count() == 2


@pytest.mark.django_db
def test_it_runs_without_a_backfill_on_a_folder_that_is_not_a_git_repository(
    settings, tmp_path, web
):
    settings.BASE_DIR = tmp_path / "plain"
    write_checklist(tmp_path / "plain" / "checklists" / "django-service.yml", STARTER)
    write_files(tmp_path / "plain", {"app/settings.py": "DEBUG = env('DEBUG')\n"})

    code, out, err = run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert code == 0, err
    assert "No backfill" in out
    assert [a.trigger for a in project.assessments.all()] == ["cli"]


@pytest.mark.django_db
def test_it_fails_clearly_without_the_starter_checklist(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    before = counts()

    code, _out, err = run_command("demo")

    assert code == 2
    assert "django-service.yml is missing" in err
    assert counts() == before

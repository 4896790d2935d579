import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from readiness import models
from tests import factories
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    celery_conf,
    checklist,
    formula,
    free_port,
    run_command,
    write_checklist,
    write_files,
)

MODELS = [
    models.Team,
    models.Project,
    models.ChecklistVersion,
    models.Check,
    models.Assessment,
    models.CheckResult,
    models.CategoryScore,
]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, b"ok", "text/plain")
        elif self.path == "/metrics":
            self._send(200, json.dumps({"cpu": {"used_ratio": 0.55}}).encode(), "application/json")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "repo",
        {
            "README.md": "# Service\n",
            "src/webhooks.py": "def handle(event):\n    verify_signature(event)\n",
            "src/settings.py": "DEBUG = True\n",
            "frontend/config.js": 'export const region = "europe-west3";\n',
            "backend/deploy.py": 'REGION = "europe-west3"\n',
            "metrics.json": json.dumps({"queue": {"depth": 150}}),
        },
    )


def every_type_checklist(server: str, closed_port: int) -> dict:
    """One check of every type, with the status each gets on the `repo` fixture in the
    comment beside it."""
    return checklist(
        category(
            "code",
            {  # pass
                "key": "webhook-signature",
                "type": "grep",
                "severity": "critical",
                "paths": ["src/**/*.py"],
                "pattern": r"verify_signature\(",
            },
            {  # fail
                "key": "no-debug",
                "type": "grep",
                "paths": ["src/settings.py"],
                "pattern": "DEBUG = True",
                "expect": "absent",
            },
            {"key": "readme", "type": "file", "weight": 2, "paths": ["README.md"]},  # pass
            {  # pass
                "key": "same-region",
                "type": "consistency",
                "sources": [
                    {"paths": ["frontend/*.js"], "pattern": r'region = "([a-z0-9-]+)"'},
                    {"paths": ["backend/*.py"], "pattern": r'REGION = "([a-z0-9-]+)"'},
                ],
            },
            weight=2,
        ),
        category(
            "ops",
            {"key": "health", "type": "http", "url": f"{server}/health"},  # pass
            {  # fail: connection refused means the service is not ready
                "key": "admin-up",
                "type": "http",
                "url": f"http://127.0.0.1:{closed_port}/",
                "timeout_s": 2,
            },
            {  # warn: 0.55 is above 0.5
                "key": "cpu",
                "type": "threshold",
                "source": {"url": f"{server}/metrics", "json_path": "cpu.used_ratio"},
                "warn_above": 0.5,
                "fail_above": 0.9,
            },
            {  # fail: 150 is above 100
                "key": "queue-depth",
                "type": "threshold",
                "source": {"path": "metrics.json", "json_path": "queue.depth"},
                "warn_above": 50,
                "fail_above": 100,
            },
            {  # pass
                "key": "python-runs",
                "type": "command",
                "argv": ["python3", "-c", "print('all good')"],
                "expect": {"exit_code": 0, "stdout_matches": "good"},
            },
        ),
        category(
            "process",
            {"key": "runbook", "type": "manual"},  # error: needs attestation
            {  # skip: disabled
                "key": "load-test",
                "type": "command",
                "argv": ["python3", "-c", "pass"],
                "enabled": False,
            },
        ),
    )


EVERY_TYPE_STATUSES = {
    "webhook-signature": "pass",
    "no-debug": "fail",
    "readme": "pass",
    "same-region": "pass",
    "health": "pass",
    "admin-up": "fail",
    "cpu": "warn",
    "queue-depth": "fail",
    "python-runs": "pass",
    "runbook": "error",
    "load-test": "skip",
}
EVERY_TYPE_SHAPE = [
    (2, [(1, "pass"), (1, "fail"), (2, "pass"), (1, "pass")]),
    (1, [(1, "pass"), (1, "fail"), (1, "warn"), (1, "fail"), (1, "pass")]),
    (1, [(1, "error"), (1, "skip")]),
]


@pytest.fixture
def allow_commands(settings):
    settings.READINESS_ALLOW_COMMANDS = True


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_it_gives_every_check_type_the_status_and_the_scores_the_formula_gives(
    tmp_path, repo, server, closed_port, allow_commands
):
    path = write_checklist(tmp_path / "checklist.yml", every_type_checklist(server, closed_port))
    before = row_counts()

    code, out, _err = run_command("assess", "--checklist", str(path), "--repo", str(repo), "--json")

    report = json.loads(out)
    assert code == 0
    assert {c["key"]: c["status"] for c in report["checks"]} == EVERY_TYPE_STATUSES
    score, coverage, per_category = formula(EVERY_TYPE_SHAPE)
    assert report["score"] == pytest.approx(score)
    assert report["coverage"] == pytest.approx(coverage)
    assert [(c["score"], c["coverage"]) for c in report["categories"]] == [
        (pytest.approx(s) if s is not None else None, pytest.approx(c)) for s, c in per_category
    ]
    # Below 8.0 and below 80% measured: not ready, for both reasons.
    assert report["verdict"] == "not-ready"
    assert {r["code"] for r in report["reasons"]} == {"score_below", "coverage_below"}
    checks = {c["key"]: c for c in report["checks"]}
    assert checks["runbook"]["summary"] == "needs attestation"
    assert row_counts() == before


@pytest.mark.django_db
def test_it_prints_one_json_document_of_the_documented_shape(tmp_path, repo):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "security",
                {"key": "signature", "type": "grep", "paths": ["src/*.py"], "pattern": "verify_"},
            )
        ),
    )

    _code, out, _err = run_command(
        "assess", "--checklist", str(path), "--repo", str(repo), "--json"
    )

    report = json.loads(out)
    assert {"score", "coverage", "verdict", "revision", "categories", "checks"} <= set(report)
    assert report["score"] == 10.0
    assert isinstance(report["score"], float)
    assert report["revision"] is None  # a plain folder has no commit
    assert report["categories"] == [
        {"key": "security", "name": "Security", "weight": 1.0, "score": 10.0, "coverage": 1.0}
    ]
    [check] = report["checks"]
    assert {"key", "category", "status", "summary", "evidence"} <= set(check)
    assert check["category"] == "security"
    assert check["evidence"][0] == {
        "path": "src/webhooks.py",
        "line": 2,
        "text": "verify_signature(event)",
    }


@pytest.mark.django_db
def test_it_prints_null_scores_where_nothing_could_be_scored(tmp_path, repo):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(category("process", {"key": "runbook", "type": "manual"})),
    )

    _code, out, _err = run_command(
        "assess", "--checklist", str(path), "--repo", str(repo), "--json"
    )

    report = json.loads(out)
    assert report["score"] is None
    assert report["coverage"] == 0.0
    assert report["categories"][0]["score"] is None
    assert report["verdict"] == "not-ready"


@pytest.mark.django_db
def test_it_prints_a_summary_table_with_the_score_coverage_and_verdict(
    tmp_path, repo, server, closed_port, allow_commands
):
    path = write_checklist(tmp_path / "checklist.yml", every_type_checklist(server, closed_port))

    _code, out, _err = run_command("assess", "--checklist", str(path), "--repo", str(repo))

    score, coverage, _ = formula(EVERY_TYPE_SHAPE)
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[2].split("|")[1:4]] == ["Check", "Result", "Details"]
    row = next(line for line in lines if "Webhook signature" in line)
    assert "✅ PASS" in row
    assert "❌ FAIL" in next(line for line in lines if "Queue depth" in line)
    assert "⚠️ WARN" in next(line for line in lines if "| Cpu" in line)
    # An unattested manual check waits on a person: not shown as an error.
    assert "⏳ Awaiting attestation" in next(line for line in lines if "Runbook" in line)
    assert "⏭️ SKIP" in next(line for line in lines if "Load test" in line)
    assert f"Score: {score:.1f}/10 · {int(coverage * 100)}% measured" in lines
    assert any(line.startswith("Verdict: not ready") for line in lines)
    assert any("below" in line for line in lines if line.startswith("  - "))


@pytest.mark.django_db
@pytest.mark.parametrize("fail_under", [None, "9.5"])
def test_it_exits_0_for_a_ready_score_of_10_with_or_without_fail_under(tmp_path, repo, fail_under):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(category("code", {"key": "readme", "type": "file", "paths": ["README.md"]})),
    )
    args = ["--checklist", str(path), "--repo", str(repo)]
    if fail_under:
        args += ["--fail-under", fail_under]

    code, _out, _err = run_command("assess", *args)

    assert code == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fail_under", "expected", "message"),
    [
        # The score is 10 × 1 / 2 = 5.0 and the critical check fails: not ready.
        (None, 0, ""),
        ("6", 1, "below --fail-under 6"),
        ("4", 1, "verdict is not ready"),
    ],
)
def test_it_exits_1_below_fail_under_or_not_ready_only_when_fail_under_is_given(
    tmp_path, repo, fail_under, expected, message
):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "code",
                {"key": "readme", "type": "file", "paths": ["README.md"]},
                {"key": "license", "type": "file", "paths": ["LICENSE"], "severity": "critical"},
            )
        ),
    )
    args = ["--checklist", str(path), "--repo", str(repo), "--json"]
    if fail_under:
        args += ["--fail-under", fail_under]

    code, out, err = run_command("assess", *args)

    assert code == expected
    assert json.loads(out)["score"] == 10 * 1 / 2
    assert message in err


INVALID_CHECKLISTS = {
    "bad YAML": ("version: 1\ncategories: [\n", "checklist.yml:"),
    "unknown type": (
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: magic\n",
        "checklist.yml:7 categories[0].checks[0].type",
    ),
    "bad regex": (
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: grep\n        paths: ['*.py']\n        pattern: 'a(b'\n",
        "checklist.yml:9 categories[0].checks[0].pattern",
    ),
    "'..' path": (
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: file\n        paths: ['../secrets']\n",
        "checklist.yml:8 categories[0].checks[0].paths[0]",
    ),
    "missing field": (
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: grep\n        paths: ['*.py']\n",
        "categories[0].checks[0]",
    ),
    "duplicate key": (
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: file\n        paths: [a]\n"
        "      - key: b\n        type: file\n        paths: [b]\n",
        "checklist.yml:9 categories[0].checks[1].key",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", INVALID_CHECKLISTS, ids=list(INVALID_CHECKLISTS))
def test_it_exits_2_naming_the_place_for_an_invalid_checklist_and_stores_nothing(
    tmp_path, repo, case
):
    text, place = INVALID_CHECKLISTS[case]
    path = tmp_path / "checklist.yml"
    path.write_text(text)
    before = row_counts()

    code, out, err = run_command("assess", "--checklist", str(path), "--repo", str(repo), "--json")

    assert code == 2
    assert out == ""
    assert place in err
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp, path: ["--checklist", str(path), "--repo", str(tmp / "nope")], "not a folder"),
        (
            lambda tmp, path: ["--checklist", str(tmp / "missing.yml"), "--repo", str(tmp)],
            "missing.yml",
        ),
        (
            lambda tmp, path: ["--checklist", str(path), "--repo", str(tmp), "--rev", "HEAD"],
            "--repo",
        ),
        (lambda tmp, path: ["--repo", str(tmp)], "--checklist"),
        (lambda tmp, path: ["--project", "nope"], "no such project"),
    ],
    ids=["missing repo", "missing checklist", "rev outside git", "no checklist", "no project"],
)
def test_it_exits_2_for_a_bad_repo_or_missing_argument(tmp_path, make_args, message):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(category("code", {"key": "readme", "type": "file", "paths": ["README.md"]})),
    )

    code, _out, err = run_command("assess", *make_args(tmp_path, path))

    assert code == 2
    assert message in err


@pytest.mark.django_db
def test_it_reads_an_old_revision_from_git_objects_without_a_checkout(tmp_path):
    git = GitRepo(tmp_path / "repo")
    old = git.commit(
        {"app.py": "verify_signature(event)\n"}, when=dt.datetime(2026, 2, 15, 9, tzinfo=dt.UTC)
    )
    new = git.commit({"app.py": "pass\n"}, when=dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC))
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "security",
                {"key": "signature", "type": "grep", "paths": ["*.py"], "pattern": "verify_"},
                {"key": "health", "type": "http", "url": f"http://127.0.0.1:{free_port()}/"},
            )
        ),
    )
    args = ["--checklist", str(path), "--repo", str(git.root), "--json"]

    _code, at_old, _err = run_command("assess", *args, "--rev", old[:10])
    _code, at_head, _err = run_command("assess", *args)

    old_report, head_report = json.loads(at_old), json.loads(at_head)
    assert old_report["revision"] == old
    assert [c["status"] for c in old_report["checks"]] == ["pass", "error"]
    assert old_report["checks"][1]["summary"] == "not evaluable on history"
    assert old_report["score"] == 10.0
    assert head_report["revision"] == new
    assert [c["status"] for c in head_report["checks"]] == ["fail", "fail"]
    # The working tree was not touched.
    assert (git.root / "app.py").read_text() == "pass\n"


@pytest.mark.django_db
def test_it_exits_2_for_an_unknown_revision(tmp_path):
    git = GitRepo(tmp_path / "repo")
    git.commit({"a.py": "x\n"}, when=dt.datetime(2026, 2, 15, tzinfo=dt.UTC))
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(category("code", {"key": "a", "type": "file", "paths": ["a.py"]})),
    )

    code, _out, err = run_command(
        "assess", "--checklist", str(path), "--repo", str(git.root), "--rev", "no-such-branch"
    )

    assert code == 2
    assert "no-such-branch" in err


@pytest.fixture
def project(tmp_path, repo):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "code",
                {"key": "readme", "type": "file", "paths": ["README.md"]},
                {
                    "key": "no-debug",
                    "type": "grep",
                    "paths": ["src/*.py"],
                    "pattern": "DEBUG = True",
                    "expect": "absent",
                },
            ),
            category("process", {"key": "runbook", "type": "manual", "weight": 3}),
        ),
    )
    code, _out, err = run_command(
        "add_project", "shop", "--source", str(repo), "--checklist", str(path)
    )
    assert code == 0, err
    return models.Project.objects.get(slug="shop")


@pytest.mark.django_db
def test_it_records_a_project_assessment_in_its_history(project):
    code, out, _err = run_command("assess", "--project", "shop", "--json")

    report = json.loads(out)
    assessment = models.Assessment.objects.get(project=project)
    assert code == 0
    assert assessment.trigger == models.Trigger.CLI
    assert assessment.status == models.AssessmentStatus.DONE
    assert report["id"] == assessment.pk
    # code: pass (1) and fail (1); process: the manual check has no attestation.
    score, coverage, _ = formula([(1, [(1, "pass"), (1, "fail")]), (1, [(3, "error")])])
    assert assessment.score == pytest.approx(score)
    assert report["score"] == pytest.approx(score)
    assert report["coverage"] == pytest.approx(coverage)
    assert {c["key"]: c["status"] for c in report["checks"]} == {
        "readme": "pass",
        "no-debug": "fail",
        "runbook": "error",
    }


@pytest.mark.django_db
def test_it_scores_a_manual_check_from_its_unexpired_attestation(project):
    factories.AttestationFactory(
        project=project, check_key="runbook", status=models.AttestationStatus.WARN
    )

    _code, out, _err = run_command("assess", "--project", "shop", "--json")

    report = json.loads(out)
    assert {c["key"]: c["status"] for c in report["checks"]}["runbook"] == "warn"
    score, coverage, _ = formula([(1, [(1, "pass"), (1, "fail")]), (1, [(3, "warn")])])
    assert report["score"] == pytest.approx(score)
    assert report["coverage"] == pytest.approx(coverage)


@pytest.mark.django_db
def test_it_refuses_a_checklist_or_repo_beside_a_project(project, tmp_path):
    before = row_counts()

    code, _out, err = run_command("assess", "--project", "shop", "--repo", str(tmp_path))

    assert code == 2
    assert "--project" in err
    assert row_counts() == before


def test_it_exits_with_the_code_and_streams_of_a_real_process(tmp_path, repo):
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "code",
                {"key": "readme", "type": "file", "paths": ["README.md"]},
                {"key": "license", "type": "file", "paths": ["LICENSE"]},
            )
        ),
    )
    env = {**os.environ, "READINESS_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "manage.py", "assess", "--checklist", str(path), "--repo", str(repo)]

    completed = subprocess.run(
        [*command, "--json", "--fail-under", "9"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    invalid = subprocess.run(
        [*command[:4], str(tmp_path / "missing.yml"), *command[5:]],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 1
    assert json.loads(completed.stdout)["score"] == 10 * 1 / 2
    assert "below --fail-under 9" in completed.stderr
    assert invalid.returncode == 2
    assert invalid.stdout == ""
    assert "missing.yml" in invalid.stderr


@pytest.fixture
def eager_tasks():
    with celery_conf(task_always_eager=True):
        yield


@pytest.fixture
def broker_down():
    with celery_conf(broker_url=f"redis://127.0.0.1:{free_port()}/0"):
        yield


@pytest.mark.django_db
def test_it_enqueues_with_queue_and_prints_only_the_assessment_id(
    project, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code, out, _err = run_command("assess", "--project", "shop", "--queue")

    assessment = models.Assessment.objects.get()
    assert code == 0
    assert out == f"{assessment.pk}\n"
    assert assessment.trigger == models.Trigger.CLI
    assert assessment.status == models.AssessmentStatus.DONE


@pytest.mark.django_db
def test_it_exits_2_and_stores_nothing_when_the_queue_is_unavailable(project, broker_down):
    before = row_counts()

    code, out, err = run_command("assess", "--project", "shop", "--queue")

    assert code == 2
    assert out == ""
    assert "queue unavailable" in err
    assert row_counts() == before


# --base-url: the address filled into ${base_url}

BASE_URL_CHECKLIST = checklist(
    category(
        "runtime",
        {"key": "health", "type": "http", "url": "${base_url}/health", "expect_status": 200},
        {"key": "readme", "type": "file", "paths": ["README.md"]},
    )
)


def health_of(out: str) -> dict:
    return next(c for c in json.loads(out)["checks"] if c["key"] == "health")


@pytest.mark.django_db
def test_base_url_fills_the_runtime_checks_and_without_it_they_are_skipped(tmp_path, repo, server):
    path = write_checklist(tmp_path / "c.yml", BASE_URL_CHECKLIST)
    args = ["assess", "--checklist", str(path), "--repo", str(repo), "--json"]

    code, with_url, _err = run_command(*args, "--base-url", f"{server}/")
    code_without, without, _err = run_command(*args)

    assert (code, code_without) == (0, 0)
    assert health_of(with_url)["status"] == "pass"
    assert f"{server}/health" in json.dumps(health_of(with_url))
    assert health_of(without)["status"] == "skip"
    assert health_of(without)["summary"] == "no base URL set"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://example.com", "--base-url: Give an http:// or https:// URL with a host."),
        ("https://example.com/?a=1", "--base-url: Give the URL without a query"),
    ],
)
def test_a_bad_base_url_exits_2_naming_it(tmp_path, repo, value, message):
    path = write_checklist(tmp_path / "c.yml", BASE_URL_CHECKLIST)

    code, out, err = run_command(
        "assess", "--checklist", str(path), "--repo", str(repo), "--base-url", value
    )

    assert code == 2
    assert message in err
    assert out == ""


@pytest.mark.django_db
def test_base_url_cannot_be_combined_with_project(tmp_path, repo):
    path = write_checklist(tmp_path / "c.yml", BASE_URL_CHECKLIST)
    run_command("add_project", "svc", "--source", str(repo), "--checklist", str(path))

    code, _out, err = run_command(
        "assess", "--project", "svc", "--base-url", "https://svc.example.com"
    )

    assert code == 2
    assert "--project uses the project's own base URL" in err
    assert models.Assessment.objects.count() == 0

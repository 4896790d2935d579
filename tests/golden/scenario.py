"""The golden scenario: one project with a git history, a backfill, live assessments, an
attestation and an action item, and a second project imported from a document, all at a
frozen time, so that every CLI output and page can be compared byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.readiness.repo_builders import GitRepo, category, checklist, write_checklist

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "docs"


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 2, n, 10, 30, tzinfo=dt.UTC)


CHECKLIST = checklist(
    category(
        "security",
        {
            "key": "webhook-signature",
            "name": "Webhook signature is verified",
            "type": "grep",
            "severity": "critical",
            "weight": 2,
            "paths": ["app/**/*.py"],
            "pattern": r"verify_signature\(",
        },
        {
            "key": "no-debug",
            "name": "DEBUG is off",
            "type": "grep",
            "paths": ["app/settings.py"],
            "pattern": r"DEBUG\s*=\s*True",
            "expect": "absent",
        },
        {
            "key": "pentest",
            "name": "Penetration test attested",
            "type": "manual",
            "valid_days": 30,
        },
        weight=2,
    ),
    category(
        "reliability",
        {
            "key": "versions-agree",
            "name": "Versions agree",
            "type": "consistency",
            "sources": [
                {"paths": ["VERSION"], "pattern": r"^(\d+\.\d+\.\d+)"},
                {"paths": ["package.json"], "pattern": r'"version": "([^"]+)"'},
            ],
        },
        {
            "key": "runbook",
            "name": "Runbook exists",
            "type": "file",
            "paths": ["docs/runbook.md"],
        },
        {
            "key": "deploy-dry-run",
            "name": "Deploy dry run",
            "type": "command",
            "argv": ["true"],
        },
    ),
    category(
        "scalability",
        {
            "key": "cpu-headroom",
            "name": "CPU headroom",
            "type": "threshold",
            "source": {"path": "metrics.json", "json_path": "cpu.used_ratio"},
            "warn_above": 0.6,
            "fail_above": 0.9,
        },
        {
            "key": "health-endpoint",
            "name": "Health endpoint answers",
            "type": "http",
            "url": "http://127.0.0.1:9/health",
            "timeout_s": 2,
        },
    ),
    ready_at=8.0,
)

COMMITS = [
    (
        day(20),
        {
            "app/settings.py": "DEBUG = True\nALLOWED_HOSTS = []\n",
            "app/views.py": "def webhook(request):\n    return handle(request)\n",
            "VERSION": "1.0.0\n",
            "package.json": '{\n  "version": "1.0.0"\n}\n',
            "metrics.json": '{"cpu": {"used_ratio": 0.95}}\n',
        },
    ),
    (
        day(23),
        {
            "app/views.py": (
                "def webhook(request):\n    verify_signature(request)\n    return handle(request)\n"
            ),
            "VERSION": "1.1.0\n",
        },
    ),
    (
        day(26),
        {
            "app/settings.py": "DEBUG = False\nALLOWED_HOSTS = ['shop.example.com']\n",
            "docs/runbook.md": "# Runbook\n",
            "package.json": '{\n  "version": "1.1.0"\n}\n',
            "metrics.json": '{"cpu": {"used_ratio": 0.7}}\n',
        },
    ),
]


def build_repository(root: Path) -> tuple[Path, Path]:
    """The git repository with its three dated commits, and the checklist file beside it."""
    repo = GitRepo(root / "shop")
    for when, files in COMMITS:
        repo.commit(files, when=when)
    checklist_path = write_checklist(root / "shop.readiness.yml", CHECKLIST)
    return repo.root, checklist_path


def seed_document() -> Path:
    return FIXTURES / "seed-mojibake.md"

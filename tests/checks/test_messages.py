"""Summaries kept as templates with parameters: their English text is the summary, and
every check outcome carries one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from checks.checklist import load_checklist
from checks.messages import COMMA_LIST, counted, joined, message, render
from checks.runner import run_checklist
from checks.spec import Attestation, Outcome, RunContext, Status

NOW = dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC)

SAMPLE_CHECKS = [
    {"key": "grep-pass", "type": "grep", "paths": ["app/*.py"], "pattern": "DEBUG"},
    {"key": "grep-fail", "type": "grep", "paths": ["app/*.py"], "pattern": "DEBUG", "max_count": 1},
    {
        "key": "grep-absent",
        "type": "grep",
        "paths": ["app/*.py"],
        "pattern": "eval\\(",
        "expect": "absent",
    },
    {"key": "grep-nofile", "type": "grep", "paths": ["nowhere/*.py"], "pattern": "x"},
    {
        "key": "grep-each",
        "type": "grep",
        "paths": ["app/*.py"],
        "pattern": "import",
        "each_file": True,
    },
    {"key": "grep-binary", "type": "grep", "paths": ["app/*"], "pattern": "DEBUG"},
    {"key": "file-present", "type": "file", "paths": ["app/settings.py"]},
    {"key": "file-any", "type": "file", "paths": ["README.md", "app/settings.py"], "match": "any"},
    {"key": "file-absent", "type": "file", "paths": ["app/*.py"], "expect": "absent"},
    {
        "key": "consistency-agree",
        "type": "consistency",
        "sources": [
            {"paths": ["app/settings.py"], "pattern": "REGION = '([a-z0-9-]+)'"},
            {"paths": ["deploy.txt"], "pattern": "region=([a-z0-9-]+)"},
        ],
    },
    {
        "key": "consistency-disagree",
        "type": "consistency",
        "sources": [
            {"paths": ["app/settings.py"], "pattern": "REGION = '([a-z0-9-]+)'"},
            {"paths": ["other.txt"], "pattern": "region=([a-z0-9-]+)"},
        ],
    },
    {"key": "command-pass", "type": "command", "argv": ["python3", "-c", "print('ok')"]},
    {"key": "command-fail", "type": "command", "argv": ["python3", "-c", "exit(3)"]},
    {
        "key": "threshold-warn",
        "type": "threshold",
        "source": {"path": "metrics.json", "json_path": "cpu"},
        "warn_above": 0.8,
        "fail_above": 0.95,
    },
    {
        "key": "threshold-pass",
        "type": "threshold",
        "source": {"path": "metrics.json", "json_path": "disk"},
        "warn_above": 0.8,
    },
    {"key": "manual-none", "type": "manual"},
    {"key": "manual-expired", "type": "manual", "valid_days": 30},
    {"key": "manual-pass", "type": "manual", "valid_days": 90},
]


def sample_outcomes(repo: Path, *, allow_commands: bool = True) -> dict[str, Outcome]:
    """Outcomes of checks of every type, passing and failing, on a small repository
    built in `repo`."""
    (repo / "app").mkdir()
    (repo / "app" / "settings.py").write_text("import os\nDEBUG = True\nREGION = 'europe-west1'\n")
    (repo / "app" / "views.py").write_text("DEBUG\nDEBUG\n")
    (repo / "app" / "logo.png").write_bytes(b"\x89PNG\0DEBUG")
    (repo / "deploy.txt").write_text("region=europe-west1\n")
    (repo / "other.txt").write_text("region=us-central1\n")
    (repo / "metrics.json").write_text(json.dumps({"cpu": 0.9, "disk": 0.5}))
    document = {
        "version": 1,
        "name": "Samples",
        "categories": [{"key": "all", "checks": SAMPLE_CHECKS}],
    }
    attested = NOW - dt.timedelta(days=40)
    attestations = {
        "manual-expired": [Attestation(Status.PASS, "ana", attested, None)],
        "manual-pass": [Attestation(Status.PASS, "ana", attested, None, evidence_url="https://x")],
    }
    ctx = RunContext(repo=repo, now=NOW, allow_commands=allow_commands, attestations=attestations)
    return run_checklist(load_checklist(json.dumps(document)), ctx)


def test_it_renders_nested_messages_as_one_sentence():
    found = message(
        "%(matches)s in %(files)s",
        matches=counted(2, "%(count)s match", "%(count)s matches"),
        files="x",
    )
    assert str(found) == "2 matches in x"
    french = {"%(matches)s in %(files)s": "%(matches)s dans %(files)s"}
    assert render(found.as_dict(), lambda text: french.get(text, text)) == "2 matches dans x"


def test_it_picks_the_singular_template_for_one_only():
    assert str(counted(1, "%(count)s file", "%(count)s files")) == "1 file"
    assert str(counted(0, "%(count)s file", "%(count)s files")) == "0 files"


def test_it_joins_parts_in_order():
    parts = [message("a"), message("b"), message("c")]
    assert str(joined(parts)) == "a; b; c"
    assert str(joined(parts, COMMA_LIST)) == "a, b, c"


def test_it_gives_every_outcome_a_message_whose_english_text_is_the_summary(tmp_path):
    outcomes = sample_outcomes(tmp_path)
    without = [key for key, outcome in outcomes.items() if outcome.message is None]
    assert without == []
    for outcome in outcomes.values():
        stored = json.loads(json.dumps(outcome.as_dict()))
        assert render(stored["details"]["message"]) == outcome.summary


def test_it_keeps_the_english_summaries_checks_always_gave(tmp_path):
    outcomes = sample_outcomes(tmp_path)
    summaries = {key: outcome.summary for key, outcome in outcomes.items()}
    assert summaries["grep-pass"] == "3 matches in 2 files"
    assert summaries["grep-fail"] == "3 matches in 2 files, expected 1 to 1"
    assert summaries["grep-absent"] == "no match in 2 searched files"
    assert summaries["grep-nofile"] == "paths matched no file"
    assert summaries["grep-binary"].startswith("3 matches in 2 files (1 file skipped: binary file")
    assert summaries["file-any"] == "1 of 2 alternatives exist"
    assert summaries["consistency-agree"] == "all 2 sources agree on 'europe-west1' (2 places)"
    assert summaries["consistency-disagree"] == (
        "sources disagree: 'europe-west1' (1 place), 'us-central1' (1 place)"
    )
    assert summaries["command-fail"] == "exit code 3, expected 0"
    assert summaries["threshold-warn"] == "cpu = 0.9, above the warn limit 0.8"
    assert summaries["threshold-pass"] == "disk = 0.5 (warn above 0.8)"
    assert summaries["manual-none"] == "needs attestation"
    assert summaries["manual-expired"] == "attestation expired on 2026-05-10"
    assert summaries["manual-pass"] == (
        "attested pass by ana on 2026-04-10 (valid until 2026-07-09)"
    )

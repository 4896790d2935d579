"""The import report (readiness/importer/report.py)."""

import json

import pytest
from django.utils import translation

from readiness.importer.report import render_import_report
from readiness.services.imports import import_document_save
from tests.readiness.importer.conftest import SEED, import_doc


def test_it_lists_counts_history_and_every_note_by_line(seed):
    with translation.override("en"):
        text = render_import_report(seed)
    assert f"# Import report: {SEED}" in text
    assert f"- Author: not given; attestations are signed {SEED}" in text
    assert "| Automated checks | 11 |" in text
    assert "| Open action items | 5 |" in text
    assert "Checks by type: command 2, grep 9, manual 34" in text
    assert "2 command checks are disabled until someone enables them" in text
    assert "- 2026-02-16: 9.8/10 · ready (line 348)" in text
    assert "  - Sécurité (security): 10.0/10" in text
    assert "## Approximate translations (2)" in text
    assert "## Not translated (15)" in text
    assert (
        "- line 256: rm changes files or processes: a procedure step, not a check — `rm -rf lib`"
        in text
    )


def test_it_says_when_the_text_was_repaired():
    text = render_import_report(import_doc("seed-mojibake.md"))
    assert "- Encoding: UTF-8 read as Mac Roman, repaired exactly" in text
    assert "Encoding" not in render_import_report(import_doc("seed-repaired.md"))


def test_it_gives_json_with_the_same_content(seed):
    data = json.loads(render_import_report(seed, fmt="json"))
    assert data["date"] == "2026-02-16"
    assert [(p["date"], p["score"]) for p in data["points"]] == [
        ("2026-02-15", 9.2),
        ("2026-02-16", 9.8),
    ]
    assert len(data["notes"]) == len(seed.notes)
    assert {n["kind"] for n in data["notes"]} >= {"untranslated", "approximate"}


@pytest.mark.django_db
def test_it_shows_what_a_save_created_and_what_was_already_there(seed, tmp_path):
    first = import_document_save(result=seed, project_slug="sos", source=str(tmp_path))
    second = import_document_save(result=seed, project_slug="sos")
    assert "| History points (claimed by the document) | 2 | 2 | 0 |" in render_import_report(
        seed, first
    )
    again = render_import_report(seed, second)
    assert "| History points (claimed by the document) | 2 | 0 | 2 |" in again
    assert "| Manual checks | 34 | 0 | 34 |" in again

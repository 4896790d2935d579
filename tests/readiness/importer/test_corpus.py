"""The corpus of readiness documents in the shapes other teams write (tests/fixtures/corpus):
each imports to its golden `import_doc --format json` output and checklist, every line of
each is accounted for, and mojibake changes nothing. Regenerate the golden files only for
an intended change: READINESS_UPDATE_GOLDEN=1."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from readiness.importer import DocumentError, ImportResult, import_document
from tests.readiness.importer.conftest import DOCS

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
EXPECTED = CORPUS / "expected"
DOCUMENTS = sorted(path.name for path in CORPUS.glob("*.md"))
UPDATE = os.environ.get("READINESS_UPDATE_GOLDEN") == "1"
# The golden outputs count marks as attestations at this moment (marks expire).
NOW = "2026-01-15T09:00:00+00:00"
MOJIBAKE = ("mac_roman", "cp1252", "latin-1")


def _golden(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with READINESS_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def corpus_import(name: str) -> ImportResult:
    return import_document((CORPUS / name).read_bytes(), source_name=name)


def test_the_corpus_holds_every_shape_in_five_languages_or_more():
    assert len(DOCUMENTS) >= 12
    shapes = {name.split("-")[0] for name in DOCUMENTS}
    assert {"audit", "checklist", "levels", "scores", "template"} <= shapes
    for shape in shapes - {"revue"}:
        assert sum(name.startswith(f"{shape}-") for name in DOCUMENTS) >= 2, shape
    languages = {name.split("-")[1] for name in DOCUMENTS}
    assert {"en", "fr", "ja", "zh", "pt"} <= languages


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_corpus_document_imports_to_its_golden_output(name):
    out = io.StringIO()
    call_command("import_doc", str(CORPUS / name), "--format", "json", stdout=out)
    json.loads(out.getvalue())
    stem = Path(name).stem
    _golden(EXPECTED / f"{stem}.json", out.getvalue())
    _golden(EXPECTED / f"{stem}.readiness.yml", corpus_import(name).checklist_yaml)


def _unaccounted(result: ImportResult, text: str) -> list[str]:
    noted = {line for note in result.notes for line in range(note.line, note.end_line + 1)}
    return [
        f"{number}: {line}"
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip() and number not in result.used_lines and number not in noted
    ]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_line_of_every_corpus_document_is_turned_into_something_or_reported(name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    assert _unaccounted(corpus_import(name), text) == []


def test_every_line_of_the_seed_is_turned_into_something_or_reported():
    text = (DOCS / "seed-repaired.md").read_text(encoding="utf-8")
    result = import_document(text.encode(), source_name="seed-repaired.md")
    assert _unaccounted(result, text) == []


def _sections(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [part for part in re.split(r"\n(?=## )", text) if part.startswith("## ")]


SECTIONS = [section for name in DOCUMENTS for section in _sections(name)]


def _plan(result: ImportResult) -> tuple:
    return (
        result.title,
        result.date,
        result.checklist_yaml,
        result.points,
        result.manual_items,
        result.claims,
        result.action_items,
        result.other_scores,
        [(n.line, n.end_line, n.kind, str(n.message)) for n in result.notes],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=st.sampled_from(["# Readiness", "# Revue de préparation", "# 上线检查", "# 確認"]),
    dated=st.sampled_from(["", "Date: 2026-01-10\n", "日付: 2026年1月10日\n"]),
    sections=st.lists(st.sampled_from(SECTIONS), min_size=1, max_size=5),
    encoding=st.sampled_from(MOJIBAKE),
)
def test_any_document_survives_mojibake_with_the_same_plan(title, dated, sections, encoding):
    text = f"{title}\n\n{dated}\n" + "\n".join(sections)
    try:
        mangled = text.encode("utf-8").decode(encoding)
    except UnicodeDecodeError:
        assume(False)  # Windows-1252 leaves five bytes undefined: no such mojibake exists
    try:
        clean = import_document(text.encode("utf-8"), source_name="doc.md")
    except DocumentError as error:
        with pytest.raises(DocumentError) as again:
            import_document(mangled.encode("utf-8"), source_name="doc.md")
        assert str(again.value) == str(error)
        return
    repaired = import_document(mangled.encode("utf-8"), source_name="doc.md")
    assert repaired.repair.repaired == (mangled != text)  # ASCII text has no mojibake
    # The repair adds its own warning on line 1; everything else is the same.
    added = [n for n in repaired.notes if n not in clean.notes]
    assert len(added) == (mangled != text) and all(n.line == 1 for n in added)
    assert [n for n in repaired.notes if n not in added] == list(clean.notes)
    assert _plan(repaired)[:-1] == _plan(clean)[:-1]

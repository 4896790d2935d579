"""A document's bytes → its text (readiness/importer/_decode.py)."""

import datetime as dt

import pytest

from readiness.importer import (
    WARNING,
    DocumentError,
    import_document,
)
from tests.readiness.importer.conftest import import_doc, read_doc


def test_it_imports_windows_1252_mojibake_like_the_clean_document():
    mangled = import_doc("windows-1252-mojibake.md", source_name="review.md")
    clean = import_doc("english-review.md", source_name="review.md")
    assert mangled.repair.encoding == "windows-1252"
    assert mangled.checklist_yaml == clean.checklist_yaml
    assert mangled.manual_items == clean.manual_items
    assert mangled.points == clean.points
    assert mangled.action_items == clean.action_items
    assert [n for n in mangled.notes if n.kind != WARNING] == list(clean.notes)


def test_it_imports_latin_1_mojibake_like_the_clean_document():
    clean_bytes = read_doc("score-table-fr.md")
    mangled = clean_bytes.decode("latin-1").encode("utf-8")
    result = import_document(mangled, source_name="doc.md")
    assert result.repair.encoding == "latin-1"
    assert (
        result.checklist_yaml == import_document(clean_bytes, source_name="doc.md").checklist_yaml
    )


def test_it_imports_crlf_line_ends_with_the_same_line_numbers():
    crlf = import_doc("crlf.md", source_name="doc.md")
    lf = import_doc("score-table-fr.md", source_name="doc.md")
    assert crlf.crlf and not lf.crlf
    assert crlf.checklist_yaml == lf.checklist_yaml
    assert crlf.points == lf.points
    assert crlf.action_items == lf.action_items


def test_it_leaves_legitimate_symbols_of_a_clean_document_alone():
    result = import_doc("clean-symbols.md")
    assert result.repair.encoding is None
    names = [spec.name for spec in result.checklist.all_checks()]
    assert names == [
        "La racine √2 est calculée à 10⁻⁹ près",
        "Les guillemets ‚bas‘ et „doubles“ sont conservés",
        "Le symbole ∆ reste tel quel",
    ]
    assert [(p.date, p.score) for p in result.points] == [(dt.date(2026, 4, 1), 9.0)]


@pytest.mark.parametrize(
    ("name", "message"),
    [("empty.md", "The file is empty."), ("binary.png", "binary")],
)
def test_it_refuses_files_that_are_not_documents(name, message):
    with pytest.raises(DocumentError) as error:
        import_doc(name)
    assert message in error.value.message


def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.READINESS_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(DocumentError) as error:
        import_document(b"- [x] ok\n" * 200)
    assert "larger than" in error.value.message


def test_it_refuses_bytes_that_are_no_text_encoding():
    with pytest.raises(DocumentError) as error:
        import_document(b"# Checklist\n- [x] ok \x81\x8d\n")
    assert "not UTF-8" in error.value.message

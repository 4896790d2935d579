"""What the walk collects and the helpers its readers share (readiness/importer/_state.py)."""

import pytest

from readiness.importer import UNTRANSLATED, DocumentError, import_document
from readiness.importer._state import DocumentWalk


def test_it_gives_each_check_a_key_of_its_own():
    walk = DocumentWalk("# Title\n", "t.md")
    assert [walk.unique_key("tls", "item") for _ in range(3)] == ["tls", "tls-2", "tls-3"]
    assert walk.unique_key("", "item") == "item"
    assert walk.unique_key("", "") == "check"


def test_it_files_checks_outside_any_section_under_general():
    walk = DocumentWalk("Some text\n", "t.md")
    assert (walk.category().key, walk.category().name) == ("general", "General")


def test_it_shows_a_code_block_in_a_note_by_its_first_line_of_code():
    walk = DocumentWalk("```bash\nrm -rf lib\n```\n", "t.md")
    walk.note(UNTRANSLATED, 1, 3, "%(program)s changes files", program="rm")
    (note,) = walk.notes
    assert (note.excerpt, str(note.message)) == ("rm -rf lib", "rm changes files")


def test_it_refuses_a_document_with_more_checks_than_the_limit():
    with pytest.raises(DocumentError) as error:
        import_document("## Checklist\n\n" + "".join(f"- [x] item {n}\n" for n in range(2002)))
    assert "more than 2000 checks" in error.value.message

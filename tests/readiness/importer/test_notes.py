"""Notes on the parts of a document (readiness/importer/notes.py)."""

from readiness.importer.notes import (
    NOTE_EXCERPT_CHARS,
    UNTRANSLATED,
    Note,
    NoteMessage,
    excerpt,
)


def test_it_fills_a_message_template_with_its_parameters_when_shown():
    assert str(NoteMessage("%(program)s is interactive", {"program": "vim"})) == (
        "vim is interactive"
    )
    assert str(NoteMessage("narrative text")) == "narrative text"


def test_it_keeps_the_first_non_blank_line_of_an_excerpt_shortened():
    assert excerpt("\n   first line  \nsecond line") == "first line"
    long = excerpt("x" * 500)
    assert len(long) == NOTE_EXCERPT_CHARS
    assert long.endswith("…")


def test_it_gives_a_note_as_plain_data():
    note = Note(3, 5, UNTRANSLATED, NoteMessage("narrative text"), "Some text")
    assert note.as_dict() == {
        "line": 3,
        "end_line": 5,
        "kind": UNTRANSLATED,
        "message": "narrative text",
        "excerpt": "Some text",
    }

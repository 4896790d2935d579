"""Status marks ✅ ⚠️ ❌ 🔄 and task-list boxes (readiness/importer/_marks.py)."""

from readiness.importer._marks import (
    FAIL,
    PASS,
    WARN,
    first_mark,
    status_of_mark,
    strip_mark,
    strip_trailing_mark,
)


def test_it_reads_the_status_each_mark_claims():
    assert [status_of_mark(m) for m in ("✅", "[x]", "⚠", "❌", "[ ]", "🔄")] == [
        PASS,
        PASS,
        WARN,
        FAIL,
        FAIL,
        FAIL,
    ]


def test_it_strips_a_leading_mark_without_its_variation_selector():
    assert strip_mark("⚠️ Runbooks partially written") == ("⚠", "Runbooks partially written")
    assert strip_mark("[x] TLS everywhere") == ("[x]", "TLS everywhere")
    assert strip_mark("No mark") == (None, "No mark")


def test_it_strips_a_trailing_mark_but_not_a_mark_alone():
    assert strip_trailing_mark("TLS everywhere ✅") == ("✅", "TLS everywhere")
    assert strip_trailing_mark("✅") == (None, "✅")


def test_it_finds_the_first_mark_anywhere_in_a_text():
    assert first_mark("Résultat : ✅ COHÉRENT") == "✅"
    assert first_mark("no mark") is None

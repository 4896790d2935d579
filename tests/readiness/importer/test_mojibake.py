from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness.importer._mojibake import (
    LATIN_1,
    MAC_ROMAN,
    WINDOWS_1252,
    repair_mojibake,
)

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
FRENCH = "# ✅ VÉRIFICATION COHÉRENCE RÉGIONS\n- ⚠️ Déployer l’API → west3 (était 9.5)\n"


def mangle(text: str, codec: str) -> str:
    """What a tool that reads UTF-8 as `codec` and saves UTF-8 again makes of `text`."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def test_it_repairs_the_seed_exactly_to_its_clean_original():
    mangled = (DOCS / "seed-mojibake.md").read_text(encoding="utf-8")
    repaired = repair_mojibake(mangled)
    assert repaired.encoding == MAC_ROMAN
    assert repaired.rounds == 1
    assert repaired.text == (DOCS / "seed-repaired.md").read_text(encoding="utf-8")
    assert "V√âRIFICATION" in mangled
    assert "VÉRIFICATION" in repaired.text


@pytest.mark.parametrize(
    ("codec", "name", "sample"),
    [
        ("mac_roman", MAC_ROMAN, "‚úÖ"),
        ("cp1252", WINDOWS_1252, "âœ…"),
        ("latin-1", LATIN_1, "â\x9c\x85"),
    ],
)
def test_it_detects_and_repairs_each_code_page(codec, name, sample):
    mangled = mangle(FRENCH, codec)
    assert sample in mangled
    assert repair_mojibake(mangled).encoding == name
    assert repair_mojibake(mangled).text == FRENCH


def test_it_repairs_two_layers_of_mojibake():
    twice = mangle(mangle(FRENCH, "cp1252"), "cp1252")
    repaired = repair_mojibake(twice)
    assert repaired.rounds == 2
    assert repaired.text == FRENCH


@pytest.mark.parametrize(
    "clean",
    [
        FRENCH,
        "La racine √2 et les guillemets ‚bas‘ restent tels quels.",
        "√ seul, ‚ seul, ∆, Ω, µ et π dans un texte propre",
        "Café, naïve, déjà vu",
        "plain ASCII only",
        (DOCS / "clean-symbols.md").read_text(encoding="utf-8"),
        (DOCS / "seed-repaired.md").read_text(encoding="utf-8"),
    ],
)
def test_it_leaves_clean_text_exactly_as_it_is(clean):
    repaired = repair_mojibake(clean)
    assert repaired.text == clean
    assert repaired.encoding is None
    assert not repaired.suspicious


def test_it_leaves_a_partly_mangled_text_alone_and_says_it_looks_mangled():
    mixed = "déjà écrit proprement, puis VÃ©RIFICATION collée d'ailleurs"
    repaired = repair_mojibake(mixed)
    assert repaired.text == mixed
    assert repaired.suspicious


def test_it_drops_a_byte_order_mark_even_inside_the_mojibake():
    mangled = mangle("\ufeff# Revue ✅", "mac_roman")
    assert repair_mojibake(mangled).text == "# Revue ✅"


# A realistic document alphabet: ASCII, accented letters, typographic punctuation, arrows,
# box drawing and emoji; no stray combining marks or control characters.
REALISTIC = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ 019\n#-*|:()/.,'\"") + list("éèàêçôûîÉÈÀÇœæ’‘“”–—…•→↓─│┌✅⚠❌⭐🔄📊🧪√∆ΩµπÃ©")
    ),
    max_size=200,
)


@given(REALISTIC, st.sampled_from(["mac_roman", "cp1252", "latin-1"]))
def test_it_undoes_any_mangling_of_a_text_holding_an_emoji(text, codec):
    # An emoji exists in no single-byte code page: the original is then unambiguous.
    original = text + " ✅"
    assert repair_mojibake(mangle(original, codec)).text == original


@given(REALISTIC)
def test_it_never_alters_a_text_holding_an_emoji(text):
    clean = text + " ✅"
    assert repair_mojibake(clean).text == clean.removeprefix("\ufeff")

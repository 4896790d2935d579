from readiness.importer._markdown import (
    CodeBlock,
    FrontMatter,
    Heading,
    ListBlock,
    Paragraph,
    Rule,
    Table,
    parse_blocks,
    plain,
    slugify_key,
    strip_symbols,
)

DOC = """---
title: Review
date: 2026-02-16
---
# Title

Intro line
continues here.

Setext heading
--------------

- ✅ one
  continued
- two
  1. nested
     more
- three

| A | B |
|---|:-:|
| 1 | x \\| y |

```bash
grep x a
```

***
```
never closed
"""


def kinds(blocks):
    return [(type(b).__name__, b.line, b.end_line) for b in blocks]


def test_it_splits_a_document_into_blocks_with_their_lines():
    blocks = parse_blocks(DOC)
    assert kinds(blocks) == [
        ("FrontMatter", 1, 4),
        ("Heading", 5, 5),
        ("Paragraph", 7, 8),
        ("Heading", 10, 10),
        ("ListBlock", 13, 18),
        ("Table", 20, 22),
        ("CodeBlock", 24, 26),
        ("Rule", 28, 28),
        ("CodeBlock", 29, 31),
    ]
    front, title, intro, setext, items, table, code, rule, unclosed = blocks
    assert isinstance(front, FrontMatter) and front.fields["date"] == (3, "2026-02-16")
    assert isinstance(title, Heading) and (title.level, title.text) == (1, "Title")
    assert isinstance(intro, Paragraph) and intro.text == "Intro line continues here."
    assert isinstance(setext, Heading) and (setext.level, setext.text) == (2, "Setext heading")
    assert isinstance(items, ListBlock)
    assert [i.text for i in items.items] == ["✅ one continued", "two", "three"]
    assert [(c.text, c.line, c.end_line) for c in items.items[1].children] == [
        ("nested more", 16, 17)
    ]
    assert isinstance(table, Table)
    assert table.header == ["A", "B"]
    assert table.rows == [(22, ["1", "x | y"])]
    assert isinstance(code, CodeBlock) and code.info == "bash" and code.body == [(25, "grep x a")]
    assert isinstance(rule, Rule)
    assert isinstance(unclosed, CodeBlock) and not unclosed.closed


def test_it_keeps_a_list_across_blank_lines_but_not_past_a_paragraph():
    blocks = parse_blocks("- a\n\n- b\n\ntext\n- c\n")
    assert kinds(blocks) == [("ListBlock", 1, 3), ("Paragraph", 5, 5), ("ListBlock", 6, 6)]


def test_it_reduces_inline_markdown_to_text():
    assert plain("**Résultat** : ✅ `COHÉRENT` [doc](http://x) *a* __b__") == (
        "Résultat : ✅ COHÉRENT doc a b"
    )
    assert plain("a_b_c and 2*3*4") == "a_b_c and 2*3*4"


def test_it_strips_emoji_and_symbols_around_text_only():
    assert strip_symbols("🔄 À FAIRE ⭐") == "À FAIRE"
    assert strip_symbols("✅ Build → deploy ✅") == "Build → deploy"


def test_it_makes_keys_without_accents_within_a_length():
    assert slugify_key("Vérification cohérence régions") == "verification-coherence-regions"
    assert slugify_key("Phone encryption (ENCRYPTION_KEY)") == "phone-encryption-encryption-key"
    assert slugify_key("a " * 100, limit=10) == "a-a-a-a-a"
    assert slugify_key("✅ ⚠️") == ""

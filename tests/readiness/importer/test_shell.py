"""Shell words and operators (readiness/importer/_shell.py)."""

from readiness.importer._shell import tokenize


def test_it_tokenizes_quotes_and_operators_like_a_shell():
    tokens = tokenize("""grep -r "a b" 'c $d' e\\ f 2>/dev/null | head # comment""")
    words = [t.text for t in tokens]
    assert words == ["grep", "-r", "a b", "c $d", "e f", "2>", "/dev/null", "|", "head"]
    assert not any(getattr(t, "expands", False) for t in tokens)
    assert tokenize('echo "$HOME"')[1].expands

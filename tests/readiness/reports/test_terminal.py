"""Reports as terminal text (readiness/reports/terminal.py): columns that line up."""

import pytest
from django.utils import translation

from readiness.reports.terminal import assessment_text, display_width

REPORT = {
    "name": "Shop readiness",
    "revision": "0123456789abcdef",
    "ready_at": 8.0,
    "score": 5.0,
    "coverage": 1.0,
    "verdict": "not-ready",
    "reasons": [{"code": "score_below", "score": 5.0, "ready_at": 8.0}],
    "categories": [{"key": "security", "name": "Sécurité", "score": 5.0, "coverage": 1.0}],
    "checks": [
        {"key": "tls", "name": "TLS", "status": "pass", "summary": "a | b"},
        {"key": "csp", "name": "", "status": "warn", "summary": "half\nof it"},
    ],
}


@pytest.mark.parametrize(
    ("text", "width"), [("abc", 3), ("✅ PASS", 7), ("⚠️ WARN", 7), ("日本", 4), ("é", 1)]
)
def test_it_counts_wide_characters_and_emoji_as_two_columns(text, width):
    assert display_width(text) == width


def test_it_lines_up_the_table_and_ends_with_the_verdict_and_its_reasons():
    with translation.override("en"):
        lines = assessment_text(REPORT).splitlines()

    assert lines[0] == "Shop readiness · 0123456789ab"
    table = lines[2:6]
    assert len({display_width(line) for line in table}) == 1
    assert "| csp " in table[3] and "half of it" in table[3] and "a \\| b" in table[2]
    assert "  Sécurité  5.0/10 · 100% measured" in lines
    assert "Score: 5.0/10 · 100% measured" in lines
    assert "Verdict: not ready (ready at 8.0/10)" in lines
    assert lines[-1].startswith("  - The score 5.0/10 is below")

"""Claimed scores, history points, improvements (readiness/importer/_scores.py)."""

import datetime as dt


def test_it_reads_the_two_history_points_with_their_category_scores(seed):
    before, after = seed.points
    assert before.date == dt.date(2026, 2, 15)
    assert before.score == 9.2
    assert [(c.key, c.name, c.score) for c in before.categories] == [
        ("architecture", "Architecture", 9.5),
        ("coherence-regions", "Cohérence régions", 8.5),
    ]
    assert before.verdict == ""
    assert after.date == dt.date(2026, 2, 16)
    assert after.score == 9.8
    assert [(c.key, c.name, c.score) for c in after.categories] == [
        ("architecture", "Architecture", 10.0),
        ("security", "Sécurité", 10.0),
        ("error-handling", "Error handling", 9.5),
        ("monitoring", "Monitoring", 9.0),
        ("documentation", "Documentation", 9.0),
        ("coherence-regions", "Cohérence régions", 10.0),
    ]
    assert after.verdict == "ready"


def test_it_keeps_the_claimed_improvements_with_their_deltas(seed):
    after = seed.points[1]
    assert [(i.delta, i.line) for i in after.improvements] == [(0.3, 351), (0.1, 352), (0.2, 353)]
    # The deltas the document claims add up to its own change of score.
    assert round(sum(i.delta for i in after.improvements), 9) == round(
        after.score - seed.points[0].score, 9
    )

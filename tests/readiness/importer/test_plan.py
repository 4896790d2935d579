"""The plan's counts (readiness/importer/_plan.py)."""

from readiness.importer import (
    WARNING,
)


def test_it_counts_what_it_created(seed):
    assert seed.counts() == {
        "categories": 10,
        "checks": 45,
        "automated_checks": 11,
        "manual_checks": 34,
        "attestations": 34,
        "history_points": 2,
        "category_scores": 8,
        "action_items": 5,
        "done_items": 5,
        "untranslated": 15,
        "approximate": 2,
        "warnings": len([n for n in seed.notes if n.kind == WARNING]),
    }
    assert seed.checks_by_type() == {"grep": 9, "command": 2, "manual": 34}

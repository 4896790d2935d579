"""Heading text and category names (readiness/importer/_headings.py)."""

import pytest

from readiness.importer._headings import (
    category_name,
    is_checklist_heading,
    kind_of_heading,
    priority_of_heading,
)

CATEGORIES = [
    ("coherence-regions", "Cohérence régions"),
    ("flux-paiement", "Flux paiement"),
    ("flux-inscription", "Flux inscription"),
    ("flux-appels-twilio", "Flux appels twilio"),
    ("suppression-fonctions-obsoletes", "Suppression fonctions obsolètes"),
    ("deploiement", "Déploiement"),
    ("security", "Security"),
    ("error-handling", "Error Handling"),
    ("monitoring", "Monitoring"),
    ("scalability", "Scalability"),
]


def test_it_makes_one_category_per_section_and_checklist(seed):
    assert [(c.key, c.name) for c in seed.checklist.categories] == CATEGORIES


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("1. VÉRIFICATION COHÉRENCE RÉGIONS", "Cohérence régions"),
        ("Security Checklist", "Security"),
        ("🔒 Checklist sécurité :", "Sécurité"),
    ],
)
def test_it_names_a_category_after_its_heading(heading, name):
    assert category_name(heading) == name


def test_it_says_which_kind_of_section_a_heading_opens():
    assert [kind_of_heading(h) for h in ("🔄 À FAIRE", "✅ TERMINÉ", "Security")] == [
        "todo",
        "done",
        "",
    ]
    assert is_checklist_heading("Liste de contrôle")
    assert priority_of_heading("P1 — next week") == "P1"
    assert priority_of_heading("Plan") == ""

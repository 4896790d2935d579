"""Score and priority tables (readiness/importer/_tables.py)."""

import datetime as dt

from readiness.importer import (
    UNTRANSLATED,
)
from tests.readiness.importer.conftest import checks_of, import_doc


def test_it_reads_a_score_table_and_a_french_todo_list():
    result = import_doc("score-table-fr.md")
    assert result.author == "Marie Curie"
    assert result.date == dt.date(2026, 1, 15)
    (point,) = result.points
    assert point.date == dt.date(2026, 1, 15)
    assert point.score == 7.8
    # "Sécurité" in the table is the "Checklist sécurité" category.
    assert [(c.key, c.name, c.score) for c in point.categories] == [
        ("securite", "Sécurité", 7.0),
        ("performance", "Performance", 8.5),
    ]
    assert [c.key for c in result.checklist.categories] == ["securite", "dependances"]
    audit = checks_of(result)["npm-audit-audit-level-high"]
    assert audit.type == "command"
    assert audit.options["argv"] == ["npm", "audit", "--audit-level=high"]
    assert [(a.title, a.done, a.priority, a.owner, a.due_date) for a in result.action_items] == [
        ("Ajouter les en-têtes CSP (@marie, 2026-02-01)", False, "", "marie", dt.date(2026, 2, 1)),
        ("Activer HTTPS", True, "", "", None),
        ("Mettre à jour les dépendances", False, "P1", "", None),
    ]
    assert [n for n in result.notes if n.kind == UNTRANSLATED] == []

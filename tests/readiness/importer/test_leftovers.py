"""Notes for every unused line (readiness/importer/_leftovers.py)."""

from readiness.importer import (
    UNTRANSLATED,
    import_document,
)


def test_it_reports_every_untranslated_part_with_its_lines(seed):
    untranslated = [(n.line, n.end_line) for n in seed.notes if n.kind == UNTRANSLATED]
    assert untranslated == [
        (24, 24),  # Résultat : ✅ COHÉRENT (the section's checks have their own claims)
        (54, 54),
        (62, 111),  # typescript flow simulation
        (120, 120),
        (128, 141),  # typescript: registerChatter
        (151, 162),  # typescript: onProviderCreated
        (172, 213),  # box diagram
        (221, 221),
        (241, 241),
        (249, 251),  # "Fonctions modifiées aujourd'hui" with its list
        (256, 256),  # rm -rf lib
        (258, 258),  # firebase deploy
        (263, 273),  # "Fichiers modifiés" and "Déploiement", with their lists
        (322, 338),  # the summary table of claimed results
        (383, 385),  # the MONITORING recommendations
    ]
    reasons = {n.line: str(n.message) for n in seed.notes}
    assert "diagram" in reasons[172]
    assert "procedure step" in reasons[256]
    assert "deploy" in reasons[258]
    assert "summary table" in reasons[322]


def test_it_reports_each_narrative_line_between_translated_parts():
    result = import_document(
        "# R\n\n## Checklist\n\n- [x] A\n\nFirst remark.\n\nMore.\n\n- [ ] B\n\nLast remark.\n",
        source_name="r.md",
    )
    notes = [(n.line, n.end_line, n.kind) for n in result.notes]
    # Paragraphs apart only by blank lines are one part; a translated list splits them.
    assert notes == [(7, 9, UNTRANSLATED), (13, 13, UNTRANSLATED)]

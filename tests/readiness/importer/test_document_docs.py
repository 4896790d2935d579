"""Documents of other shapes than the seed, and inputs that are not documents at all."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.checklist import load_checklist
from readiness.importer import UNTRANSLATED, WARNING, DocumentError, import_document
from tests.readiness.importer.conftest import import_doc, read_doc


def checks_of(result):
    return {spec.key: spec for spec in result.checklist.all_checks()}


def test_it_imports_an_english_document_with_task_list_checklists():
    result = import_doc("english-review.md")
    assert result.title == "Payments API — Production readiness review"
    assert result.author == "Jane Doe"
    assert result.date == dt.date(2026, 3, 10)
    assert [c.key for c in result.checklist.categories] == [
        "configuration-checks",
        "security",
        "operations",
    ]
    checks = checks_of(result)
    assert checks["debug-mode-is-off-in-production-settings"].options["pattern"] == "DEBUG = False"
    aws = checks["no-hard-coded-aws-key-in-the-source"]
    assert aws.options["paths"] == ["src/**"]
    assert aws.options["pattern"] == "AKIA[0-9A-Z]{16}"
    assert aws.options["expect"] == "absent"
    health = checks["the-health-endpoint-is-declared"]
    assert health.options["ignore_case"] is True
    assert checks["the-runbook-exists"].type == "file"
    pods = checks["pods-are-running"]
    assert pods.type == "command"
    assert pods.options["enabled"] is False
    assert pods.options["expect"]["stdout_not_matches"] == "(?i:crashloopbackoff)"
    statuses = {item.check_key: item.status for item in result.manual_items}
    assert statuses == {
        "tls-everywhere": "pass",
        "secrets-in-the-vault": "pass",
        "penetration-test-done": "fail",
        "dependency-audit-weekly": "pass",
        "on-call-rota": "pass",
        "runbooks-partially-written": "warn",
        "load-test-at-2-peak": "fail",
    }
    assert result.claims["the-health-endpoint-is-declared"][0] == "fail"
    assert [(p.date, p.score) for p in result.points] == [
        (dt.date(2026, 2, 1), 6.5),
        (dt.date(2026, 3, 10), 7.5),
    ]
    assert [(c.key, c.score) for c in result.points[0].categories] == [("security", 6.0)]
    assert [(c.key, c.score) for c in result.points[1].categories] == [
        ("security", 8.0),
        ("operations", 7.0),
    ]
    assert [(a.priority, a.title, a.owner, a.due_date) for a in result.action_items] == [
        ("P0", "Run the penetration test", "jane", dt.date(2026, 3, 20)),
        ("P1", "Finish the runbooks", "Bob", dt.date(2026, 4, 1)),
        ("P2", "Load test at 2× peak", "Ops team", None),
    ]
    notes = {n.line: str(n.message) for n in result.notes if n.kind == UNTRANSLATED}
    assert set(notes) == {31, 71}
    assert "git push" in notes[31]
    assert notes[71] == "narrative text"
    assert load_checklist(result.checklist_yaml, filename="x.yml") == result.checklist


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


def test_it_imports_windows_1252_mojibake_like_the_clean_document():
    mangled = import_doc("windows-1252-mojibake.md", source_name="review.md")
    clean = import_doc("english-review.md", source_name="review.md")
    assert mangled.repair.encoding == "windows-1252"
    assert mangled.checklist_yaml == clean.checklist_yaml
    assert mangled.manual_items == clean.manual_items
    assert mangled.points == clean.points
    assert mangled.action_items == clean.action_items
    assert [n for n in mangled.notes if n.kind != WARNING] == list(clean.notes)


def test_it_imports_latin_1_mojibake_like_the_clean_document():
    clean_bytes = read_doc("score-table-fr.md")
    mangled = clean_bytes.decode("latin-1").encode("utf-8")
    result = import_document(mangled, source_name="doc.md")
    assert result.repair.encoding == "latin-1"
    assert (
        result.checklist_yaml == import_document(clean_bytes, source_name="doc.md").checklist_yaml
    )


def test_it_imports_crlf_line_ends_with_the_same_line_numbers():
    crlf = import_doc("crlf.md", source_name="doc.md")
    lf = import_doc("score-table-fr.md", source_name="doc.md")
    assert crlf.crlf and not lf.crlf
    assert crlf.checklist_yaml == lf.checklist_yaml
    assert crlf.points == lf.points
    assert crlf.action_items == lf.action_items


def test_it_leaves_legitimate_symbols_of_a_clean_document_alone():
    result = import_doc("clean-symbols.md")
    assert result.repair.encoding is None
    names = [spec.name for spec in result.checklist.all_checks()]
    assert names == [
        "La racine √2 est calculée à 10⁻⁹ près",
        "Les guillemets ‚bas‘ et „doubles“ sont conservés",
        "Le symbole ∆ reste tel quel",
    ]
    assert [(p.date, p.score) for p in result.points] == [(dt.date(2026, 4, 1), 9.0)]


@pytest.mark.parametrize(
    ("name", "message"),
    [("empty.md", "The file is empty."), ("binary.png", "binary")],
)
def test_it_refuses_files_that_are_not_documents(name, message):
    with pytest.raises(DocumentError) as error:
        import_doc(name)
    assert message in error.value.message


def test_it_refuses_text_that_is_not_a_readiness_document():
    with pytest.raises(DocumentError) as error:
        import_document(b"# Holiday plans\n\nWe go to the sea in July.\n")
    assert "not a readiness document" in error.value.message


def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.READINESS_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(DocumentError) as error:
        import_document(b"- [x] ok\n" * 200)
    assert "larger than" in error.value.message


def test_it_refuses_bytes_that_are_no_text_encoding():
    with pytest.raises(DocumentError) as error:
        import_document(b"# Checklist\n- [x] ok \x81\x8d\n")
    assert "not UTF-8" in error.value.message


def test_it_imports_a_five_megabyte_document():
    # The seed with a big pasted log, as real documents sometimes have.
    seed = read_doc("seed-repaired.md")
    log = b"2026-02-16T10:00:00Z INFO twilioConferenceWebhook conference-end captured\n" * 75_000
    document = seed + b"\n## Annexe : logs\n\n```\n" + log + b"```\n"
    assert 5 * 1024 * 1024 < len(document) < 10 * 1024 * 1024
    result = import_document(document, source_name="big.md")
    assert result.checklist == import_document(seed, source_name="big.md").checklist
    last = result.notes[-1]
    assert (last.kind, last.end_line - last.line) == (UNTRANSLATED, 75_001)


def test_it_reports_each_narrative_line_between_translated_parts():
    result = import_document(
        "# R\n\n## Checklist\n\n- [x] A\n\nFirst remark.\n\nMore.\n\n- [ ] B\n\nLast remark.\n",
        source_name="r.md",
    )
    notes = [(n.line, n.end_line, n.kind) for n in result.notes]
    # Paragraphs apart only by blank lines are one part; a translated list splits them.
    assert notes == [(7, 9, UNTRANSLATED), (13, 13, UNTRANSLATED)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(str.encode)))
def test_it_never_crashes_on_bytes_or_text(data):
    try:
        result = import_document(data, source_name="fuzz.md")
    except DocumentError as error:
        assert error.message
    else:
        if result.checklist is not None:
            assert load_checklist(result.checklist_yaml, filename="f.yml") == result.checklist


MARKDOWN_PIECES = st.sampled_from(
    [
        "# Titre 2026-02-16\n",
        "## 1. VÉRIFICATION COHÉRENCE\n",
        "### Security Checklist\n",
        "### ✅ TERMINÉ\n",
        "### 🔄 À FAIRE\n",
        "- ✅ item\n",
        "- ⚠️ other item\n",
        "- [ ] task\n",
        "1. **Deploy** :\n   - sub step\n",
        "```bash\n",
        "```\n",
        'grep -r "a.*b" src/\n',
        "# ✅ ATTENDU: Aucun résultat\n",
        "cmd | grep x\n",
        "rm -rf /\n",
        "| Domaine | Score |\n|---|---|\n| Sécurité | 9/10 |\n",
        "| P0 | fix | bob |\n",
        "**Score** : 9.8/10\n",
        "- Architecture : 10/10 (était 9.5)\n",
        "### Avant (2026-02-15)\n**9.2/10**\n",
        "**Date** : 2026-02-16\n",
        "\n",
        "text with `code` and **bold**\n",
        "grep '\\(unclosed' a\n",
        "---\n",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKDOWN_PIECES, max_size=40))
def test_it_never_crashes_on_documents_made_of_readiness_pieces(pieces):
    try:
        result = import_document("".join(pieces), source_name="pieces.md")
    except DocumentError as error:
        assert error.message
    else:
        if result.checklist is not None:
            assert load_checklist(result.checklist_yaml, filename="p.yml") == result.checklist


def test_it_skips_an_empty_item_of_a_priority_list():
    text = (
        '# Review\n\n## Security\n\n```bash\ngrep -r "csrf" src/\n```\n\n'
        "## P1 — next week\n\n- ✅\n- Rotate the webhook secret\n"
    )

    result = import_document(text.encode())

    assert [draft.title for draft in result.action_items] == ["Rotate the webhook secret"]

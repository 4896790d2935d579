"""The entry point (readiness/importer/document.py): whole documents in, whole plans out,
and input that is no readiness document refused."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.checklist import load_checklist
from readiness.importer import (
    UNTRANSLATED,
    WARNING,
    DocumentError,
    import_document,
)
from tests.readiness.importer.conftest import SEED, checks_of, import_doc, read_doc


def test_it_imports_the_mangled_and_the_repaired_seed_to_the_same_result():
    mangled = import_doc("seed-mojibake.md", source_name=SEED)
    repaired = import_doc("seed-repaired.md", source_name=SEED)
    assert mangled.repair.encoding == "mac-roman"
    assert repaired.repair.encoding is None
    assert mangled.checklist_yaml == repaired.checklist_yaml
    assert mangled.checklist == repaired.checklist
    assert mangled.manual_items == repaired.manual_items
    assert mangled.claims == repaired.claims
    assert mangled.points == repaired.points
    assert mangled.action_items == repaired.action_items
    assert [n for n in mangled.notes if n.kind != WARNING] == list(repaired.notes)


def test_it_produces_a_checklist_that_load_checklist_accepts(seed):
    assert load_checklist(seed.checklist_yaml, filename="seed.yml") == seed.checklist


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


def test_it_refuses_text_that_is_not_a_readiness_document():
    with pytest.raises(DocumentError) as error:
        import_document(b"# Holiday plans\n\nWe go to the sea in July.\n")
    assert "not a readiness document" in error.value.message


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

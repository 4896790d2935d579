"""Reports as Markdown (readiness/reports/markdown.py): the project's readiness report and
the import report."""

from django.utils import translation

from readiness.models import CheckResult
from readiness.reports.imports import import_report_data
from readiness.reports.jsontext import json_text
from readiness.reports.markdown import import_report_markdown, report_markdown
from readiness.reports.project import report_build, report_data
from tests.readiness.importer.conftest import SEED, import_doc
from tests.readiness.reports.conftest import (
    AFTER,
    BEFORE,
    category_scores,
    overall,
    share,
)


def test_it_writes_the_markdown_report_in_the_documents_shape(measured):
    project, _ = measured
    with translation.override("en"):
        text = report_markdown(report_build(project=project))
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == [
        "## 1. Summary of checks",
        "## 2. Scores per category",
        "## 3. Overall score",
        "## 4. Changes since the previous assessment",
        "## 5. TODO",
    ]
    assert "| TLS is right | Security | ✅ PASS | tls \\| pass |" in text
    assert "| LOGS is right | Monitoring | ⚠️ WARN | logs \\| warn |" in text
    after, before = category_scores(AFTER), category_scores(BEFORE)
    security = after["security"] - before["security"]
    assert (
        f"| Security | {after['security']:.1f}/10 | was {before['security']:.1f} (+{security:.1f}) "
        "| 100% measured |"
    ) in text
    assert f"**{overall(AFTER):.1f}/10** · 100% measured" in text
    change = overall(AFTER) - overall(BEFORE)
    assert (
        f"Previous: {overall(BEFORE):.1f}/10 on 2026-03-01 (measured) · change: +{change:.2f}"
        in text
    )
    csp = share("csp") * 10
    improvements = text.split("### Improvements\n\n")[1].split("\n\n")[0]
    assert improvements == f"- ✅ CSP is right (`csp`): FAIL → PASS (+{csp:.3f})"
    regressions = text.split("### Regressions\n\n")[1].split("\n\n")[0]
    logs = share("logs") * 10 / 2
    assert regressions == f"- ❌ LOGS is right (`logs`): PASS → WARN (−{logs:.3f})"
    assert f"Total: +{change:.3f}" in text
    todo = text.split("## 5. TODO\n\n")[1].splitlines()
    assert todo == ["1. **P0** Urgent", "2. **P1** Soon (bob)", "3. Later"]


def test_it_writes_french_numbers_and_the_same_shape(measured):
    project, _ = measured
    with translation.override("en"):
        english = report_markdown(report_build(project=project))
    with translation.override("fr"):
        french = report_markdown(report_build(project=project))
    assert english.count("\n## ") == french.count("\n## ") == 5
    assert english.count("\n| ") == french.count("\n| ")
    assert f"**{overall(AFTER):.1f}/10**".replace(".", ",") in french
    assert f"(+{share('csp') * 10:.3f})".replace(".", ",") in french


def test_it_lists_counts_history_and_every_note_by_line(seed):
    with translation.override("en"):
        text = import_report_markdown(import_report_data(seed))
    assert f"# Import report: {SEED}" in text
    assert f"- Author: not given; attestations are signed {SEED}" in text
    assert "| Automated checks | 11 |" in text
    assert "| Open action items | 5 |" in text
    assert "Checks by type: command 2, grep 9, manual 34" in text
    assert "2 command checks are disabled until someone enables them" in text
    assert "- 2026-02-16: 9.8/10 · ready (line 348)" in text
    assert "  - Sécurité (security): 10.0/10" in text
    assert "## Approximate translations (2)" in text
    assert "## Not translated (15)" in text
    assert (
        "- line 256: rm changes files or processes: a procedure step, not a check — `rm -rf lib`"
        in text
    )


def test_it_says_when_the_text_was_repaired():
    text = import_report_markdown(import_report_data(import_doc("seed-mojibake.md")))
    assert "- Encoding: UTF-8 read as Mac Roman, repaired exactly" in text
    assert "Encoding" not in import_report_markdown(
        import_report_data(import_doc("seed-repaired.md"))
    )


def test_it_says_awaiting_attestation_and_counts_it_apart_from_errors(measured):
    project, _ = measured
    latest = project.assessments.order_by("-evaluated_at").first()
    CheckResult.objects.filter(assessment=latest, check_item__key="logs").update(
        status="error",
        summary="needs attestation",
        details={"message": {"template": "needs attestation", "params": {}}, "awaiting": "x"},
    )
    with translation.override("en"):
        report = report_build(project=project)
        text = report_markdown(report)

    assert "| LOGS is right | Monitoring | ⏳ Awaiting attestation |" in text
    assert "⏳ Awaiting attestation: 1" in text
    assert "ERROR" not in text.split("## 2.")[0]
    # JSON keeps the status value.
    assert '"status": "error"' in json_text(report_data(report))

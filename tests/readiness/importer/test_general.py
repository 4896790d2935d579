"""The importer read by structure and meaning: dates, scores, sections, results, tables of
checks, commands and keys in the languages and shapes other teams write."""

import datetime as dt

import pytest

from readiness.importer import import_document
from readiness.importer._expectations import read_expectation
from readiness.importer._keys import text_key
from readiness.importer._text import find_date
from tests.readiness.importer.conftest import checks_of


def doc(text: str, name: str = "doc.md"):
    return import_document(text.encode("utf-8"), source_name=name)


@pytest.mark.parametrize(
    ("text", "month_first", "date"),
    [
        ("2025年12月20日", False, dt.date(2025, 12, 20)),
        ("2026/02/23", False, dt.date(2026, 2, 23)),
        ("11 de Novembro de 2025", False, dt.date(2025, 11, 11)),
        ("17 de noviembre de 2025", False, dt.date(2025, 11, 17)),
        ("November 17, 2025", False, dt.date(2025, 11, 17)),
        ("03/04/2025", False, dt.date(2025, 4, 3)),
        ("03/04/2025", True, dt.date(2025, 3, 4)),
        ("11/17/2025", False, dt.date(2025, 11, 17)),
        ("Day 1（12/20）", False, None),
        ("____-__-__", False, None),
    ],
)
def test_it_reads_dates_in_any_common_form(text, month_first, date):
    assert find_date(text, month_first=month_first) == date


@pytest.mark.parametrize(
    "header",
    [
        "## Date : 2026-02-23 | Projet : sos-urgently-ac307",
        "**日付**: 2026-02-23",
        "日期：2026年2月23日",
        "Fecha: 23/02/2026 | Equipo: Pagos",
        "**Data:** 23 de Fevereiro de 2026",
    ],
)
def test_it_dates_a_document_by_its_label_lines_in_any_language(header):
    result = doc(f"# Audit\n\n{header}\n\n## A\n\n- ✅ TLS\n")
    assert result.date == dt.date(2026, 2, 23)
    assert result.date_source == ""


def test_a_blank_date_field_is_no_date_and_the_file_name_is_the_last_resort():
    blank = doc("# 检查\n\n检查日期: _____\n\n## A\n\n- ✅ TLS\n", "review-2025-10-01.md")
    assert blank.date == dt.date(2025, 10, 1)
    assert blank.date_source == "file name"
    assert any("file name" in str(note.message) for note in blank.notes)


def test_a_french_audit_with_a_domain_table_gives_a_point_with_category_scores():
    result = doc(
        "# Audit\n\n## Date : 2026-02-23 | Projet : x\n\n"
        "## Score Global : 7.5/10 — 13 domaines audites\n\n"
        "| Domaine | Score | Verdict |\n|---|---|---|\n| Firestore rules | 6/10 | faible |\n"
        "| Paiements | 8,5/10 | bon |\n\n## Points\n\n- ❌ Règles trop larges\n"
    )
    [point] = result.points
    assert (point.date, point.score) == (dt.date(2026, 2, 23), 7.5)
    assert {c.key: c.score for c in point.categories} == {"firestore-rules": 6, "paiements": 8.5}


def test_of_several_overall_scores_the_verified_one_stands_and_the_others_are_listed():
    result = doc(
        "# Scores\n\nDate: 2025-11-17\n\nSelf-assessed score: 91/100\n"
        "Verified overall score: 84/100\n\n"
        "| Area | Before | Claimed | Actual |\n|---|---|---|---|\n"
        "| Security | 6/10 | 9/10 | 8/10 |\n"
    )
    [point] = result.points
    assert point.score == 8.4
    assert [c.score for c in point.categories] == [8]
    others = {(o.category, o.label, o.score) for o in result.other_scores}
    assert ("", "Self-assessed score", 9.1) in others
    assert ("Security", "Claimed", 9) in others


@pytest.mark.parametrize("line", ["Load tests passed 3/4 checks", "2/3 replicas", "24/7"])
def test_ratios_are_never_scores(line):
    result = doc(f"# R\n\nDate: 2026-01-01\n\n{line}\n\n## A\n\n- ✅ TLS\n")
    assert result.points == ()


def test_a_percentage_is_a_score_only_where_a_label_says_so():
    assert doc("# R\n\nDate: 2026-01-01\n\n## Pontuação geral: 79 %\n").points[0].score == 7.9
    alerts = doc("# R\n\nDate: 2026-01-01\n\nAlertes si > 80%\n\n## A\n\n- ✅ TLS\n")
    assert alerts.points == ()


def test_numbered_stages_become_categories_and_fenced_headings_are_not_sections():
    result = doc(
        "# Checklist\n\n## Checklist\n\n### ETAPA 1 - Banco\n\n- [ ] Tabelas\n\n"
        "```markdown\n## Not a section\n```\n\n### ETAPA 2 - App\n\n- [ ] Login\n"
    )
    assert [c.key for c in result.checklist.categories] == ["etapa-1-banco", "etapa-2-app"]


def test_nested_boxes_are_the_sub_requirements_of_their_parent():
    result = doc(
        "# R\n\nChecked on: 2026-01-10\n\n## A\n\n"
        "- [ ] Backups\n  - [x] Restore drill\n  - [ ] Second region\n- [x] TLS\n"
    )
    checks = checks_of(result)
    assert list(checks) == ["backups", "tls"]
    assert checks["backups"].description == "- [x] Restore drill\n- [ ] Second region"
    assert result.claims["backups"][0] == "fail"


def test_a_blank_template_gives_manual_checks_and_no_attestation():
    result = doc(
        "# 上线前检查清单\n\n检查日期: _____\n\n## 一、安全\n\n- [ ] 启用 HTTPS\n- [ ] 双因素认证\n"
        "\n## 签字\n\n- 负责人: _____\n"
    )
    assert result.template
    assert result.counts()["manual_checks"] == 2
    assert result.counts()["attestations"] == 0
    assert [c.key for c in result.checklist.categories] == ["an-quan"]


def test_an_unchecked_box_claims_nothing_unless_the_list_was_gone_through():
    plan = doc("# R\n\nDate: 2026-01-10\n\n## A\n\n- [ ] One\n- [ ] Two\n\n## B\n\n- ✅ Three\n")
    assert "one" not in plan.claims and plan.claims["three"][0] == "pass"
    checked = doc("# R\n\nChecked on: 2026-01-10\n\n## A\n\n- [ ] One\n- [ ] Two\n")
    assert checked.claims["one"][0] == "fail"


def test_a_table_of_levels_gives_one_check_per_row_with_its_lowest_level():
    result = doc(
        "# Levels\n\n| Check | Short Description | Level C | Level B | Level A |\n"
        "|---|---|---|---|---|\n"
        "| [Runbook](https://docs.example.net/runbook) | Has a runbook | :white_check_mark: "
        "| :white_check_mark: | :white_check_mark: |\n"
        "| Paging | Pages a human | | x | yes |\n| Chaos | Chaos tests | | | ✅ |\n"
    )
    assert result.checklist.levels == ("Level C", "Level B", "Level A")
    checks = checks_of(result)
    assert {k: c.level for k, c in checks.items()} == {
        "runbook": "Level C",
        "paging": "Level B",
        "chaos": "Level A",
    }
    assert "https://docs.example.net/runbook" in checks["runbook"].description
    assert result.counts()["attestations"] == 0


@pytest.mark.parametrize(
    ("comment", "absent", "count", "status"),
    [
        ("should return empty", True, None, None),
        ("应该返回空", True, None, None),
        ("結果がゼロであることを確認", True, None, None),
        ("应该返回 200", False, 200, 200),
        ("✅ Deve retornar: 13", False, 13, None),
        ("count: 10000 を確認", False, 10000, None),
        ("expected: 0 rows", True, None, None),
    ],
)
def test_it_reads_expected_results_in_any_language(comment, absent, count, status):
    found = read_expectation(1, comment)
    assert (found.absent, found.count, found.status_code) == (absent, count, status)


def test_commands_become_grep_http_and_disabled_checks_saying_what_they_need():
    result = doc(
        "# R\n\nDate: 2026-01-10\n\n## Run\n\n```bash\n"
        'grep -rn "AKIA" src/\n# 应该返回空\n'
        "curl -s -o /dev/null -w '%{http_code}' https://payments.acme-corp.io/healthz\n"
        "# should return 200\n"
        "curl -s https://status.example.org/health\n# expected: 200\n"
        'psql "$DATABASE_URL" -c "select 1"\n'
        "cd services/api\nnpm run lint\n```\n\n```bash\nnpm test\n```\n"
    )
    checks = list(checks_of(result).values())
    grep, http, placeholder, database, lint, test = checks
    assert (grep.type, grep.options["expect"]) == ("grep", "absent")
    assert (http.type, http.options["expect_status"]) == ("http", [200])
    assert placeholder.type == "command" and placeholder.options["enabled"] is False
    assert placeholder.description.startswith("Needs the real address")
    assert database.description.startswith("Needs a live database (psql).")
    assert lint.options["argv"] == ["npm", "--prefix", "services/api", "run", "lint"]
    assert test.options["argv"] == ["npm", "--prefix", "services/api", "test"]


def test_sql_queries_become_disabled_commands_with_their_expected_count():
    result = doc(
        "# R\n\n## Banco\n\n```sql\n-- Contar tabelas\nSELECT count(*) FROM t;\n"
        "-- ✅ Deve retornar: 13\nDELETE FROM t;\n```\n"
    )
    [check] = checks_of(result).values()
    assert check.options["enabled"] is False
    assert check.options["expect"]["stdout_matches"] == r"^\s*13\s*$"
    assert any("changes the database" in str(n.message) for n in result.notes)


@pytest.mark.parametrize(
    ("name", "language", "key"),
    [
        ("监控告警", "zh", "jian-kong-gao-jing"),
        ("所有接口启用 HTTPS", "zh", "suo-you-jie-kou-qi-yong-https"),
        ("セキュリティ", "ja", "sekiyuritei"),
        ("Sécurité", "fr", "securite"),
        ("Проверка", "", "proverka"),
    ],
)
def test_keys_are_transliterated_where_a_standard_exists(name, language, key):
    assert text_key(name, language=language) == key


def test_keys_are_never_a_bare_number_or_a_generic_word_and_are_stable():
    japanese = text_key("管理画面の確認", language="ja")
    assert japanese.startswith("ja-") and japanese == text_key("管理画面の確認", language="ja")
    assert not text_key("6").isdigit() and text_key("6") != "6"
    assert text_key("Item") != "item"
    twice = [checks_of(doc("# R\n\n## 安全\n\n- [ ] 备份\n- [ ] 备份\n")) for _ in range(2)]
    assert list(twice[0]) == list(twice[1]) == ["bei-fen", "bei-fen-2"]

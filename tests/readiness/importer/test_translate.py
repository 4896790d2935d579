import pytest
import re2

from checks.patterns import pattern_problem
from readiness.importer.translate import (
    ChangeDir,
    CommandPlan,
    FilePlan,
    GrepPlan,
    Refused,
    grep_pattern,
    key_hint,
    plan_command,
    read_expectation,
    tokenize,
)


def one(line: str, cwd: str = ""):
    plans = plan_command(line, cwd)
    assert len(plans) == 1
    return plans[0]


def test_it_turns_a_recursive_grep_on_a_file_into_a_grep_on_that_file():
    plan = one('grep -r "functionsPayment.*createPaymentIntent" sos/src/pages/CallCheckout.tsx')
    assert isinstance(plan, GrepPlan)
    assert plan.paths == ["sos/src/pages/CallCheckout.tsx"]
    assert plan.pattern == "functionsPayment.*createPaymentIntent"
    assert not plan.ignore_case
    assert plan.approx == []


@pytest.mark.parametrize(
    ("line", "paths"),
    [
        ("grep -rn TODO src/", ["src/**"]),
        ("grep -r TODO src", ["src/**"]),
        ("grep -r TODO .", ["**"]),
        ("grep -r TODO", ["**"]),
        ("grep -r --include=*.ts TODO src", ["src/**/*.ts"]),
        ("grep -r TODO Dockerfile", ["Dockerfile"]),
        ("grep TODO src/*.py", ["src/*.py"]),
        ("grep TODO ./a/../b.py", ["b.py"]),
    ],
)
def test_it_maps_grep_paths_to_globs(line, paths):
    assert one(line).paths == paths


def test_it_keeps_grep_flags_that_change_matching():
    plan = one('grep -rni "Timeout" src/')
    assert plan.ignore_case
    assert one("grep -x 'a.b' f.txt").pattern == "^(?:a.b)$"
    assert one("grep -e foo -e bar f.txt").pattern == "(?:foo)|(?:bar)"
    assert one("grep -F 'a.b(c)' f.txt").pattern == r"a\.b\(c\)"


@pytest.mark.parametrize(
    ("source", "syntax", "expected"),
    [
        ("region.*PAYMENT", "basic", "region.*PAYMENT"),
        (r"AKIA[0-9A-Z]\{16\}", "basic", "AKIA[0-9A-Z]{16}"),
        ("foo(bar)|baz+?", "basic", r"foo\(bar\)\|baz\+\?"),
        (r"\(a\|b\)\+", "basic", "(a|b)+"),
        ("*star", "basic", r"\*star"),
        ("a^b$c", "basic", r"a\^b\$c"),
        ("^start end$", "basic", "^start end$"),
        (r"[\.]x", "basic", r"[\\.]x"),
        ("[[:digit:]]+", "extended", "[[:digit:]]+"),
        ("(a|b)+", "extended", "(a|b)+"),
        ("[]a]", "basic", r"[\]a]"),
    ],
)
def test_it_converts_grep_syntax_to_re2_with_the_same_matches(source, syntax, expected):
    pattern, approx = grep_pattern(source, syntax)
    assert pattern == expected
    assert approx == []
    assert pattern_problem(pattern) is None


def test_it_says_when_a_word_boundary_is_only_approximate():
    pattern, approx = grep_pattern(r"\<foo\>", "basic")
    assert pattern == r"\bfoo\b"
    assert len(approx) == 2


def test_it_matches_what_grep_matches_after_conversion():
    pattern, _ = grep_pattern("region.*europe-west3", "basic")
    compiled = re2.compile(pattern)
    assert compiled.search('  region: "europe-west3",')
    assert not compiled.search('  region: "europe-west1",')


def test_it_approximates_grep_piped_into_grep_as_lines_holding_both():
    plan = one('grep "region.*europe-west3" src/index.ts | grep -A2 "stripeWebhook"')
    assert isinstance(plan, GrepPlan)
    assert plan.paths == ["src/index.ts"]
    compiled = re2.compile(plan.pattern)
    assert compiled.search('export const stripeWebhook = onRequest({ region: "europe-west3" })')
    assert compiled.search('region: "europe-west3" // stripeWebhook')
    assert not compiled.search('region: "europe-west3"')
    assert len(plan.approx) == 1


def test_it_reads_cat_into_grep_as_a_grep_on_the_file():
    plan = one("cat config/app.yml | grep -i 'debug: false'")
    assert isinstance(plan, GrepPlan)
    assert plan.paths == ["config/app.yml"]
    assert plan.ignore_case
    assert plan.approx == []


def test_it_turns_a_command_piped_into_grep_into_a_disabled_command_check_plan():
    plan = one('firebase functions:list --project p1 | grep "twilioWebhook.*europe-west1"')
    assert isinstance(plan, CommandPlan)
    assert plan.argv == ["firebase", "functions:list", "--project", "p1"]
    assert plan.filters == ["twilioWebhook.*europe-west1"]


def test_it_runs_commands_after_cd_in_that_directory_when_the_tool_allows():
    plans = plan_command("cd sos/firebase/functions && npm run build")
    assert isinstance(plans[0], ChangeDir)
    assert plans[1].argv == ["npm", "--prefix", "sos/firebase/functions", "run", "build"]
    assert plans[1].approx == []
    grep = one("grep x lib/a.js", "sos/functions")
    assert grep.paths == ["sos/functions/lib/a.js"]
    other = one("tsc --noEmit", "web")
    assert other.argv == ["tsc", "--noEmit"]
    assert len(other.approx) == 1


def test_it_turns_file_tests_into_file_plans():
    assert one("test -f README.md") == FilePlan(["README.md"])
    assert one("[ ! -e .env ]").absent
    assert one("ls -la docs/runbook.md").paths == ["docs/runbook.md"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("rm -rf lib", "rm"),
        ("firebase deploy --only functions:a --project p", "deploy"),
        ("git push origin main", "push"),
        ("kubectl apply -f k8s/", "apply"),
        ("grep x $HOME/a.txt", "expansion"),
        ("grep x /etc/passwd", "absolute"),
        ("grep x ../secrets.txt", "leaves the repository"),
        ("grep -v foo a.txt", "does not match"),
        ("grep '\\(a\\)\\1' a.txt", "backreference"),
        ("echo hello", "echo"),
        ("grep x a.txt > out.txt", "writes to a file"),
        ("grep x a.txt || true", "||"),
        ("npm install", "install"),
        ("curl -X POST https://example.com/hook", "sends data"),
        ("sudo systemctl status nginx", "sudo"),
        ("grep 'unbalanced a.txt", "quote"),
        ("make deploy | awk '{print $1}'", "deploy"),
        ("kubectl get pods | awk '{print $1}'", "awk"),
    ],
)
def test_it_refuses_commands_it_cannot_translate_and_says_why(line, reason):
    with pytest.raises(Refused) as refused:
        plan_command(line)
    assert reason in str(refused.value.message)


def test_it_tokenizes_quotes_and_operators_like_a_shell():
    tokens = tokenize("""grep -r "a b" 'c $d' e\\ f 2>/dev/null | head # comment""")
    words = [t.text for t in tokens]
    assert words == ["grep", "-r", "a b", "c $d", "e f", "2>", "/dev/null", "|", "head"]
    assert not any(getattr(t, "expands", False) for t in tokens)
    assert tokenize('echo "$HOME"')[1].expands


@pytest.mark.parametrize(
    ("comment", "text", "status", "absent"),
    [
        ("✅ ATTENDU: functionsPayment (west3)", "functionsPayment (west3)", "pass", False),
        (
            "✅ ATTENDU: Aucun résultat (fonctions supprimées)",
            "Aucun résultat (fonctions supprimées)",
            "pass",
            True,
        ),
        ("EXPECTED: no output", "no output", None, True),
        ("Résultat attendu : vide", "vide", None, True),
        ("❌ Expected: 200 OK", "200 OK", "fail", False),
    ],
)
def test_it_reads_expected_results(comment, text, status, absent):
    expectation = read_expectation(3, comment)
    assert expectation.text == text
    assert expectation.status == status
    assert expectation.absent is absent
    assert expectation.line == 3


def test_it_reads_an_expected_count():
    assert read_expectation(1, "EXPECTED: 3 matches").count == 3


def test_it_ignores_comments_that_are_not_expectations():
    assert read_expectation(1, "Test 1: Vérifier que x") is None


def test_it_makes_short_keys_from_test_titles():
    assert key_hint("Test 1: Vérifier que functionsPayment pointe bien vers west3") == (
        "functionspayment-pointe-bien-vers-west3"
    )
    assert key_hint("Check 2: ensure the health endpoint exists") == "health-endpoint-exists"

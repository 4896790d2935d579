"""Shell command lines → check plans (readiness/importer/_commands.py)."""

import pytest
import re2

from readiness.importer._commands import ChangeDir, CommandPlan, FilePlan, GrepPlan, plan_command
from readiness.importer._shell import Refused
from tests.readiness.importer.conftest import one


def test_it_turns_a_recursive_grep_on_a_file_into_a_grep_on_that_file():
    plan = one('grep -r "functionsPayment.*createPaymentIntent" sos/src/pages/CallCheckout.tsx')
    assert isinstance(plan, GrepPlan)
    assert plan.paths == ["sos/src/pages/CallCheckout.tsx"]
    assert plan.pattern == "functionsPayment.*createPaymentIntent"
    assert not plan.ignore_case
    assert plan.approx == []


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

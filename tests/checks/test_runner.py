import datetime as dt
import json
import time

import pytest

from checks.checklist import load_checklist
from checks.runner import NOT_EVALUABLE, reads_repository, run_check, run_checklist
from checks.spec import Attestation, CheckSpec, RunContext, Status

NOW = dt.datetime(2026, 2, 16, 12, tzinfo=dt.UTC)


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    return RunContext(repo=tmp_path, now=NOW, allow_commands=True)


def checklist(*checks: dict, category: str = "ops"):
    document = {
        "version": 1,
        "name": "Runner test",
        "categories": [{"key": category, "checks": list(checks)}],
    }
    return load_checklist(json.dumps(document))


def http_check(key: str, url: str) -> dict:
    return {"key": key, "type": "http", "url": url}


def test_it_times_a_check_and_returns_its_outcome(ctx):
    spec = checklist(
        {
            "key": "nap",
            "type": "command",
            "argv": ["python3", "-c", "import time; time.sleep(0.2)"],
        }
    ).check("nap")
    outcome = run_check(spec, ctx)
    assert outcome.status == Status.PASS
    assert outcome.duration_ms >= 200


def test_it_turns_a_crashing_checker_into_an_error(ctx):
    spec = checklist({"key": "drill", "type": "manual"}).check("drill")
    naive = dt.datetime(2026, 2, 1)
    crashing = RunContext(
        repo=ctx.repo,
        now=NOW,
        attestations={"drill": [Attestation(Status.PASS, "alice", naive, None)]},
    )
    outcome = run_check(spec, crashing)
    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith("checker failed: TypeError: can't compare")
    assert outcome.duration_ms > 0


def test_it_leaves_file_checks_to_the_tree_scan(ctx):
    spec = CheckSpec(key="g", name="g", type="grep", category="sec")
    outcome = run_check(spec, ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "check type 'grep' is not run on its own"


def test_it_runs_slow_checks_in_parallel_and_keeps_the_checklist_order(ctx, http_server):
    delay_s = 0.6
    keys = ["api", "auth", "billing", "search"]
    for key in keys:
        http_server.route(f"/{key}", body="ok", delay_s=delay_s)
    specs = [http_check(key, http_server.url(f"/{key}")) for key in keys]
    specs.insert(2, {"key": "drill", "type": "manual"})
    started = time.monotonic()
    outcomes = run_checklist(checklist(*specs), ctx)
    elapsed = time.monotonic() - started
    assert list(outcomes) == ["api", "auth", "drill", "billing", "search"]
    assert [o.status for o in outcomes.values()] == [
        Status.PASS,
        Status.PASS,
        Status.ERROR,
        Status.PASS,
        Status.PASS,
    ]
    assert elapsed < len(keys) * delay_s * 0.75
    assert all(outcomes[key].duration_ms >= delay_s * 1000 for key in keys)


def test_it_leaves_the_types_it_cannot_evaluate_on_history_not_measured(ctx, http_server):
    specs = checklist(
        http_check("api", http_server.route("/api", body="ok")),
        {"key": "drill", "type": "manual"},
    )
    outcomes = run_checklist(specs, ctx, only_types=frozenset({"grep", "file", "manual"}))
    assert outcomes["api"].status == Status.ERROR
    assert outcomes["api"].details == {"not_evaluable": True}
    assert outcomes["api"].summary == NOT_EVALUABLE
    assert outcomes["drill"].summary == "needs attestation"
    assert http_server.requests == []


def test_it_scans_file_checks_of_the_working_tree_with_the_others(ctx, http_server):
    pytest.importorskip("checks.scan")
    (ctx.repo / "src").mkdir()
    (ctx.repo / "src" / "webhook.ts").write_text("stripe.webhooks.constructEvent(body, sig)\n")
    specs = checklist(
        {
            "key": "stripe-webhook-signature",
            "type": "grep",
            "paths": ["src/**/*.ts"],
            "pattern": r"webhooks\.constructEvent\(",
        },
        http_check("api", http_server.route("/api", body="ok")),
    )
    outcomes = run_checklist(specs, ctx)
    assert list(outcomes) == ["stripe-webhook-signature", "api"]
    assert outcomes["stripe-webhook-signature"].status == Status.PASS
    assert outcomes["api"].status == Status.PASS


@pytest.mark.parametrize(
    ("check", "allow_commands", "reads"),
    [
        ({"key": "c", "type": "grep", "paths": ["*.py"], "pattern": "x"}, False, True),
        ({"key": "c", "type": "file", "paths": ["README.md"]}, False, True),
        ({"key": "c", "type": "command", "argv": ["true"]}, True, True),
        ({"key": "c", "type": "command", "argv": ["true"]}, False, False),
        (http_check("c", "http://127.0.0.1:9/"), True, False),
        (
            {
                "key": "c",
                "type": "threshold",
                "source": {"path": "metrics.json", "json_path": "cpu"},
                "fail_above": 1,
            },
            False,
            True,
        ),
        (
            {
                "key": "c",
                "type": "threshold",
                "source": {"url": "http://127.0.0.1:9/m", "json_path": "cpu"},
                "fail_above": 1,
            },
            False,
            False,
        ),
        ({"key": "c", "type": "manual"}, True, False),
    ],
)
def test_it_says_which_checks_read_the_repository(tmp_path, check, allow_commands, reads):
    ctx = RunContext(repo=tmp_path, now=NOW, allow_commands=allow_commands)
    assert reads_repository(checklist(check).check("c"), ctx) is reads

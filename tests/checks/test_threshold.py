import dataclasses
import datetime as dt
import ipaddress
import json
import logging
import os
import time

import pytest

from checks.outbound import OutboundPolicy
from checks.runner import run_check
from checks.spec import CheckSpec, Outcome, RunContext, Status
from checks.threshold import THRESHOLD, parse_json_path, run_threshold
from tests.checks.checklists import one_check, problems_of
from tests.checks.hangs import run_unblocking_fifo

NOW = dt.datetime(2026, 2, 16, 12, tzinfo=dt.UTC)


def run(spec: CheckSpec, ctx: RunContext) -> Outcome:
    return run_threshold(spec, THRESHOLD.typed(spec.options), ctx)


NO_LIMITS = {"warn_above": None, "fail_above": None, "warn_below": None, "fail_below": None}


def spec(*, path=None, url=None, json_path="cpu.used_ratio", **limits):
    return CheckSpec(
        key="cpu-headroom",
        name="CPU headroom",
        type="threshold",
        category="scalability",
        options={
            "source": {"url": url, "path": path, "json_path": json_path},
            **NO_LIMITS,
            "timeout_s": 5.0,
            **limits,
        },
    )


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    repo = tmp_path / "repo"
    repo.mkdir()
    return RunContext(repo=repo, now=NOW, max_file_bytes=10_000)


def write_json(ctx, name, document):
    target = ctx.repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document))
    return name


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("cpu.used_ratio", ("cpu", "used_ratio")),
        ("nodes[0].load", ("nodes", 0, "load")),
        ("[2].value", (2, "value")),
        ("matrix[1][0]", ("matrix", 1, 0)),
        ("p-99 latency.ms", ("p-99 latency", "ms")),
    ],
)
def test_it_parses_dotted_paths_with_indexes(text, steps):
    assert parse_json_path(text) == steps


@pytest.mark.parametrize("text", ["", "a..b", ".a", "a.", "a[x]", "a[-1]", "a[0", "a.[0]", None])
def test_it_rejects_malformed_json_paths(text):
    with pytest.raises(ValueError, match="json_path"):
        parse_json_path(text)


@pytest.mark.parametrize(
    ("value", "status"),
    [(0.5, Status.PASS), (0.8, Status.PASS), (0.85, Status.WARN), (0.95, Status.FAIL)],
)
def test_it_judges_a_value_against_upper_limits(ctx, value, status):
    path = write_json(ctx, "metrics/cpu.json", {"cpu": {"used_ratio": value}})
    outcome = run(spec(path=path, warn_above=0.8, fail_above=0.9), ctx)
    assert outcome.status == status
    assert outcome.details["value"] == value
    assert outcome.details["limits"] == {"fail_above": 0.9, "warn_above": 0.8}
    assert outcome.evidence[0].path == "metrics/cpu.json"


def test_it_names_the_crossed_limit(ctx):
    path = write_json(ctx, "m.json", {"cpu": {"used_ratio": 0.95}})
    outcome = run(spec(path=path, warn_above=0.8, fail_above=0.9), ctx)
    assert outcome.summary == "cpu.used_ratio = 0.95, above the fail limit 0.9"


@pytest.mark.parametrize(
    ("value", "status"), [(25, Status.PASS), (15, Status.WARN), (5, Status.FAIL)]
)
def test_it_judges_a_value_against_lower_limits(ctx, value, status):
    path = write_json(ctx, "disk.json", {"nodes": [{"free_gb": value}]})
    outcome = run(spec(path=path, json_path="nodes[0].free_gb", warn_below=20, fail_below=10), ctx)
    assert outcome.status == status


@pytest.mark.parametrize(
    ("document", "json_path", "summary"),
    [
        ({"cpu": {}}, "cpu.used_ratio", "key 'used_ratio' not found in cpu"),
        ({"nodes": [{"load": 1}]}, "nodes[3].load", "nodes has 1 item(s), no index 3"),
        ({"cpu": "high"}, "cpu.used_ratio", "cpu is a string ('high'), not an object"),
        ({"cpu": {"used_ratio": "0.5"}}, "cpu.used_ratio", "cpu.used_ratio is a string ('0.5')"),
        ({"cpu": {"used_ratio": True}}, "cpu.used_ratio", "is a boolean (true), not a number"),
        ({"cpu": {"used_ratio": None}}, "cpu.used_ratio", "cpu.used_ratio is null, not a number"),
        ([1, 2], "cpu", "the document is a list, not an object"),
    ],
)
def test_it_errs_naming_what_is_missing(ctx, document, json_path, summary):
    path = write_json(ctx, "m.json", document)
    outcome = run(spec(path=path, json_path=json_path, fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert summary in outcome.summary


@pytest.mark.parametrize("sign", ["", "-"])
def test_it_errs_on_an_integer_too_large_for_a_number_without_a_stack_trace(ctx, caplog, sign):
    (ctx.repo / "m.json").write_text('{"cpu": {"used_ratio": ' + sign + "9" * 401 + "}}")

    with caplog.at_level(logging.DEBUG):
        outcome = run_check(spec(path="m.json", fail_above=1), ctx)

    assert outcome.status == Status.ERROR
    assert outcome.summary == "cpu.used_ratio is out of range (an integer of 401 digits)"
    assert not [record for record in caplog.records if record.exc_info]


def test_it_errs_on_a_file_that_is_not_json(ctx):
    (ctx.repo / "m.json").write_text("{not json")
    outcome = run(spec(path="m.json", fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith("m.json is not valid JSON")


def test_it_errs_on_a_missing_file(ctx):
    outcome = run(spec(path="nowhere.json", fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "file 'nowhere.json' not found in the repository"


def test_it_errs_on_a_file_over_the_size_limit(ctx):
    write_json(ctx, "big.json", {"cpu": {"used_ratio": 0.1}, "pad": "x" * 20_000})
    outcome = run(spec(path="big.json", fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert "larger than the 10000-byte limit" in outcome.summary


@pytest.mark.parametrize(
    ("path", "summary"),
    [
        ("../outside.json", "leaves the repository"),
        ("metrics/../../outside.json", "leaves the repository"),
        ("/etc/passwd", "absolute path"),
    ],
)
def test_it_refuses_paths_outside_the_repository(ctx, path, summary):
    write_json(ctx, "../outside.json", {"cpu": {"used_ratio": 0.1}})
    outcome = run(spec(path=path, fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert summary in outcome.summary


def test_it_refuses_a_symlink_leading_out_of_the_repository(ctx):
    write_json(ctx, "../outside.json", {"cpu": {"used_ratio": 0.1}})
    os.symlink(ctx.repo.parent / "outside.json", ctx.repo / "link.json")
    (ctx.repo / "dir-link").symlink_to(ctx.repo.parent)
    for path in ("link.json", "dir-link/outside.json"):
        outcome = run(spec(path=path, fail_above=1), ctx)
        assert outcome.status == Status.ERROR
        assert outcome.summary == f"{path!r} leads outside the repository through a symlink"


def test_it_errs_at_once_on_a_path_that_is_not_a_regular_file(ctx):
    os.mkfifo(ctx.repo / "pipe.json")
    (ctx.repo / "metrics").mkdir()
    for path in ("pipe.json", "metrics"):
        check = spec(path=path, fail_above=1)
        outcome = run_unblocking_fifo(lambda c=check: run(c, ctx), ctx.repo / path, within_s=2)
        assert outcome.status == Status.ERROR
        assert outcome.summary == f"{path!r} is not a regular file"


def test_it_follows_a_symlink_that_stays_inside_the_repository(ctx):
    write_json(ctx, "real/cpu.json", {"cpu": {"used_ratio": 0.1}})
    (ctx.repo / "cpu.json").symlink_to("real/cpu.json")
    assert run(spec(path="cpu.json", fail_above=1), ctx).status == Status.PASS


def test_it_reads_the_value_from_a_url(ctx, http_server):
    url = http_server.route("/metrics", json_body={"queue": {"depth": 120}})
    outcome = run(spec(url=url, json_path="queue.depth", warn_above=100, fail_above=1000), ctx)
    assert outcome.status == Status.WARN
    assert outcome.details["source"] == url
    assert outcome.summary == "queue.depth = 120, above the warn limit 100"


def test_it_errs_when_the_url_cannot_be_read(ctx, refused_url):
    outcome = run(spec(url=refused_url, fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith(f"could not read {refused_url}: could not connect")


def test_a_slow_header_drip_does_not_outlast_the_timeout(ctx, drip_server):
    started = time.monotonic()
    outcome = run(spec(url=drip_server.url, fail_above=1, timeout_s=1), ctx)
    assert time.monotonic() - started < 2.0
    assert outcome.status == Status.ERROR
    assert outcome.summary == f"could not read {drip_server.url}: timed out after 1s"


def test_it_errs_when_the_outbound_policy_refuses_the_url(ctx, http_server):
    url = http_server.route("/metrics", json_body={"cpu": {"used_ratio": 0.1}})
    policy = OutboundPolicy.configured(allow=[ipaddress.ip_network("10.0.0.0/8")])
    outcome = run(spec(url=url, fail_above=1), dataclasses.replace(ctx, outbound=policy))
    assert outcome.status == Status.ERROR
    assert outcome.summary == "127.0.0.1 is refused: not in the allow list"
    assert http_server.requests == []


def test_it_errs_when_the_url_answers_an_error_status(ctx, http_server):
    url = http_server.route("/metrics", status=500, json_body={"cpu": {"used_ratio": 0.1}})
    outcome = run(spec(url=url, fail_above=1), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary == f"{url} answered with status 500"


# Its fields, as the checklist loader reads them


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("source: {path: m.json}\nfail_above: 1", "source.json_path", "is required"),
        ("source: {path: m.json, json_path: 'a..b'}\nfail_above: 1", "source.json_path", "dotted"),
        ("source: {json_path: a}\nfail_above: 1", "source", "needs url"),
        ("source: {url: 'http://h/', path: m.json, json_path: a}", "source", "not both"),
        ("source: {path: '*.json', json_path: a}\nfail_above: 1", "source.path", "not a glob"),
        ("source: {path: ../m.json, json_path: a}\nfail_above: 1", "source.path", "leaves"),
        ("source: {path: m.json, json_path: a}", "", "needs warn_above/fail_above"),
        ("warn_above: 1\nfail_below: 0", "fail_below", "one direction"),
        ("warn_above: 2\nfail_above: 1", "warn_above", "below fail_above"),
        ("warn_below: 1\nfail_below: 1", "warn_below", "above fail_below"),
    ],
)
def test_it_validates_threshold_checks(fields: str, path: str, message: str) -> None:
    if "source" not in fields:
        fields = "source: {path: m.json, json_path: a}\n" + fields
    elif "_above" not in fields and "needs warn" not in message:
        fields += "\nfail_above: 1"
    problems = problems_of(one_check("type: threshold\n" + fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0]{'.' if path else ''}{path}"]
    assert message in problems[0].message

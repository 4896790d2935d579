import datetime as dt
import ipaddress
import socket
import threading
import time

import pytest

from checks.checklist import load_checklist
from checks.http import HTTP, MAX_BODY_BYTES, MAX_REDIRECTS, run_http
from checks.outbound import OutboundPolicy
from checks.spec import CheckSpec, Outcome, RunContext, Status
from tests.checks.checklists import one_check, problems_of

NOW = dt.datetime(2026, 2, 16, 12, tzinfo=dt.UTC)


def run(spec: CheckSpec, ctx: RunContext) -> Outcome:
    return run_http(spec, HTTP.typed(spec.options), ctx)


def spec(url, **options):
    return CheckSpec(
        key="api-health",
        name="API health",
        type="http",
        category="ops",
        options={
            "url": url,
            "method": "GET",
            "expect_status": [200],
            "max_latency_ms": None,
            "headers": {},
            "body_matches": None,
            "timeout_s": 5.0,
            **options,
        },
    )


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    return RunContext(repo=tmp_path, now=NOW)


def test_it_passes_when_status_headers_body_and_latency_are_as_expected(ctx, http_server):
    url = http_server.route(
        "/health", json_body={"status": "ok", "db": "up"}, headers={"X-Version": "2.4.1"}
    )
    outcome = run(
        spec(
            url,
            headers={"content-type": "^application/json", "X-Version": r"^2\."},
            body_matches=r'"db":\s*"up"',
            max_latency_ms=5000,
        ),
        ctx,
    )
    assert outcome.status == Status.PASS
    assert outcome.summary.startswith("GET → 200 in ")
    assert outcome.details["status"] == 200
    assert 0 < outcome.details["latency_ms"] < 5000
    assert outcome.details["matched_headers"] == {
        "content-type": "application/json",
        "X-Version": "2.4.1",
    }
    assert any('"db": "up"' in e.text for e in outcome.evidence)
    assert http_server.requests[0].headers["User-Agent"].startswith("readiness-check/")


def test_it_fails_on_an_unexpected_status(ctx, http_server):
    url = http_server.route("/health", status=503, body="maintenance")
    outcome = run(spec(url, expect_status=[200, 204]), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "status 503, expected 200 or 204"


def test_it_does_not_follow_a_redirect_and_says_where_it_points(ctx, http_server):
    url = http_server.route("/old", status=302, headers={"Location": "/new"})
    http_server.route("/new", body="ok")
    outcome = run(spec(url), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "status 302, expected 200 (redirect to /new not followed)"
    assert [r.path for r in http_server.requests] == ["/old"]


def test_it_passes_an_expected_redirect(ctx, http_server):
    url = http_server.route("/old", status=301, headers={"Location": "/new"})
    assert run(spec(url, expect_status=[301]), ctx).status == Status.PASS


def test_it_follows_redirects_when_asked_and_shows_the_way(ctx, http_server):
    url = http_server.route("/old", status=301, headers={"Location": "/older"})
    http_server.route("/older", status=307, headers={"Location": http_server.url("/new")})
    http_server.route("/new", body="ok")
    outcome = run(spec(url, follow_redirects=True), ctx)
    assert outcome.status == Status.PASS
    assert outcome.details["redirects"] == [http_server.url("/older"), http_server.url("/new")]
    assert outcome.evidence[0].text.startswith(
        f"GET {url} → {http_server.url('/older')} → {http_server.url('/new')} → 200 in "
    )
    assert [r.path for r in http_server.requests] == ["/old", "/older", "/new"]


def test_it_fails_past_the_redirect_limit(ctx, http_server):
    url = http_server.route("/loop", status=302, headers={"Location": "/loop"})
    outcome = run(spec(url, follow_redirects=True), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == f"GET {url}: more than {MAX_REDIRECTS} redirects"
    assert len(http_server.requests) == MAX_REDIRECTS + 1


def test_a_redirect_to_a_refused_address_is_an_error(ctx, http_server):
    # 0.0.0.0 would reach this machine: refused, it never sees the second request.
    port = http_server.base_url.rsplit(":", 1)[1]
    url = http_server.route("/old", status=302, headers={"Location": f"http://0.0.0.0:{port}/"})
    outcome = run(spec(url, follow_redirects=True), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary == (
        f"redirect to http://0.0.0.0:{port}/: 0.0.0.0 is refused: unspecified, 'this network'"
        " (0.0.0.0/8)"
    )
    assert [r.path for r in http_server.requests] == ["/old"]


def test_it_resolves_the_host_once_and_connects_to_that_answer(ctx, http_server, monkeypatch):
    url = http_server.route("/health", body="ok").replace("127.0.0.1", "service.test")
    answers = [("127.0.0.1", 0)]
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        # A name server that would send any later question elsewhere.
        lookups.append(host)
        address = answers.pop() if answers else ("0.0.0.0", 0)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address[0], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    outcome = run(spec(url), ctx)
    assert outcome.status == Status.PASS
    assert lookups == ["service.test"]
    assert http_server.requests[0].headers["Host"] == url.split("/")[2]


def test_a_denied_loopback_network_refuses_a_local_check(tmp_path, http_server):
    policy = OutboundPolicy.configured(
        deny=[ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")],
        deny_name="READINESS_OUTBOUND_DENY",
    )
    url = http_server.route("/health", body="ok")
    outcome = run(spec(url), RunContext(repo=tmp_path, now=NOW, outbound=policy))
    assert outcome.status == Status.ERROR
    assert (
        outcome.summary == "127.0.0.1 is refused: denied by READINESS_OUTBOUND_DENY (127.0.0.0/8)"
    )
    assert http_server.requests == []


def test_it_fails_when_the_connection_is_refused(ctx, refused_url):
    outcome = run(spec(refused_url), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary.startswith(f"GET {refused_url}: could not connect")


def test_it_fails_when_the_target_does_not_answer_in_time(ctx, http_server):
    url = http_server.route("/slow", body="late", delay_s=2.0)
    outcome = run(spec(url, timeout_s=0.3), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == f"GET {url}: timed out after 0.3s"


def test_a_slow_header_drip_does_not_outlast_the_timeout(ctx, drip_server):
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    outcome = run(spec(drip_server.url, timeout_s=1), ctx)
    elapsed = time.monotonic() - started
    assert outcome.status == Status.FAIL
    assert outcome.summary == f"GET {drip_server.url}: timed out after 1s"
    assert elapsed < 2.0
    # and no thread of the check is left behind
    for thread in set(threading.enumerate()) - threads_before:
        if thread.name.startswith("http-check"):
            thread.join(timeout=2)
            assert not thread.is_alive()


def test_a_name_lookup_that_hangs_does_not_outlast_the_timeout(ctx, http_server, monkeypatch):
    url = http_server.route("/health", body="ok")
    lookup = socket.getaddrinfo

    def slow_lookup(*args, **kwargs):
        time.sleep(2)
        return lookup(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_lookup)
    started = time.monotonic()
    outcome = run(spec(url, timeout_s=0.5), ctx)
    assert time.monotonic() - started < 1.5
    assert outcome.status == Status.FAIL
    assert outcome.summary == f"GET {url}: timed out after 0.5s"


def test_it_fails_when_latency_is_over_the_limit(ctx, http_server):
    url = http_server.route("/sluggish", body="ok", delay_s=0.3)
    outcome = run(spec(url, max_latency_ms=100), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.details["latency_ms"] >= 300
    assert outcome.summary.endswith("ms over the 100 ms limit")


@pytest.mark.parametrize(
    ("headers", "summary"),
    [
        ({"Strict-Transport-Security": "max-age"}, "header Strict-Transport-Security missing"),
        ({"Cache-Control": "no-store"}, "header Cache-Control 'public' does not match 'no-store'"),
    ],
)
def test_it_fails_on_a_missing_or_mismatched_header(ctx, http_server, headers, summary):
    url = http_server.route("/", body="ok", headers={"Cache-Control": "public"})
    outcome = run(spec(url, headers=headers), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == summary


def test_it_fails_when_the_body_does_not_match(ctx, http_server):
    url = http_server.route("/health", json_body={"status": "degraded"})
    outcome = run(spec(url, body_matches='"status": "ok"'), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == 'body does not match \'"status": "ok"\''
    assert any("degraded" in e.text for e in outcome.evidence)


def test_it_reads_at_most_a_mebibyte_of_body(ctx, http_server):
    url = http_server.route("/big", body=b"ready " + b"x" * (3 * MAX_BODY_BYTES))
    outcome = run(spec(url, body_matches="^ready"), ctx)
    assert outcome.status == Status.PASS
    assert outcome.details["body_bytes"] == MAX_BODY_BYTES
    assert outcome.details["body_truncated"] is True


def test_it_errs_when_a_huge_body_does_not_match_in_the_part_it_read(ctx, http_server):
    url = http_server.route("/big", body=b"x" * (2 * MAX_BODY_BYTES) + b"ready")
    outcome = run(spec(url, body_matches="ready"), ctx)
    assert outcome.status == Status.ERROR
    assert "larger than 1024 KiB" in outcome.summary


def test_it_sends_a_head_request(ctx, http_server):
    url = http_server.route("/health", body="ok")
    outcome = run(spec(url, method="HEAD"), ctx)
    assert outcome.status == Status.PASS
    assert [r.method for r in http_server.requests] == ["HEAD"]


def test_it_accepts_a_single_expected_status(ctx, http_server):
    url = http_server.route("/created", status=201)
    text = "version: 1\nname: t\ncategories:\n  - key: ops\n    checks:\n"
    text += f"      - {{key: created, type: http, url: '{url}', expect_status: 201}}\n"
    check = load_checklist(text).check("created")
    assert run(check, ctx).status == Status.PASS


@pytest.mark.parametrize(
    ("url", "summary"),
    [
        ("file:///etc/passwd", "only http and https URLs are supported"),
        ("ftp://127.0.0.1/x", "only http and https URLs are supported"),
        ("http://", "has no host"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is refused: link-local"),
        ("http://[fe80::1]:8080/", "fe80::1 is refused: link-local (fe80::/10)"),
    ],
)
def test_it_errs_on_a_url_it_must_not_or_cannot_request(ctx, url, summary):
    outcome = run(spec(url), ctx)
    assert outcome.status == Status.ERROR
    assert summary in outcome.summary


# Its fields, as the checklist loader reads them


def test_it_normalises_http_fields() -> None:
    check = load_checklist(
        one_check("type: http\nurl: https://example.com/\nmethod: head\nexpect_status: 204")
    ).check("the-check")

    assert check.options["method"] == "HEAD"
    assert check.options["expect_status"] == [204]


def test_it_accepts_an_empty_match_where_the_pattern_is_not_searched_in_files() -> None:
    checklist = load_checklist(one_check("type: http\nurl: http://127.0.0.1/\nbody_matches: 'ok|'"))

    assert next(checklist.all_checks()).options["body_matches"] == "ok|"


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: http\nurl: ftp://example.com/", "url", "http:// or https://"),
        ("type: http\nurl: http:///path", "url", "must name a host"),
        ("type: http\nurl: http://h:99999/", "url", "not a valid URL"),
        ("type: http\nurl: http://h/\nmethod: POST", "method", "GET, HEAD"),
        ("type: http\nurl: http://h/\nexpect_status: [200, 700]", "expect_status[1]", "100..599"),
        ("type: http\nurl: http://h/\nheaders: {'Bad Name': x}", "headers.Bad Name", "header"),
        ("type: http\nurl: http://h/\nbody_matches: '(?!x)'", "body_matches", "look-ahead"),
        ("type: http\nurl: http://h/\nmax_latency_ms: -5", "max_latency_ms", "greater than 0"),
        ("type: http\nurl: http://h/\nfollow_redirects: 3", "follow_redirects", "true or false"),
    ],
)
def test_it_validates_its_fields_when_loaded(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message

"""READINESS_OUTBOUND_DENY and READINESS_OUTBOUND_ALLOW: read from the environment, given
to every check the workers and the command line run."""

import ipaddress
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from readiness.env import envnetworks
from readiness.services.outcomes import run_context
from tests.readiness.repo_builders import category, checklist, write_checklist


def test_it_reads_networks_and_single_addresses(monkeypatch):
    monkeypatch.setenv("READINESS_OUTBOUND_DENY", " 127.0.0.0/8, ::1/128,10.0.0.0/8 ,192.0.2.7,")

    assert envnetworks("READINESS_OUTBOUND_DENY") == tuple(
        ipaddress.ip_network(n) for n in ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "192.0.2.7/32"]
    )


@pytest.mark.parametrize("raw", [None, "", " , "])
def test_an_unset_or_empty_list_is_none(raw, monkeypatch):
    if raw is None:
        monkeypatch.delenv("READINESS_OUTBOUND_ALLOW", raising=False)
    else:
        monkeypatch.setenv("READINESS_OUTBOUND_ALLOW", raw)

    assert envnetworks("READINESS_OUTBOUND_ALLOW") is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("10.0.0.0/8,10.0.0.1/8", r"'10.0.0.1/8' .* host bits set \(did you mean 10.0.0.0/8\?\)"),
        ("localhost", r"'localhost' is not a network in CIDR notation"),
        ("10.0.0.0/33", r"'10.0.0.0/33' is not a network in CIDR notation"),
        ("fd00::/8/9", r"'fd00::/8/9' is not a network in CIDR notation"),
    ],
)
def test_it_names_the_variable_and_the_bad_entry(raw, problem, monkeypatch):
    monkeypatch.setenv("READINESS_OUTBOUND_DENY", raw)

    with pytest.raises(ImproperlyConfigured, match=f"^READINESS_OUTBOUND_DENY: {problem}"):
        envnetworks("READINESS_OUTBOUND_DENY")


def test_the_workers_context_carries_the_configured_policy(tmp_path):
    with override_settings(
        READINESS_OUTBOUND_DENY=(ipaddress.ip_network("127.0.0.0/8"),),
        READINESS_OUTBOUND_ALLOW=(ipaddress.ip_network("10.0.0.0/8"),),
    ):
        policy = run_context(tmp_path).outbound

    refusal = policy.refusal
    assert refusal(ipaddress.ip_address("127.0.0.1")) == (
        "denied by READINESS_OUTBOUND_DENY (127.0.0.0/8)"
    )
    assert refusal(ipaddress.ip_address("192.168.1.1")) == "not in READINESS_OUTBOUND_ALLOW"
    assert refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert "link-local" in refusal(ipaddress.ip_address("169.254.169.254"))


def test_by_default_loopback_is_allowed_and_metadata_is_not(tmp_path):
    refusal = run_context(tmp_path).outbound.refusal

    assert refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert refusal(ipaddress.ip_address("fd00:ec2::254")) is not None


@pytest.fixture
def local_service():
    """A server on 127.0.0.1 that answers 200 and counts the requests it gets."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/health", requests
    httpd.shutdown()
    httpd.server_close()


def assess(tmp_path, url, **env):
    """`manage.py assess` of one http check on `url`, in a process with `env` added."""
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(category("ops", {"key": "health", "type": "http", "url": url})),
    )
    (tmp_path / "repo").mkdir(exist_ok=True)
    command = [sys.executable, "manage.py", "assess", "--checklist", str(path)]
    return subprocess.run(
        [*command, "--repo", str(tmp_path / "repo"), "--json"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "READINESS_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_deny_list_closes_loopback_to_the_checks(tmp_path, local_service):
    url, requests = local_service

    opened = assess(tmp_path, url)
    closed = assess(tmp_path, url, READINESS_OUTBOUND_DENY="127.0.0.0/8,::1/128")

    assert json.loads(opened.stdout)["checks"][0]["status"] == "pass"
    check = json.loads(closed.stdout)["checks"][0]
    assert check["status"] == "error"
    assert (
        check["summary"] == "127.0.0.1 is refused: denied by READINESS_OUTBOUND_DENY (127.0.0.0/8)"
    )
    assert requests == ["/health"]  # the first run's only


def test_an_allow_list_refuses_what_it_does_not_name(tmp_path, local_service):
    url, requests = local_service

    completed = assess(tmp_path, url, READINESS_OUTBOUND_ALLOW="10.0.0.0/8")

    check = json.loads(completed.stdout)["checks"][0]
    assert check["summary"] == "127.0.0.1 is refused: not in READINESS_OUTBOUND_ALLOW"
    assert requests == []


def test_a_bad_entry_stops_the_process_with_its_name(tmp_path, local_service):
    url, _requests = local_service

    completed = assess(tmp_path, url, READINESS_OUTBOUND_ALLOW="10.0.0.0/8,10.1.2.3/16")

    assert completed.returncode != 0
    assert "READINESS_OUTBOUND_ALLOW: '10.1.2.3/16'" in completed.stderr
    assert "did you mean 10.1.0.0/16?" in completed.stderr

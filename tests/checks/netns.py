"""Checks run inside a network namespace of their own, where no packet can leave.

`in_namespace` starts `python -m tests.checks.netns` under `unshare -rnm` (a user, network
and mount namespace): the loopback interface is up and also holds every address in
ADDRESSES (the metadata addresses among them), /etc/hosts is replaced by HOSTS, and one
dual-stack server listens on every address, so that a check the policy failed to stop
would really be answered, and the server would say so. Nothing else is reachable.

Inside, this module runs each scenario it is given as an http or threshold check and
prints, as JSON, every outcome and every request the servers received (the address it
was made to, its Host header and, for TLS, the server name the client sent).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HTTP_PORT = 8080
TLS_PORT = 8443
# Answered on the loopback interface of the namespace.
ADDRESSES = (
    "10.1.2.3/32",
    "169.254.169.254/32",
    "100.100.100.200/32",
    "192.0.0.192/32",
    "fd00:ec2::254/128",
    "fd20:ce::254/128",
    "64:ff9b::a9fe:a9fe/128",
    "2002:a9fe:a9fe::/128",
    "2001:0:4136:e378:8000:63bf:5601:5601/128",
)
TRAPS = {address.split("/")[0] for address in ADDRESSES} - {"10.1.2.3"}
HOSTS = {
    "service.test": ["10.1.2.3"],
    "wrong.test": ["10.1.2.3"],  # served the certificate of service.test
    "metadata.test": ["169.254.169.254"],
    "metadata6.test": ["fd00:ec2::254"],
    "mixed.test": ["10.1.2.3", "169.254.169.254"],
}
# Paths the http server redirects, to where.
REDIRECTS = {
    "/to-metadata": f"http://169.254.169.254:{HTTP_PORT}/latest/meta-data/",
    "/to-metadata-name": f"http://metadata.test:{HTTP_PORT}/latest/meta-data/",
    "/to-service": f"http://service.test:{HTTP_PORT}/health",
}


@dataclass
class Scenario:
    """One check to run inside: `type` http or threshold, its URL and options. `policy`:
    "default", or "none" (nothing denied: shows that the address would answer).
    `resolver`: "system", or "rebinding" (a name server that answers 10.1.2.3 once, then
    169.254.169.254)."""

    url: str
    type: str = "http"
    options: dict[str, Any] = field(default_factory=dict)
    policy: str = "default"
    resolver: str = "system"


def in_namespace(scenarios: dict[str, Scenario], certificates: Path) -> dict[str, Any]:
    """{"outcomes": {name: outcome as a dict}, "requests": [every request served]}."""
    hosts = certificates / "hosts"
    hosts.write_text(
        "127.0.0.1 localhost\n::1 localhost\n"
        + "".join(f"{address} {name}\n" for name, found in HOSTS.items() for address in found)
    )
    setup = ["ip link set lo up"]
    setup += [f"ip addr add {address} dev lo" for address in ADDRESSES]
    setup += [f"mount --bind {shlex.quote(str(hosts))} /etc/hosts"]
    setup += [f"exec {shlex.quote(sys.executable)} -m tests.checks.netns {certificates}"]
    completed = subprocess.run(
        ["unshare", "-rnm", "sh", "-ec", "; ".join(setup)],
        input=json.dumps({name: vars(s) for name, s in scenarios.items()}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if completed.returncode != 0:
        raise AssertionError(f"the namespace run failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def make_certificates(folder: Path) -> Path:
    """A CA, and a certificate it signed for service.test, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ext.cnf").write_text("subjectAltName=DNS:service.test\n")
    key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    commands = [
        f"openssl req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
        f"openssl req {key} -keyout service.key -out service.csr -subj /CN=service.test",
        "openssl x509 -req -in service.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out service.pem -days 2 -extfile ext.cnf",
    ]
    for command in commands:
        subprocess.run(command.split(), cwd=folder, check=True, capture_output=True, timeout=60)
    return folder


# Inside the namespace.


def _server(requests: list[dict[str, Any]], tls: ssl.SSLContext | None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(
                {
                    "address": self.connection.getsockname()[0].removeprefix("::ffff:"),
                    "port": self.connection.getsockname()[1],
                    "host": self.headers.get("Host"),
                    "path": self.path,
                    "server_name": getattr(self.connection, "server_name_sent", None),
                }
            )
            location = REDIRECTS.get(self.path)
            body = json.dumps({"cpu": {"used_ratio": 0.5}}).encode()
            self.send_response(302 if location else 200)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

        def get_request(self) -> tuple[socket.socket, Any]:
            connection, address = super().get_request()
            if tls is None:
                return connection, address
            names: list[str | None] = []
            tls.sni_callback = lambda sock, name, context: names.append(name)
            wrapped = tls.wrap_socket(connection, server_side=True)
            wrapped.server_name_sent = names[0] if names else None  # type: ignore[attr-defined]
            return wrapped, address

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that refuses the certificate hangs up

    server = Server(("::", TLS_PORT if tls else HTTP_PORT), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _rebinding(lookup: Callable[..., Any]) -> Callable[..., Any]:
    answers = ["10.1.2.3"]

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        answer = answers.pop() if answers else "169.254.169.254"
        return lookup(answer, port, *args, **kwargs)

    return getaddrinfo


def _run(name: str, scenario: dict[str, Any], ca: Path) -> dict[str, Any]:
    import datetime as dt

    import checks.http
    from checks.outbound import OutboundPolicy
    from checks.registry import get
    from checks.spec import CheckSpec, RunContext

    policy = OutboundPolicy(deny=()) if scenario["policy"] == "none" else OutboundPolicy()
    ctx = RunContext(repo=ca, now=dt.datetime.now(dt.UTC), outbound=policy)
    check_type = get(scenario["type"])
    if scenario["type"] == "http":
        given = {"url": scenario["url"], "timeout_s": 5.0, **scenario["options"]}
    else:
        source = {"url": scenario["url"], "path": None, "json_path": "cpu.used_ratio"}
        given = {"source": source, "fail_above": 0.9, "timeout_s": 5.0}
    options = {**check_type.defaults(), **given}
    spec = CheckSpec(key=name, name=name, type=scenario["type"], category="net", options=options)
    lookup = socket.getaddrinfo
    if scenario["resolver"] == "rebinding":
        socket.getaddrinfo = _rebinding(lookup)
    trusting = ssl.create_default_context(cafile=str(ca / "ca.pem"))
    checks.http._tls_context = lambda: trusting
    try:
        outcome = check_type.run(spec, check_type.typed(spec.options), ctx)
    finally:
        socket.getaddrinfo = lookup
    return {"status": str(outcome.status), "summary": outcome.summary, "details": outcome.details}


def main() -> None:
    folder = Path(sys.argv[1])
    scenarios = json.load(sys.stdin)
    requests: list[dict[str, Any]] = []
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(folder / "service.pem", folder / "service.key")
    servers = [_server(requests, None), _server(requests, tls)]
    outcomes = {name: _run(name, scenario, folder) for name, scenario in scenarios.items()}
    for server in servers:
        server.shutdown()
    print(json.dumps({"outcomes": outcomes, "requests": requests}, default=str))


if __name__ == "__main__":
    main()

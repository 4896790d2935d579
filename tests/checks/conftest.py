"""A real HTTP server on 127.0.0.1 for http and threshold checks: routes with a status,
headers, a body or JSON, and a delay before the answer; and one that drips its headers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up early (timeouts, capped bodies) are what some tests do


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str = b"",
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> str:
        """Serve `path`; returns its URL."""
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(status=status, body=body, headers=headers, delay_s=delay_s)
        return self.url(path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, *, with_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            server.requests.append(Request(self.command, path, dict(self.headers)))
            route = server.routes.get(path, Route(status=404, body=b"not found"))
            time.sleep(route.delay_s)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if with_body:
                self.wfile.write(route.body)

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def refused_url() -> str:
    """A URL on a local port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/health"


class DripServer:
    """A server on 127.0.0.1 that answers every request with a status line and then one
    header byte every `every_s` seconds, for `for_s` seconds at most: a slow header drip."""

    def __init__(self, *, every_s: float = 0.5, for_s: float = 15.0) -> None:
        self.every_s = every_s
        self.for_s = for_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}/metrics"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._drip, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _drip(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.settimeout(self.for_s)
                connection.recv(65536)  # the request
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                ends = time.monotonic() + self.for_s
                while not self._stopping.wait(self.every_s) and time.monotonic() < ends:
                    connection.sendall(b"X")
            except OSError:
                pass  # the client hung up: what a deadline does

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for thread in [self._thread, *self._threads]:
            thread.join(timeout=5)
        self._listener.close()


@pytest.fixture
def drip_server() -> Iterator[DripServer]:
    server = DripServer()
    server.start()
    yield server
    server.stop()

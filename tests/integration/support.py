"""Real components for the pipeline's tests: a private broker for this process's Celery
app (and the messages sent to it), an HTTP server whose answers take as long as a test
asks, and free ports."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings
from kombu.simple import SimpleQueue

from readiness.broker import EMBEDDED_URL, filesystem_transport_options
from readiness.celery import app as celery_app
from readiness.routing import scan_queue_name


@dataclass(frozen=True)
class Broker:
    url: str
    transport_options: Mapping[str, Any]
    queue: str

    def queues(self) -> tuple[str, str]:
        """The task queue and the scan queue."""
        return self.queue, scan_queue_name(self.queue)

    def env(self) -> dict[str, str]:
        """What a worker process needs in its environment to use this broker."""
        env = {"READINESS_QUEUE": self.queue}
        if self.url.startswith("redis"):
            env["REDIS_URL"] = self.url
        else:
            env["REDIS_URL"] = ""
            env["READINESS_BROKER_DIR"] = str(Path(self.transport_options["data_folder_in"]).parent)
        return env


def filesystem_broker(folder: Path, queue: str | None = None) -> Broker:
    return Broker(
        url=EMBEDDED_URL,
        transport_options=filesystem_transport_options(folder),
        queue=queue or f"readiness-test-{uuid.uuid4().hex[:12]}",
    )


def redis_broker(url: str, queue: str | None = None, *, lease_s: int = 5) -> Broker:
    return Broker(
        url=url,
        transport_options={"visibility_timeout": lease_s * 2, "socket_connect_timeout": 2},
        queue=queue or f"readiness-test-{uuid.uuid4().hex[:12]}",
    )


def private_broker(folder: Path) -> Broker:
    """The broker these tests run on: the REDIS_URL server when set (with a queue of this
    run's own), else a filesystem broker in `folder`."""
    if settings.REDIS_URL:
        return redis_broker(settings.REDIS_URL)
    return filesystem_broker(folder)


@contextmanager
def using(broker: Broker) -> Iterator[Broker]:
    """Point this process's Celery app at `broker` (the services read the broker and the
    queue at send time)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_default_queue)
    conf.broker_url = broker.url
    conf.broker_transport_options = dict(broker.transport_options)
    conf.task_default_queue = broker.queue
    try:
        yield broker
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_default_queue = saved


def sent_tasks(broker: Broker, queue_name: str | None = None) -> list[tuple[str, tuple[Any, ...]]]:
    """Take every message waiting in the broker's task queue and scan queue (or only in
    the queue `queue_name`): (task name, args), the task queue's first."""
    messages = []
    with celery_app.connection_for_read() as connection:
        for name in [queue_name] if queue_name else broker.queues():
            queue = SimpleQueue(connection, name, no_ack=True)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    args, _kwargs, _embed = message.decode()
                    messages.append((message.headers["task"], tuple(args)))
            finally:
                queue.close()
    return messages


def queue_size(broker: Broker) -> int:
    """Messages waiting in the broker's task queue and scan queue (not those a worker has
    taken)."""
    waiting = 0
    with celery_app.connection_for_read() as connection:
        for name in broker.queues():
            queue = SimpleQueue(connection, name, no_ack=True)
            try:
                waiting += queue.qsize()
            except connection.channel_errors:
                pass  # Redis has no key for an empty queue
            finally:
                queue.close()
    return waiting


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlowServer:
    """Answers GET /delay/<ms>/<anything> with 200 "ok" after <ms> milliseconds, and
    counts the requests per path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, delay_ms: int, name: str = "") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/delay/{delay_ms}/{name}"

    def hit(self, path: str) -> None:
        with self._lock:
            self.hits[path] += 1

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many checks connect at once; the default backlog is 5

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is what some tests do


def _handler(server: SlowServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hit(self.path)
            parts = self.path.split("/")
            delay_ms = int(parts[2]) if len(parts) > 2 and parts[1] == "delay" else 0
            time.sleep(delay_ms / 1000)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler

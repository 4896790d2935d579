"""`http` checks: request a URL once and judge its status, latency, headers and body.

A target that refuses the connection or does not answer in time is `fail`: the service is
not ready, and that is the finding. A check that is misconfigured (bad URL, bad pattern)
is `error`. Latency above `max_latency_ms` is `fail` too: the limit is a readiness
requirement, not a hint. Latency is the time until the response headers arrive.

`timeout_s` is one deadline for the whole exchange (name lookup, connect, TLS, headers,
body), not a limit per read: every socket operation waits at most until the deadline, so a
server that drips its answer a byte at a time cannot hold a check past it, and the request
runs in a thread that the check stops waiting for at the deadline.

Every connection goes through the outbound policy (checks.outbound): the host is resolved
once, every address it resolves to is judged, and the socket connects to one of those
judged addresses, while the Host header, the TLS server name and the certificate check
keep the URL's host. A refused address is `error`, naming the address and the rule.

Only http and https; redirects are followed only with `follow_redirects: true`, at most
MAX_REDIRECTS, each hop through the same policy and within the same deadline (otherwise a
3xx that was not expected says where it points); the body is read up to 1 MiB; the
environment's proxies and .netrc credentials are ignored, so a check never sends the
server's credentials anywhere.
"""

from __future__ import annotations

import functools
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

# httpcore's socket stream: its network backends are public API, the stream they return
# is not, and a connection to an address chosen here needs one.
from httpcore._backends.sync import SyncStream
from yaml.nodes import Node, SequenceNode

from checks import reader as read
from checks.checktype import CheckType, Kind, option
from checks.messages import OR_LIST, Message, gettext_noop, joined, message, timed_out
from checks.outbound import OutboundPolicy, Refused, resolve
from checks.patterns import PatternError, compile_pattern
from checks.placeholders import Unfilled, fill, unfilled
from checks.reader import INVALID, Reader, join
from checks.spec import CheckSpec, Evidence, Outcome, RunContext, Status, clip

MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "readiness-check/1"
METHODS = ("GET", "HEAD")
MAX_REDIRECTS = 5
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# How long past its deadline a check waits for the request's thread before giving up on
# it: the socket deadline normally ends the request first; this bounds a name lookup.
DEADLINE_GRACE_S = 0.5


def _method(reader: Reader, node: Node, path: str) -> Any:
    value = reader.text(node, path)
    if value is not INVALID and value.upper() not in METHODS:
        reader.add(node, path, f"{value!r} is not one of: GET, HEAD")
        return INVALID
    return value if value is INVALID else value.upper()


def _statuses(reader: Reader, node: Node, path: str) -> Any:
    if not isinstance(node, SequenceNode):
        value = reader.integer(node, path, minimum=100, maximum=599)
        return INVALID if value is INVALID else [value]
    values = [
        reader.integer(item, item_path, minimum=100, maximum=599)
        for item, item_path in reader.items(node, path, minimum=1, noun="status")
    ]
    return INVALID if INVALID in values or not values else values


def _headers(reader: Reader, node: Node, path: str) -> Any:
    fields = reader.fields(node, path)
    if fields is None:
        return INVALID
    headers: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for name, (key_node, value_node) in fields.items.items():
        header_path = join(path, name)
        if not _HEADER_NAME_RE.fullmatch(name):
            reader.add(key_node, header_path, "is not a valid HTTP header name")
        elif name.lower() in seen:
            reader.add(key_node, header_path, f"repeats header {seen[name.lower()]!r}")
        seen.setdefault(name.lower(), name)
        headers[name] = reader.pattern(value_node, header_path)
    return headers


@dataclass(frozen=True, kw_only=True)
class HttpOptions:
    url: str = option(read.url, note=" for an http check")
    method: str = option(_method, "GET")
    expect_status: tuple[int, ...] = option(_statuses, (200,))
    max_latency_ms: float | None = option(read.number(above=0.0), None)
    headers: Mapping[str, str] = option(_headers, {})
    body_matches: str | None = option(read.pattern(), None)
    timeout_s: float = option(read.number(above=0.0, maximum=300.0), 10.0)
    follow_redirects: bool = option(read.boolean, False)


class FetchError(Exception):
    """The request could not be made as configured (bad URL or scheme): a checklist
    problem, unlike the network errors httpx raises."""


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool  # the body was longer than the cap and was cut there
    latency_ms: float
    encoding: str  # httpx falls back to utf-8 for a missing or unknown charset
    redirects: tuple[str, ...] = ()  # the URLs followed to get here, in order

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding, errors="replace")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms of CPU: once per process, not once per check (50
    # checks run at once in a worker's threads). The context is safe to share.
    return httpx.create_ssl_context(trust_env=False)


class _Deadline(httpcore.NetworkBackend):
    """Sockets to addresses the outbound policy allows, each operation bounded by one
    deadline (time.monotonic()) for the whole exchange instead of a timeout per read."""

    def __init__(self, deadline: float, policy: OutboundPolicy) -> None:
        self.deadline = deadline
        self.policy = policy

    def left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the check's deadline has passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        """A socket connected to an address `host` resolved to, every one of which the
        policy allows (Refused otherwise); tried in getaddrinfo's order. The checks' pool
        sets no local address."""
        try:
            destinations = resolve(host, port, self.policy)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        problem: OSError | None = None
        for destination in destinations:
            sock = socket.socket(destination.family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.left(timeout, httpcore.ConnectTimeout))
                for socket_option in socket_options or ():
                    sock.setsockopt(*socket_option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(destination.sockaddr)
            except TimeoutError:
                sock.close()
                raise httpcore.ConnectTimeout("the check's deadline has passed") from None
            except OSError as exc:
                sock.close()
                problem = exc
                continue
            except BaseException:
                sock.close()
                raise
            return _DeadlineStream(SyncStream(sock), self)
        raise httpcore.ConnectError(str(problem))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.left(timeout, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def fetch(
    url: str,
    *,
    policy: OutboundPolicy,
    method: str = "GET",
    timeout_s: float,
    max_bytes: int = MAX_BODY_BYTES,
    follow_redirects: bool = False,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """One request (and, with `follow_redirects`, up to MAX_REDIRECTS more), each
    connection to an address `policy` allows, body capped at `max_bytes`. `content` is
    the request's body and `headers` are added to the request's (a notification's POST
    uses both; checks send neither). Raises
    FetchError for a URL that is not http(s), outbound.Refused for an address the policy
    refuses, httpx.TooManyRedirects past MAX_REDIRECTS, and httpx.TransportError
    subclasses for network problems (httpx.TimeoutException when the whole exchange
    exceeds `timeout_s`).

    The request runs in a thread of its own, and this returns by the deadline (plus
    DEADLINE_GRACE_S) whatever the server does; the thread ends by itself soon after,
    since none of its socket operations may wait past the deadline."""
    deadline = time.monotonic() + timeout_s
    done = threading.Event()
    result: list[Any] = []
    network = _Deadline(deadline, policy)

    def exchange() -> None:
        try:
            result.append(
                _fetch(
                    url,
                    method,
                    network,
                    timeout_s,
                    max_bytes,
                    follow_redirects,
                    content,
                    headers or {},
                )
            )
        except BaseException as exc:  # raised again in the caller's thread
            result.append(exc)
        finally:
            done.set()

    threading.Thread(target=exchange, name="http-check", daemon=True).start()
    if not done.wait(timeout_s + DEADLINE_GRACE_S):
        raise httpx.TimeoutException(f"no answer within {timeout_s:g}s")
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


def _parsed(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are supported, got {url!r}")
    if not parsed.host:
        raise FetchError(f"URL {url!r} has no host")
    return parsed


def _fetch(
    url: str,
    method: str,
    network: _Deadline,
    timeout_s: float,
    max_bytes: int,
    follow_redirects: bool,
    content: bytes | None,
    extra_headers: Mapping[str, str],
) -> Fetched:
    parsed = _parsed(url)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **extra_headers}
    transport = httpx.HTTPTransport(verify=_tls_context(), trust_env=False)
    # httpx takes no network backend; its transport's pool is replaced by one that has
    # the policy's and the deadline's (httpcore's ConnectionPool and NetworkBackend are
    # public API).
    transport._pool = httpcore.ConnectionPool(ssl_context=_tls_context(), network_backend=network)
    redirects: list[str] = []
    with httpx.Client(
        follow_redirects=False, timeout=timeout_s, trust_env=False, transport=transport
    ) as client:
        started = time.perf_counter()
        while True:
            try:
                with client.stream(method, parsed, headers=headers, content=content) as response:
                    location = response.headers.get("location")
                    if not (follow_redirects and response.is_redirect and location):
                        latency_ms = (time.perf_counter() - started) * 1000
                        body, truncated = _body(response, network.deadline, timeout_s, max_bytes)
                        return Fetched(
                            url=str(parsed),
                            status=response.status_code,
                            headers=response.headers,
                            body=body,
                            truncated=truncated,
                            latency_ms=latency_ms,
                            encoding=response.encoding or "utf-8",
                            redirects=tuple(redirects),
                        )
            except Refused as exc:
                if not redirects:
                    raise
                raise exc.after_redirect(redirects[-1]) from None
            if len(redirects) == MAX_REDIRECTS:
                raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
            try:
                parsed = _parsed(str(parsed.join(location)))
            except FetchError as exc:
                raise FetchError(f"redirect to {location!r}: {exc}") from None
            redirects.append(str(parsed))


def _body(
    response: httpx.Response, deadline: float, timeout_s: float, max_bytes: int
) -> tuple[bytes, bool]:
    """The body up to `max_bytes`, and whether it was longer."""
    body = bytearray()
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout(f"body not read within {timeout_s:g}s")
        room = max_bytes - len(body)
        body += chunk[:room]
        if len(chunk) > room:
            return bytes(body), True
    return bytes(body), False


def network_problem(
    exc: httpx.TransportError | httpx.TooManyRedirects, timeout_s: float
) -> Message:
    """A short reason for a failed request."""
    if isinstance(exc, httpx.TimeoutException):
        return timed_out(timeout_s)
    if isinstance(exc, httpx.TooManyRedirects):
        return message(gettext_noop("more than %(count)s redirects"), count=MAX_REDIRECTS)
    if isinstance(exc, httpx.ConnectError):
        return message(gettext_noop("could not connect: %(problem)s"), problem=str(exc))
    return message(
        gettext_noop("%(error)s: %(problem)s"), error=type(exc).__name__, problem=str(exc)
    )


def run_http(spec: CheckSpec, options: HttpOptions, ctx: RunContext) -> Outcome:
    """Request `options.url` and compare the response with the expectations."""
    try:
        url = fill(options.url, ctx.placeholders)
    except Unfilled as exc:
        return unfilled(exc)
    method = options.method
    timeout_s = options.timeout_s
    expect_status = options.expect_status
    body_pattern = options.body_matches
    # A checklist may pair HEAD with body_matches; such a check cannot be judged.
    if body_pattern is not None and method == "HEAD":
        return Outcome.error(
            message(gettext_noop("body_matches needs method GET: a HEAD response has no body"))
        )
    try:
        body_regex = None if body_pattern is None else compile_pattern(body_pattern, multiline=True)
        header_regexes = {
            name: compile_pattern(pattern) for name, pattern in options.headers.items()
        }
    except PatternError as exc:
        return Outcome.error(message(gettext_noop("pattern: %(problem)s"), problem=str(exc)))

    base = {"url": url, "method": method}
    try:
        fetched = fetch(
            url,
            policy=ctx.outbound,
            method=method,
            timeout_s=timeout_s,
            follow_redirects=options.follow_redirects,
        )
    except Refused as exc:
        return Outcome.error(exc.message, **base)
    except FetchError as exc:
        return Outcome.error(str(exc), **base)
    except httpx.UnsupportedProtocol as exc:
        return Outcome.error(
            message(
                gettext_noop("unsupported URL %(url)s: %(problem)s"),
                url=repr(url),
                problem=str(exc),
            ),
            **base,
        )
    except (httpx.TransportError, httpx.TooManyRedirects) as exc:
        reason = network_problem(exc, timeout_s)
        summary = message(
            gettext_noop("%(method)s %(url)s: %(problem)s"), method=method, url=url, problem=reason
        )
        return Outcome.said(
            Status.FAIL,
            summary,
            (Evidence(text=clip(str(summary))),),
            {**base, "error": str(reason)},
        )

    details: dict[str, Any] = {
        **base,
        "status": fetched.status,
        "latency_ms": round(fetched.latency_ms, 1),
        "body_bytes": len(fetched.body),
        "body_truncated": fetched.truncated,
        "matched_headers": {},
    }
    if fetched.redirects:
        details["redirects"] = list(fetched.redirects)
    chain = " → ".join([url, *fetched.redirects])
    evidence = [
        Evidence(text=clip(f"{method} {chain} → {fetched.status} in {fetched.latency_ms:.0f} ms"))
    ]
    problems: list[Message] = []

    if fetched.status not in expect_status:
        expected = joined([message(str(code)) for code in expect_status], OR_LIST)
        problem = message(
            gettext_noop("status %(status)s, expected %(expected)s"),
            status=fetched.status,
            expected=expected,
        )
        location = fetched.headers.get("location")
        if 300 <= fetched.status < 400 and not options.follow_redirects:
            details["location"] = location
            problem = message(
                gettext_noop("%(problem)s (redirect to %(location)s not followed)"),
                problem=problem,
                location=location,
            )
        problems.append(problem)

    max_latency_ms = options.max_latency_ms
    if max_latency_ms is not None and fetched.latency_ms > max_latency_ms:
        problems.append(
            message(
                gettext_noop("latency %(latency)s ms over the %(limit)s ms limit"),
                latency=f"{fetched.latency_ms:.0f}",
                limit=f"{max_latency_ms:g}",
            )
        )

    for name, regex in header_regexes.items():
        values = fetched.headers.get_list(name)
        if not values:
            problems.append(message(gettext_noop("header %(name)s missing"), name=name))
            continue
        value = ", ".join(values)
        if regex.search(value):
            details["matched_headers"][name] = clip(value, 200)
            evidence.append(Evidence(text=clip(f"{name}: {value}")))
        else:
            problems.append(
                message(
                    gettext_noop("header %(name)s %(value)s does not match %(pattern)s"),
                    name=name,
                    value=repr(clip(value, 100)),
                    pattern=repr(options.headers[name]),
                )
            )

    if body_regex is not None:
        text = fetched.text
        found = body_regex.search(text)
        if found:
            start = max(found.start() - 80, 0)
            evidence.append(Evidence(text=clip(f"body: …{text[start : found.end() + 80]}…")))
        elif fetched.truncated:
            summary = message(
                gettext_noop(
                    "body is larger than %(size)s KiB and its first %(size)s KiB do not match "
                    "%(pattern)s"
                ),
                size=MAX_BODY_BYTES // 1024,
                pattern=repr(body_pattern),
            )
            return Outcome.said(Status.ERROR, summary, tuple(evidence), details)
        else:
            problems.append(
                message(gettext_noop("body does not match %(pattern)s"), pattern=repr(body_pattern))
            )
            if text.strip():
                evidence.append(Evidence(text=clip(f"body: {text.strip()}")))

    if problems:
        return Outcome.said(Status.FAIL, joined(problems), tuple(evidence), details)
    return Outcome.said(
        Status.PASS,
        message(
            gettext_noop("%(method)s → %(status)s in %(latency)s ms"),
            method=method,
            status=fetched.status,
            latency=f"{fetched.latency_ms:.0f}",
        ),
        tuple(evidence),
        details,
    )


HTTP = CheckType("http", Kind.SLOW, HttpOptions, run=run_http, shares_task=True)

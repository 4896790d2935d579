"""Typed readers for environment variables that fail loudly on a bad value."""

import ipaddress
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def envchoice(name: str, default: str, choices: Sequence[str]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envnetworks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """Comma-separated networks in CIDR notation (a bare address is a network of one), or
    None when the variable is unset or empty."""
    entries = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    if not entries:
        return None
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as exc:
            try:
                hint = f" (did you mean {ipaddress.ip_network(entry, strict=False)}?)"
            except ValueError:
                hint = " (e.g. 10.0.0.0/8, fd00::/8, 192.0.2.7)"
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not a network in CIDR notation: {exc}{hint}"
            ) from None
    return tuple(networks)


_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")


def envaddress(name: str, default: str) -> tuple[str, int]:
    """HOST:PORT as gunicorn's --bind takes it (an IPv6 host in brackets: [::1]:8000)."""
    raw = os.environ.get(name, "").strip() or default
    match = _ADDRESS.match(raw)
    if match is None or not 0 < int(match[2]) < 65536:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not HOST:PORT (e.g. 127.0.0.1:8000, 0.0.0.0:8080, [::1]:8000)"
        )
    return match[1], int(match[2])


def local_url(host: str, port: int) -> str:
    """The URL at which this machine reaches a server listening on HOST:PORT: a server on
    every interface (0.0.0.0, [::]) is reached on the loopback one."""
    loopback = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}
    return f"http://{loopback.get(host, host)}:{port}/"


def envsecret(name: str, keep_in: Path) -> str:
    """The secret from the environment, or one generated once and kept in `keep_in`
    (readable by the owner only), so that an install without configuration is still
    never signed with a published key."""
    raw = os.environ.get(name)
    if raw:
        return raw
    try:
        return keep_in.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(50)
    # Written aside and linked into place, so that processes starting together (web,
    # worker, beat) all end up with the one secret that won.
    draft = keep_in.with_name(f".{keep_in.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    try:
        os.link(draft, keep_in)
    except FileExistsError:
        value = keep_in.read_text().strip()
    finally:
        draft.unlink()
    return value

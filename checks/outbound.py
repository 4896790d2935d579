"""Which addresses the checks' outbound requests may reach, judged on resolved addresses.

A request resolves its host once (`resolve`), every address the name resolves to is
judged, and the connection goes to one of those judged addresses: a name that answers
differently a moment later (DNS rebinding) changes nothing, and every spelling of an
address (`2852039166`, `0xa9fea9fe`, `169.254.43518`, `[::ffff:a9fe:a9fe]`) is judged as
the address getaddrinfo reads it as. A name with one refused address among good ones is
refused whole.

Always denied (DEFAULT_DENY): the unspecified and "this network" addresses (0.0.0.0
reaches the machine itself), link-local networks (169.254.0.0/16 and fe80::/10, where the
clouds serve instance metadata and credentials), the metadata services outside them
(Alibaba Cloud, Oracle Cloud Classic, Azure's WireServer, AWS and Google Cloud over IPv6),
multicast, and IPv4's reserved 240.0.0.0/4 with the broadcast address. An IPv6 address
that carries an IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64
64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32) is denied when that
IPv4 address is (through a relay, 6to4, Teredo or a local NAT64 prefix whose layout may
vary, only the rules that mean something there: link-local, metadata, the administrator's).
Loopback and private networks are allowed unless denied: checking internal services is
the point.

An administrator adds networks to deny, and may give an allow list: then only the
addresses in it can be reached. A denied network always wins over an allowed one. An
allow-list entry matches the address connected to, or the IPv4 address it stands for
when the packets go to that host (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64
64:ff9b::/96), never an IPv4 address behind a 6to4 or Teredo relay.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from checks.messages import Message, gettext_noop, message

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Rule:
    """A denied network and why it is denied. A rule that is not `relayed` does not apply
    to an IPv4 address read out of a 6to4, Teredo or local NAT64 address: a relay drops
    those (0.0.0.0/8, multicast), and there the bits read may belong to another layout."""

    network: Network
    why: str
    relayed: bool = True

    def __str__(self) -> str:
        return f"{self.why} ({self.network})"


def _rules(*rules: tuple[str, str] | tuple[str, str, bool]) -> tuple[Rule, ...]:
    return tuple(Rule(ipaddress.ip_network(network), *rest) for network, *rest in rules)


DEFAULT_DENY = _rules(
    ("0.0.0.0/8", "unspecified, 'this network'", False),
    # AWS, Google Cloud, Azure, Oracle Cloud, OpenStack, DigitalOcean, Hetzner and others
    # serve metadata at 169.254.169.254; AWS ECS tasks at 169.254.170.2; Tencent Cloud at
    # 169.254.0.23.
    ("169.254.0.0/16", "link-local, where clouds serve instance metadata"),
    ("100.100.100.200/32", "cloud metadata (Alibaba Cloud)"),
    ("192.0.0.192/32", "cloud metadata (Oracle Cloud Classic)"),
    ("168.63.129.16/32", "cloud platform endpoint (Azure WireServer)"),
    ("224.0.0.0/4", "multicast", False),
    ("240.0.0.0/4", "reserved and broadcast", False),
    ("::/128", "unspecified"),
    ("fe80::/10", "link-local"),
    ("fd00:ec2::254/128", "cloud metadata (AWS, IPv6)"),
    ("fd20:ce::254/128", "cloud metadata (Google Cloud, IPv6)"),
    ("ff00::/8", "multicast"),
)


# IPv6 addresses that carry an IPv4 address, and where it sits.


def _last_32_bits(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]


def _compatible(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    # :: and ::1 are the unspecified and loopback addresses, not IPv4-compatible ones.
    return _last_32_bits(address) if int(address) > 1 else []


def _local_nat64(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 address in an address of 64:ff9b:1::/48, whose operator picks a prefix of
    48, 56, 64 or 96 bits: RFC 6052 places the IPv4 address after the prefix, skipping
    bits 64-71. Every placement is a candidate."""
    packed = address.packed
    skipped = packed[:8] + packed[9:]
    candidates = [skipped[start : start + 4] for start in (6, 7, 8)] + [packed[12:]]
    return [ipaddress.IPv4Address(candidate) for candidate in candidates]


def _six_to_four(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [address.sixtofour] if address.sixtofour is not None else []


def _teredo(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return list(address.teredo or ())


@dataclass(frozen=True)
class _Carrier:
    network: ipaddress.IPv6Network
    name: str
    carried: Callable[[ipaddress.IPv6Address], list[ipaddress.IPv4Address]]
    # The packets reach the IPv4 host itself (through the kernel or a NAT64 gateway whose
    # layout is known), rather than a host behind a relay.
    same_host: bool


_CARRIERS = (
    _Carrier(ipaddress.IPv6Network("::ffff:0:0/96"), "IPv4-mapped", _last_32_bits, True),
    _Carrier(ipaddress.IPv6Network("::/96"), "IPv4-compatible", _compatible, True),
    _Carrier(ipaddress.IPv6Network("::ffff:0:0:0/96"), "IPv4-translated", _last_32_bits, True),
    _Carrier(ipaddress.IPv6Network("64:ff9b::/96"), "NAT64", _last_32_bits, True),
    _Carrier(ipaddress.IPv6Network("64:ff9b:1::/48"), "local NAT64", _local_nat64, False),
    _Carrier(ipaddress.IPv6Network("2002::/16"), "6to4", _six_to_four, False),
    _Carrier(ipaddress.IPv6Network("2001::/32"), "Teredo", _teredo, False),
)


@dataclass(frozen=True)
class _Form:
    """The address itself, or an IPv4 address it carries (`carrier` names how)."""

    address: Address
    carrier: _Carrier | None = None


def _forms(address: Address) -> Iterator[_Form]:
    yield _Form(address)
    if isinstance(address, ipaddress.IPv6Address):
        for carrier in _CARRIERS:
            if address in carrier.network:
                for carried in carrier.carried(address):
                    yield _Form(carried, carrier)


@dataclass(frozen=True)
class OutboundPolicy:
    """The networks outbound requests may not reach, and the only ones they may reach
    when `allow` is given. `allow_name` names the allow list in refusals."""

    deny: tuple[Rule, ...] = DEFAULT_DENY
    allow: tuple[Network, ...] | None = None
    allow_name: str = "the allow list"

    @classmethod
    def configured(
        cls,
        *,
        deny: Iterable[Network] = (),
        allow: Iterable[Network] | None = None,
        deny_name: str = "the deny list",
        allow_name: str = "the allow list",
    ) -> OutboundPolicy:
        """The defaults, `deny` added to them (each refusal citing `deny_name`), and an
        allow list when `allow` is not None."""
        extra = tuple(Rule(network, f"denied by {deny_name}") for network in deny)
        return cls(
            deny=DEFAULT_DENY + extra,
            allow=None if allow is None else tuple(allow),
            allow_name=allow_name,
        )

    def refusal(self, address: Address) -> str | None:
        """Why `address` may not be reached, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%")[0])
        forms = list(_forms(address))
        for form in forms:
            relayed = form.carrier is not None and not form.carrier.same_host
            for rule in self.deny:
                if form.address in rule.network and (rule.relayed or not relayed):
                    if form.carrier is None:
                        return str(rule)
                    name = f"{form.carrier.name} {form.carrier.network}"
                    return f"it carries {form.address} ({name}), {rule}"
        if self.allow is None:
            return None
        reached = [f.address for f in forms if f.carrier is None or f.carrier.same_host]
        if any(form in network for form in reached for network in self.allow):
            return None
        return f"not in {self.allow_name}"


class Refused(Exception):
    """A connection the policy does not allow; `message` names the address and the rule."""

    def __init__(self, summary: Message) -> None:
        super().__init__(str(summary))
        self.message = summary

    def after_redirect(self, url: str) -> Refused:
        return Refused(
            message(gettext_noop("redirect to %(url)s: %(problem)s"), url=url, problem=self.message)
        )


@dataclass(frozen=True)
class Destination:
    """One address a host resolved to, allowed by the policy, as socket.connect takes it."""

    family: socket.AddressFamily
    sockaddr: Any
    address: Address


def resolve(host: str, port: int, policy: OutboundPolicy) -> list[Destination]:
    """Every address `host` resolves to, in getaddrinfo's order, each allowed by `policy`.
    Raises Refused naming the first refused address and its rule, OSError (or
    UnicodeError for a host IDNA cannot encode) when the name does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    destinations = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        reason = policy.refusal(address)
        if reason is not None:
            raise Refused(_refused(host, address, reason))
        destinations.append(Destination(family, sockaddr, address))
    return destinations


def _refused(host: str, address: Address, reason: str) -> Message:
    try:
        literal = ipaddress.ip_address(host) == address
    except ValueError:
        literal = False
    if literal:
        return message(
            gettext_noop("%(address)s is refused: %(reason)s"), address=host, reason=reason
        )
    return message(
        gettext_noop("%(host)s resolves to %(address)s, which is refused: %(reason)s"),
        host=host,
        address=str(address),
        reason=reason,
    )

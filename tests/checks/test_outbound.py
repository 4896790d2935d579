import ipaddress
import shutil

import pytest

from checks.outbound import OutboundPolicy
from tests.checks.netns import HTTP_PORT, TLS_PORT, TRAPS, Scenario, in_namespace, make_certificates

DEFAULT = OutboundPolicy()


def refusal(address: str, policy: OutboundPolicy = DEFAULT) -> str | None:
    return policy.refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("169.254.169.254", "link-local, where clouds serve instance metadata (169.254.0.0/16)"),
        ("169.254.170.2", "link-local, where clouds serve instance metadata (169.254.0.0/16)"),
        ("fe80::a9fe:a9fe%eth0", "link-local (fe80::/10)"),
        ("fd00:ec2::254", "cloud metadata (AWS, IPv6) (fd00:ec2::254/128)"),
        ("fd20:ce::254", "cloud metadata (Google Cloud, IPv6) (fd20:ce::254/128)"),
        ("100.100.100.200", "cloud metadata (Alibaba Cloud) (100.100.100.200/32)"),
        ("192.0.0.192", "cloud metadata (Oracle Cloud Classic) (192.0.0.192/32)"),
        ("168.63.129.16", "cloud platform endpoint (Azure WireServer) (168.63.129.16/32)"),
        ("::ffff:169.254.169.254", "it carries 169.254.169.254 (IPv4-mapped ::ffff:0:0/96), link"),
        ("::a9fe:a9fe", "it carries 169.254.169.254 (IPv4-compatible ::/96), link-local"),
        ("::ffff:0:a9fe:a9fe", "it carries 169.254.169.254 (IPv4-translated ::ffff:0:0:0/96)"),
        ("64:ff9b::a9fe:a9fe", "it carries 169.254.169.254 (NAT64 64:ff9b::/96), link-local"),
        ("64:ff9b::6464:64c8", "it carries 100.100.100.200 (NAT64 64:ff9b::/96), cloud metadata"),
        ("64:ff9b:1:a9fe:a9:fe00::", "it carries 169.254.169.254 (local NAT64 64:ff9b:1::/48)"),
        ("64:ff9b:1::a9fe:a9fe", "it carries 169.254.169.254 (local NAT64 64:ff9b:1::/48)"),
        ("2002:a9fe:a9fe::", "it carries 169.254.169.254 (6to4 2002::/16), link-local"),
        ("2001:0:4136:e378:8000:63bf:5601:5601", "it carries 169.254.169.254 (Teredo 2001::/32)"),
        ("0.0.0.0", "unspecified, 'this network' (0.0.0.0/8)"),
        ("::", "unspecified (::/128)"),
        ("::ffff:0.0.0.0", "it carries 0.0.0.0 (IPv4-mapped ::ffff:0:0/96), unspecified"),
        ("224.0.0.1", "multicast (224.0.0.0/4)"),
        ("ff02::1", "multicast (ff00::/8)"),
        ("255.255.255.255", "reserved and broadcast (240.0.0.0/4)"),
    ],
)
def test_it_refuses_metadata_link_local_and_unspecified_addresses_in_every_form(address, reason):
    assert reason in refusal(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "fd12:3456::1",
        "100.64.0.1",
        "192.0.2.10",
        "2001:db8::1",
        "::ffff:10.1.2.3",
        "64:ff9b::c000:20a",
        "64:ff9b:1:1234::c000:20a",  # a local NAT64 /96 whose prefix bits read as 0.0.0.x
        "2002:c000:20a::1",
    ],
)
def test_it_allows_loopback_private_and_other_addresses_by_default(address):
    assert refusal(address) is None


def test_an_added_deny_network_is_refused_in_its_other_forms_too():
    policy = OutboundPolicy.configured(
        deny=[ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8")],
        deny_name="READINESS_OUTBOUND_DENY",
    )

    assert refusal("127.0.0.1", policy) == "denied by READINESS_OUTBOUND_DENY (127.0.0.0/8)"
    assert refusal("::ffff:127.0.0.1", policy).startswith("it carries 127.0.0.1 (IPv4-mapped")
    assert refusal("64:ff9b::a01:203", policy).startswith("it carries 10.1.2.3 (NAT64")
    assert refusal("2002:a01:203::1", policy).startswith("it carries 10.1.2.3 (6to4")
    assert refusal("::1", policy) is None  # IPv6 loopback is a network of its own
    assert "169.254.0.0/16" in refusal("169.254.169.254", policy)  # the defaults stay


def test_an_allow_list_admits_only_the_addresses_it_names():
    policy = OutboundPolicy.configured(
        allow=[ipaddress.ip_network("10.0.0.0/8")], allow_name="READINESS_OUTBOUND_ALLOW"
    )

    assert refusal("10.1.2.3", policy) is None
    assert refusal("::ffff:10.1.2.3", policy) is None
    assert refusal("64:ff9b::a01:203", policy) is None  # NAT64 reaches 10.1.2.3 itself
    assert refusal("127.0.0.1", policy) == "not in READINESS_OUTBOUND_ALLOW"
    assert refusal("::1", policy) == "not in READINESS_OUTBOUND_ALLOW"
    # a 6to4 or Teredo address reaches a host behind a relay, not the IPv4 host it names
    assert refusal("2002:a01:203::1", policy) == "not in READINESS_OUTBOUND_ALLOW"


def test_a_denied_network_wins_over_an_allowed_one():
    policy = OutboundPolicy.configured(
        deny=[ipaddress.ip_network("10.0.5.0/24")],
        allow=[ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("169.254.0.0/16")],
    )

    assert refusal("10.0.4.1", policy) is None
    assert refusal("10.0.5.1", policy) == "denied by the deny list (10.0.5.0/24)"
    assert "link-local" in refusal("169.254.169.254", policy)


# In a network namespace of their own, where the metadata addresses answer: each refused
# address would be reached if the policy let it through.

URLS = {
    "ipv4": f"http://169.254.169.254:{HTTP_PORT}/latest/meta-data/",
    "aws-ipv6": f"http://[fd00:ec2::254]:{HTTP_PORT}/latest/meta-data/",
    "google-ipv6": f"http://[fd20:ce::254]:{HTTP_PORT}/computeMetadata/v1/",
    "alibaba": f"http://100.100.100.200:{HTTP_PORT}/latest/meta-data/",
    "oracle": f"http://192.0.0.192:{HTTP_PORT}/latest/",
    "nat64": f"http://[64:ff9b::a9fe:a9fe]:{HTTP_PORT}/",
    "6to4": f"http://[2002:a9fe:a9fe::]:{HTTP_PORT}/",
    "teredo": f"http://[2001:0:4136:e378:8000:63bf:5601:5601]:{HTTP_PORT}/",
    "mapped": f"http://[::ffff:169.254.169.254]:{HTTP_PORT}/",
    "mapped-hex": f"http://[::ffff:a9fe:a9fe]:{HTTP_PORT}/",
    "decimal": f"http://2852039166:{HTTP_PORT}/",
    "hex": f"http://0xa9fea9fe:{HTTP_PORT}/",
    "short": f"http://169.254.43518:{HTTP_PORT}/",
    "octal": f"http://0251.0376.0251.0376:{HTTP_PORT}/",
    "zero": f"http://0.0.0.0:{HTTP_PORT}/",
    "zero-ipv6": f"http://[::]:{HTTP_PORT}/",
    "name": f"http://metadata.test:{HTTP_PORT}/latest/meta-data/",
    "name-ipv6": f"http://metadata6.test:{HTTP_PORT}/latest/meta-data/",
    "name-mixed": f"http://mixed.test:{HTTP_PORT}/health",
}
SCENARIOS = {
    **{name: Scenario(url) for name, url in URLS.items()},
    "control": Scenario(f"http://169.254.169.254:{HTTP_PORT}/control", policy="none"),
    "service": Scenario(f"http://service.test:{HTTP_PORT}/health"),
    "rebinding": Scenario(f"http://rebinding.test:{HTTP_PORT}/health", resolver="rebinding"),
    "tls": Scenario(f"https://service.test:{TLS_PORT}/health"),
    "tls-wrong-name": Scenario(f"https://wrong.test:{TLS_PORT}/health"),
    "redirect-to-metadata": Scenario(
        f"http://service.test:{HTTP_PORT}/to-metadata", options={"follow_redirects": True}
    ),
    "redirect-to-metadata-name": Scenario(
        f"http://service.test:{HTTP_PORT}/to-metadata-name", options={"follow_redirects": True}
    ),
    "redirect-to-service": Scenario(
        f"http://10.1.2.3:{HTTP_PORT}/to-service", options={"follow_redirects": True}
    ),
    "threshold-name": Scenario(f"http://metadata.test:{HTTP_PORT}/m.json", type="threshold"),
    "threshold-alibaba": Scenario(f"http://100.100.100.200:{HTTP_PORT}/m.json", type="threshold"),
    "threshold-service": Scenario(f"http://service.test:{HTTP_PORT}/m.json", type="threshold"),
}


@pytest.fixture(scope="module")
def namespace(tmp_path_factory):
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("these tests need unshare (util-linux) and ip (iproute2): run bin/setup dev")
    certificates = make_certificates(tmp_path_factory.mktemp("netns") / "certificates")
    return in_namespace(SCENARIOS, certificates)


def outcome(namespace, name):
    return namespace["outcomes"][name]


def requests_to(namespace, path):
    return [r for r in namespace["requests"] if r["path"] == path]


LINK_LOCAL = "link-local, where clouds serve instance metadata (169.254.0.0/16)"


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("ipv4", f"169.254.169.254 is refused: {LINK_LOCAL}"),
        ("aws-ipv6", "fd00:ec2::254 is refused: cloud metadata (AWS, IPv6) (fd00:ec2::254/128)"),
        ("google-ipv6", "fd20:ce::254 is refused: cloud metadata (Google Cloud, IPv6)"),
        ("alibaba", "100.100.100.200 is refused: cloud metadata (Alibaba Cloud)"),
        ("oracle", "192.0.0.192 is refused: cloud metadata (Oracle Cloud Classic)"),
        ("nat64", "64:ff9b::a9fe:a9fe is refused: it carries 169.254.169.254 (NAT64 64:ff9b::/96)"),
        ("6to4", "2002:a9fe:a9fe:: is refused: it carries 169.254.169.254 (6to4 2002::/16)"),
        ("teredo", "is refused: it carries 169.254.169.254 (Teredo 2001::/32)"),
        ("mapped", "::ffff:169.254.169.254 is refused: it carries 169.254.169.254 (IPv4-mapped"),
        ("mapped-hex", "::ffff:a9fe:a9fe is refused: it carries 169.254.169.254 (IPv4-mapped"),
        ("decimal", f"2852039166 resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"),
        ("hex", f"0xa9fea9fe resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"),
        ("short", f"169.254.43518 resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"),
        ("octal", "invalid URL 'http://0251.0376.0251.0376:8080/': Invalid IPv4 address"),
        ("zero", "0.0.0.0 is refused: unspecified, 'this network' (0.0.0.0/8)"),
        ("zero-ipv6", ":: is refused: unspecified (::/128)"),
        ("name", f"metadata.test resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"),
        ("name-ipv6", "metadata6.test resolves to fd00:ec2::254, which is refused: cloud metadata"),
        ("name-mixed", f"mixed.test resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"),
    ],
)
def test_it_refuses_a_metadata_address_however_it_is_written(namespace, name, summary):
    found = outcome(namespace, name)

    assert found["status"] == "error"
    assert summary in found["summary"]


def test_no_request_reaches_a_refused_address(namespace):
    reached = [r for r in namespace["requests"] if r["address"] in TRAPS | {"127.0.0.1", "::1"}]

    # Only the control, where nothing is denied, shows the address would have answered.
    assert [(r["address"], r["path"]) for r in reached] == [("169.254.169.254", "/control")]
    assert outcome(namespace, "control")["status"] == "pass"


def test_it_connects_to_the_address_it_checked_when_the_name_changes_its_answer(namespace):
    # The name server answers 10.1.2.3, then 169.254.169.254 to any later question.
    assert outcome(namespace, "rebinding")["status"] == "pass"
    assert [
        r["address"] for r in requests_to(namespace, "/health") if r["host"].startswith("rebinding")
    ] == ["10.1.2.3"]


def test_it_keeps_the_host_header_of_the_url(namespace):
    assert outcome(namespace, "service")["status"] == "pass"
    served = [r for r in requests_to(namespace, "/health") if r["port"] == HTTP_PORT]
    assert {"address": "10.1.2.3", "host": f"service.test:{HTTP_PORT}"}.items() <= served[0].items()


def test_it_keeps_the_tls_server_name_and_checks_the_certificate_against_the_host(namespace):
    assert outcome(namespace, "tls")["status"] == "pass"
    served = [r for r in requests_to(namespace, "/health") if r["port"] == TLS_PORT]
    assert [(r["address"], r["server_name"], r["host"]) for r in served] == [
        ("10.1.2.3", "service.test", f"service.test:{TLS_PORT}")
    ]
    wrong = outcome(namespace, "tls-wrong-name")
    assert wrong["status"] == "fail"
    assert "certificate is not valid for 'wrong.test'" in wrong["summary"]


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        (
            "redirect-to-metadata",
            f"redirect to http://169.254.169.254:{HTTP_PORT}/latest/meta-data/: "
            f"169.254.169.254 is refused: {LINK_LOCAL}",
        ),
        (
            "redirect-to-metadata-name",
            f"redirect to http://metadata.test:{HTTP_PORT}/latest/meta-data/: "
            f"metadata.test resolves to 169.254.169.254, which is refused: {LINK_LOCAL}",
        ),
    ],
)
def test_a_redirect_to_a_metadata_address_is_refused(namespace, name, summary):
    found = outcome(namespace, name)

    assert found["status"] == "error"
    assert found["summary"] == summary


def test_a_redirect_to_an_allowed_address_is_followed(namespace):
    found = outcome(namespace, "redirect-to-service")

    assert found["status"] == "pass"
    assert found["details"]["redirects"] == [f"http://service.test:{HTTP_PORT}/health"]


def test_a_threshold_url_goes_through_the_same_policy(namespace):
    assert outcome(namespace, "threshold-name")["summary"] == (
        f"metadata.test resolves to 169.254.169.254, which is refused: {LINK_LOCAL}"
    )
    assert outcome(namespace, "threshold-alibaba")["summary"].startswith(
        "100.100.100.200 is refused: cloud metadata (Alibaba Cloud)"
    )
    assert outcome(namespace, "threshold-service")["status"] == "pass"

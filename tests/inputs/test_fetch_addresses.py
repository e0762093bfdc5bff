"""The address rules on their own: which resolved addresses are refused, and the allow-list."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stillmotion.errors import ImageRejected
from stillmotion.inputs.addresses import AllowList, refused_kind, resolve_host


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: judged as the IPv4 address
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("192.0.2.1", "private"),  # documentation range
    ],
)
def test_refused_kinds(address: str, kind: str | None) -> None:
    assert refused_kind(ipaddress.ip_address(address)) == kind


@given(st.ip_addresses())
def test_no_address_outside_the_global_internet_passes(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    mapped = getattr(address, "ipv4_mapped", None)
    judged = mapped if mapped is not None else address
    if refused_kind(address) is None:
        assert judged.is_global and not judged.is_multicast and not judged.is_reserved


def test_allow_list_parses_networks_addresses_and_names() -> None:
    allow = AllowList.parse(["127.0.0.1", " 10.1.2.3/8 ", "fd00::/8", "Images.Intranet.", ""])
    assert allow.hostnames == frozenset({"images.intranet"})
    assert allow.allows_host("IMAGES.intranet") and allow.allows_host("images.intranet.")
    assert not allow.allows_host("other.intranet")
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))
    assert allow.allows_address(ipaddress.ip_address("10.200.0.1"))
    assert allow.allows_address(ipaddress.ip_address("fd12::5"))
    assert not allow.allows_address(ipaddress.ip_address("192.168.0.1"))


def test_allow_list_reads_every_entry_and_strips_only_the_root_dot() -> None:
    allow = AllowList.parse(["", "  ", "mailbox.example.", "127.0.0.1"])  # blanks do not end it
    assert allow.hostnames == frozenset({"mailbox.example"})
    assert allow.allows_host("MAILBOX.example.") and not allow.allows_host("mailbo.example")
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))


@pytest.fixture
def crafted_dns(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """getaddrinfo answers exactly what the test puts in the list (families, scopes, repeats)."""
    answers: list[tuple[object, ...]] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: list(answers))
    return answers


async def test_resolve_host_keeps_inet_addresses_once_without_their_scope(
    crafted_dns: list[tuple[object, ...]],
) -> None:
    crafted_dns += [
        (socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/socket"),  # skipped, not the end
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1%eth0", 80, 0, 2)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
    ]
    addresses = await resolve_host("images.test", 80, 1.0)
    assert addresses == [ipaddress.ip_address("fe80::1"), ipaddress.ip_address("93.184.216.34")]
    assert addresses[0].scope_id is None  # type: ignore[union-attr]


async def test_a_name_with_no_inet_address_is_unresolved(crafted_dns: list[tuple[object, ...]]) -> None:
    crafted_dns.append((socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/socket"))
    with pytest.raises(ImageRejected) as caught:
        await resolve_host("images.test", 80, 1.0)
    assert caught.value.message == "Image URL host images.test could not be resolved."

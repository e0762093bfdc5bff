"""Which network addresses the image fetcher may reach (SPEC "Input image", SSRF rules).

The check is made on the addresses a hostname RESOLVES to, never on the name: a public-looking
name can point at 127.0.0.1 or a cloud metadata address. The fetcher then connects to exactly
the address checked here, so a second DNS answer (rebinding) cannot swap it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from stillmotion.errors import ImageRejected

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def refused_kind(address: IPAddress) -> str | None:
    """The kind of non-public address this is ("loopback", "private"...), or None if public.

    IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries, because
    the kernel connects it there. Whatever is not globally routable and not named by a more
    specific rule (e.g. 100.64.0.0/10, carrier-grade NAT) is refused as "non-public".
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # Order matters: 0.0.0.0 and 240/4 are also "private" for ipaddress; the
    # most specific name makes the clearest message.
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


@dataclass(frozen=True)
class AllowList:
    """The operator's `fetch_allow`: hostnames, IP addresses or CIDR networks that the
    private-address rule does not apply to (for an intranet image host, or tests on loopback)."""

    hostnames: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hostnames: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                # strict=False: "10.1.2.3/8" means the network around it, not an error.
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hostnames.add(entry.lower().rstrip("."))
        return cls(frozenset(hostnames), tuple(networks))

    def allows_host(self, hostname: str) -> bool:
        return hostname.lower().rstrip(".") in self.hostnames

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


async def resolve_host(hostname: str, port: int, timeout: float) -> list[IPAddress]:
    """Every address `hostname` resolves to for TCP, in the resolver's preference order.

    getaddrinfo runs in a thread and can hang for the resolver's own retries, so it gets the
    connect timeout as its deadline. An address written out in its usual form is its own answer
    (no thread); other spellings ("127.1", "0x7f.1") still go through the resolver.
    """
    if "%" not in hostname:
        try:
            return [ipaddress.ip_address(hostname)]
        except ValueError:
            pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise ImageRejected(
            f"Image URL host {hostname} could not be resolved within {timeout:g} s."
        ) from None
    except (socket.gaierror, UnicodeError):
        raise ImageRejected(f"Image URL host {hostname} could not be resolved.") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        # sockaddr[0] of a scoped IPv6 address carries "%iface"; the scope is not part of it.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ImageRejected(f"Image URL host {hostname} could not be resolved.")
    return addresses


def refused_among(hostname: str, addresses: Iterable[IPAddress], allow: AllowList) -> str | None:
    """The kind of the first address that may not be reached ("loopback"...), None if all may.

    All must pass, not just one: a name answering both a public and a private address is an
    attack or a misconfiguration either way, and refusing it keeps the rule simple to state.
    """
    if allow.allows_host(hostname):
        return None
    for address in addresses:
        kind = refused_kind(address)
        if kind is not None and not allow.allows_address(address):
            return kind
    return None


async def resolve_allowed(
    hostname: str, port: int, allow: AllowList, timeout: float, *, via_redirect: bool = False
) -> list[IPAddress]:
    """Resolve `hostname` for the image fetcher; ImageRejected unless every address is allowed."""
    addresses = await resolve_host(hostname, port, timeout)
    kind = refused_among(hostname, addresses, allow)
    if kind is not None:
        verb = "redirects to" if via_redirect else "resolves to"
        raise ImageRejected(f"Image URL {verb} a {kind} address; refused.")
    return addresses

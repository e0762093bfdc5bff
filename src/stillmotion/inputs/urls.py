"""The one syntax rule for the http(s) URLs the server connects to: `image_url` and its
redirects, and `callback_url`.

httpx parses more than any resolver or socket takes (percent-escaped hosts, ports 0 or over
65535, which it would quietly turn into "the default port" or an error at connect time), so
the host and port are checked here, once, for both callers. Each caller words the refusal in
its own code (1001 for an image, 1000 for a callback).
"""

from __future__ import annotations

import re

import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}
# What a host may contain once IDNA-encoded: DNS labels, IPv4 dots, IPv6 colons.
_HOST_CHARACTERS = re.compile(rb"[A-Za-z0-9._:-]+")


class BadWebURL(ValueError):
    """The URL cannot be connected to; `reason` completes "<the URL> ..." for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_web_url(url: str) -> httpx.URL:
    """`url` as an http(s) URL with a connectable host and port, or BadWebURL."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise BadWebURL("is not a valid URL.") from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise BadWebURL("is not an http or https URL.")
    if not parsed.raw_host:
        raise BadWebURL("has no host.")
    if not _HOST_CHARACTERS.fullmatch(parsed.raw_host):
        raise BadWebURL("is not a valid URL.")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BadWebURL("has a port outside 1..65535.")
    return parsed


def port_of(url: httpx.URL) -> int:
    """The port to connect to: the URL's own, or its scheme's default."""
    return url.port if url.port is not None else DEFAULT_PORTS[url.scheme]


def dns_host(url: httpx.URL) -> str:
    """The name to resolve and to present in TLS: the IDNA (punycode) form."""
    return url.raw_host.decode("ascii")

"""Where a callback may go: the same address rules as `image_url` (SPEC "Callback").

The address classification and the operator's allow-list are the fetcher's own
(`stillmotion.inputs.addresses`); only the wording differs, because a refused callback is a
1000 on `callback_url` at create time, and a failed attempt (never a fetch error) later.
The check runs again before every attempt, since DNS may change between create and
delivery, and the connection then goes to exactly the address checked.
"""

from __future__ import annotations

import httpx

from stillmotion.config import Settings
from stillmotion.errors import ImageRejected, InvalidField
from stillmotion.inputs.addresses import (
    AllowList,
    IPAddress,
    refused_among,
    resolve_host,
)
from stillmotion.inputs.urls import BadWebURL, dns_host, parse_web_url, port_of


class CallbackRefused(Exception):
    """The callback URL may not be called now; the message says why (shown to its owner)."""


def parse_callback_url(url: str) -> httpx.URL:
    try:
        return parse_web_url(url)
    except BadWebURL as bad:
        raise CallbackRefused(f"callback_url {bad.reason}") from None


async def resolve_callback(url: httpx.URL, settings: Settings) -> list[IPAddress]:
    """Every address the callback host resolves to, all of them allowed, or CallbackRefused."""
    host = dns_host(url)
    try:
        addresses = await resolve_host(host, port_of(url), settings.fetch_connect_timeout)
    except ImageRejected:
        raise CallbackRefused(f"callback_url host {host} could not be resolved.") from None
    kind = refused_among(host, addresses, AllowList.parse(settings.fetch_allow))
    if kind is not None:
        raise CallbackRefused(f"callback_url resolves to a {kind} address; refused.")
    return addresses


async def precheck_callback_url(url: str | None, settings: Settings) -> None:
    """Create-time check: 400/1000 naming `callback_url` if it could never be called."""
    if url is None:
        return
    try:
        await resolve_callback(parse_callback_url(url), settings)
    except CallbackRefused as exc:
        raise InvalidField(str(exc), field="callback_url") from None

"""One delivery attempt: a signed POST to the checked address, judged by SPEC's rule.

Success is HTTP 200 within `ATTEMPT_TIMEOUT_SECONDS`, connection included; any other
status, a redirect (never followed: it could lead anywhere), a timeout or a refused
connection is a failed attempt, described in a short sentence for the task's owner.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from stillmotion import __version__
from stillmotion.config import Settings
from stillmotion.webhooks.targets import CallbackRefused, parse_callback_url, resolve_callback

ATTEMPT_TIMEOUT_SECONDS = 5.0  # SPEC: "HTTP 200 within 5 s"


@dataclass(frozen=True)
class AttemptOutcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None


async def post_once(url: str, headers: dict[str, str], body: str, settings: Settings) -> AttemptOutcome:
    try:
        async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS):
            target = parse_callback_url(url)
            addresses = await resolve_callback(target, settings)
            status = await _pinned_post(target, [str(a) for a in addresses], headers, body)
    except CallbackRefused as exc:
        return AttemptOutcome(delivered=False, error=str(exc))
    except TimeoutError:
        return AttemptOutcome(delivered=False, error=f"no HTTP answer within {ATTEMPT_TIMEOUT_SECONDS:g} s")
    except httpx.ConnectError:
        return AttemptOutcome(delivered=False, error="could not connect (connection refused or TLS failure)")
    except httpx.HTTPError as exc:
        return AttemptOutcome(delivered=False, error=f"transport error: {type(exc).__name__}")
    if status == 200:
        return AttemptOutcome(delivered=True, status_code=status)
    return AttemptOutcome(delivered=False, status_code=status, error=f"answered HTTP {status}, not 200")


async def _pinned_post(url: httpx.URL, addresses: list[str], headers: dict[str, str], body: str) -> int:
    """POST on a connection to one of the checked addresses (the next is tried only when one
    refuses the connection). The name goes in Host and in TLS SNI, so certificates are still
    verified against it and DNS is not asked again."""
    host = url.raw_host.decode("ascii")
    request_headers = {
        **headers,
        "Host": url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": f"stillmotion/{__version__} (webhook)",
    }
    tls = httpx.create_ssl_context(trust_env=True)
    async with httpx.AsyncClient(verify=tls, trust_env=False, timeout=ATTEMPT_TIMEOUT_SECONDS) as client:
        for index, address in enumerate(addresses):
            request = client.build_request(
                "POST", url.copy_with(host=address), headers=request_headers, content=body.encode(),
                extensions={"sni_hostname": host},
            )  # fmt: skip
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError:
                if index + 1 < len(addresses):
                    continue
                raise
            await response.aclose()  # the status is all we need; never read an unbounded body
            return response.status_code
    raise CallbackRefused("callback_url has no address to connect to.")

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
from stillmotion.inputs.addresses import IPAddress
from stillmotion.inputs.pinned import send_pinned
from stillmotion.webhooks.targets import (
    CallbackRefused,
    parse_callback_url,
    resolve_callback,
)

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
            status = await _pinned_post(target, addresses, headers, body)
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


async def _pinned_post(url: httpx.URL, addresses: list[IPAddress], headers: dict[str, str], body: str) -> int:
    """The status of a POST to one of the checked addresses (pinned: DNS is not asked again)."""
    request_headers = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": f"stillmotion/{__version__} (webhook)",
    }
    async with send_pinned(
        "POST", url, addresses, headers=request_headers, timeout=ATTEMPT_TIMEOUT_SECONDS, content=body.encode()
    ) as response:
        return response.status_code  # the body is never read: it could be unbounded

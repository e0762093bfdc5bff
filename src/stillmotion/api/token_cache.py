"""JWTs verified recently: the poll's shortcut past PyJWT (api/auth.py says when it applies)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cachetools import TLRUCache


@dataclass(frozen=True)
class VerifiedToken:
    """A JWT whose signature and claims passed: who issued it, with which secret, and until when."""

    access_key: str
    secret_key: str
    valid_until: float
    """Wall-clock second from which PyJWT calls it expired (`exp` plus the leeway)."""


class VerifiedTokens:
    """JWTs verified recently, so a client polling with the same token costs a dictionary lookup
    instead of two PyJWT decodes and an HMAC (about 130 µs, a sixth of a poll's CPU).

    A hit is only a shortcut for the signature: the key is still looked up (`AccountStore`'s own
    cache, which a revoke clears), and a key whose secret changed since is verified afresh. An
    entry lives `seconds` at most and never past the token's expiry, so an expired token meets
    PyJWT again and gets its answer. Unknown keys and refused tokens are never kept."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self._seconds = seconds
        self._tokens: TLRUCache[str, VerifiedToken] = TLRUCache(maxsize=size, ttu=self._until, timer=time.time)

    def _until(self, _token: str, verified: VerifiedToken, now: float) -> float:
        return min(now + self._seconds, verified.valid_until)

    def get(self, token: str) -> VerifiedToken | None:
        return self._tokens.get(token)

    def keep(self, token: str, verified: VerifiedToken) -> None:
        if self._seconds > 0:
            self._tokens[token] = verified

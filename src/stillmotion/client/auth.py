"""Bearer tokens for the API: an opaque API key, or JWTs minted from an access key + secret key.

The JWT is the document's scheme: header {"alg": "HS256", "typ": "JWT"}, payload `iss` =
access key, `nbf` = now - 5 s, `exp` = now + lifetime, signed with the secret key. A token
is reused until it is within `RENEW_BEFORE_SECONDS` of expiring, then a new one is minted,
so a long-lived client never sends an expired token.

`BearerAuth` adds the header only to requests for the API's own origin: a video URL on a
CDN or a presigned S3 URL must not receive the account's token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from typing import Generic, Protocol, TypeVar

import httpx
import jwt

NOT_BEFORE_SKEW_SECONDS = 5  # the document's nbf = now - 5 s, for clocks slightly ahead of the server's
DEFAULT_JWT_LIFETIME_SECONDS = 3600  # short-lived: renewal is free, and a leaked token soon stops working
RENEW_BEFORE_SECONDS = 60  # renew with a minute to spare for clock skew and slow requests
DEFAULT_TIMEOUT_SECONDS = 30.0
HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)


class TokenSource(Protocol):
    def token(self) -> str: ...


class ApiKey:
    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("api_key is empty")
        self._key = key

    def token(self) -> str:
        return self._key


class AccessKeyPair:
    """Mints HS256 JWTs from an access key and secret key, renewing them before they expire."""

    def __init__(
        self, access_key: str, secret_key: str, lifetime_seconds: int = DEFAULT_JWT_LIFETIME_SECONDS
    ) -> None:
        if not access_key or not secret_key:
            raise ValueError("access_key and secret_key are both required")
        if lifetime_seconds <= RENEW_BEFORE_SECONDS:
            raise ValueError(f"lifetime_seconds must be more than {RENEW_BEFORE_SECONDS}")
        self.access_key = access_key
        self._secret_key = secret_key
        self._lifetime = lifetime_seconds
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at = 0.0

    def token(self) -> str:
        with self._lock:
            now = time.time()
            if now >= self._expires_at - RENEW_BEFORE_SECONDS:
                self._token, self._expires_at = self._mint(now)
            return self._token

    def _mint(self, now: float) -> tuple[str, float]:
        issued = int(now)
        expires = issued + self._lifetime
        claims = {"iss": self.access_key, "nbf": issued - NOT_BEFORE_SKEW_SECONDS, "exp": expires}
        return jwt.encode(claims, self._secret_key, algorithm="HS256", headers={"typ": "JWT"}), float(expires)


def token_source(api_key: str | None, access_key: str | None, secret_key: str | None) -> TokenSource:
    """Exactly one way to authenticate: an API key, or an access key with its secret key."""
    if api_key is not None and (access_key is not None or secret_key is not None):
        raise ValueError("pass either api_key or access_key + secret_key, not both")
    if api_key is not None:
        return ApiKey(api_key)
    if access_key is not None and secret_key is not None:
        return AccessKeyPair(access_key, secret_key)
    raise ValueError("pass api_key, or access_key and secret_key")


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` on requests to `origin` only."""

    def __init__(self, tokens: TokenSource, origin: httpx.URL) -> None:
        self._tokens = tokens
        self._origin = (origin.scheme, origin.host, origin.port)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if (request.url.scheme, request.url.host, request.url.port) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._tokens.token()}"
        yield request


class Connection(Generic[HttpClient]):
    """What `Client` and `AsyncClient` hold: the server's base URL and an httpx client that sends
    the token to it. Redirects are followed for downloads (a storage may redirect to a bucket or
    CDN); the token never leaves the API's origin."""

    _http_class: type[HttpClient]

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """Pass `api_key`, or `access_key` and `secret_key` (JWTs are then minted and renewed)."""
        self.base_url = base_url.rstrip("/")
        auth = BearerAuth(token_source(api_key, access_key, secret_key), httpx.URL(self.base_url))
        self._http: HttpClient = self._http_class(
            base_url=self.base_url, auth=auth, timeout=timeout, follow_redirects=True
        )

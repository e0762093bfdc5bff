"""Send one HTTP request to an address already checked, without asking DNS again.

The image fetcher and the webhook sender both resolve a name, check every address it gives
(addresses.py), and must then connect to exactly one of those addresses: a second lookup could
answer differently (DNS rebinding) and undo the check. So the request URL carries the IP, while
the Host header and the TLS server name (httpcore's documented `sni_hostname` extension) carry
the real name, and certificates are still verified against that name.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

import httpx

from stillmotion.inputs.addresses import IPAddress
from stillmotion.inputs.urls import dns_host


def pinned_tls() -> ssl.SSLContext:
    """The TLS context for pinned requests: the system CAs, or SSL_CERT_FILE / SSL_CERT_DIR.

    The environment is trusted for the CA bundle only (e.g. a corporate CA); the client itself
    ignores proxy variables, since a proxy would connect by name and undo the pinning.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """Built once per CA bundle: loading one takes ~30 ms, on the event loop, and every
    download and webhook attempt needs it. The arguments only key the cache: httpx reads
    the same two variables itself."""
    return httpx.create_ssl_context(trust_env=True)


@asynccontextmanager
async def send_pinned(
    method: str,
    url: httpx.URL,
    addresses: Sequence[IPAddress],
    *,
    headers: Mapping[str, str],
    timeout: httpx.Timeout | float,
    tls: ssl.SSLContext | None = None,
    content: bytes | None = None,
) -> AsyncIterator[httpx.Response]:
    """Send `method url` on a connection to one of `addresses`, the response body left unread.

    The addresses are tried in order; the next one only when the previous refused the
    connection (any later failure is the answer). `addresses` must not be empty: the resolvers
    raise rather than return no address. A fresh client per call: a pooled connection made for
    one name must not carry a request for another name that happens to share the address.
    """
    if not addresses:
        raise ValueError(f"no checked address to connect to for {url.host}")
    request_headers = {**headers, "Host": url.netloc.decode("ascii")}
    server_name = dns_host(url)  # as resolved, and as a TLS server expects it
    verify = tls if tls is not None else pinned_tls()
    async with httpx.AsyncClient(timeout=timeout, verify=verify, trust_env=False) as client:
        for index, address in enumerate(addresses):
            request = client.build_request(
                method, url.copy_with(host=str(address)), headers=request_headers, content=content,
                extensions={"sni_hostname": server_name},
            )  # fmt: skip
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError:
                if index + 1 < len(addresses):
                    continue
                raise
            try:
                yield response
            finally:
                await response.aclose()
            return

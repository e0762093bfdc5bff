"""Get the bytes of an `image_url`: http(s) download, data URL, or one of our own uploads.

The http(s) download is the SSRF-sensitive part. Each hop (the URL, then every redirect) is
resolved here, every resolved address is checked (addresses.py), and the connection goes to
exactly that address (pinned.py), so DNS is never asked again. Redirects are followed by
hand for the same reason. The body is streamed with a running count, so the size cap holds whether or not
the server announces a Content-Length, and the whole download runs under one deadline.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

import httpx

from stillmotion import __version__
from stillmotion.config import Settings
from stillmotion.errors import ImageRejected
from stillmotion.inputs.addresses import AllowList, resolve_allowed
from stillmotion.inputs.data_url import decode_data_url, is_data_url
from stillmotion.inputs.decode import decode_image
from stillmotion.inputs.limits import MAX_IMAGE_BYTES, MAX_IMAGE_MB, MAX_REDIRECTS, MAX_URL_LENGTH
from stillmotion.inputs.pinned import pinned_tls, send_pinned
from stillmotion.inputs.sniff import looks_like_html
from stillmotion.inputs.uploads import UploadReader, read_upload, upload_key
from stillmotion.inputs.urls import BadWebURL, dns_host, parse_web_url, port_of

if TYPE_CHECKING:
    import numpy as np

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Bytes gathered before deciding whether the body is an HTML page (then reading stops).
_HTML_SNIFF_BYTES = 1024
_HEADERS = {
    "User-Agent": f"stillmotion/{__version__} (image fetch)",
    "Accept": "image/*",
    # Images are compressed already; refusing transfer compression also rules out a gzip
    # bomb inflating past the size cap inside one decompressed chunk.
    "Accept-Encoding": "identity",
}
_BAD_REDIRECT = "Image URL redirected to a URL that is not valid."
# httpx parses a redirect's Location itself when the answer arrives (to offer `next_request`)
# and reports one it cannot parse as a protocol error starting so.
_HTTPX_BAD_LOCATION = "Invalid URL in location header"


async def fetch_image(url: str, settings: Settings, uploads: UploadReader) -> bytes:
    """The image file's bytes (at most MAX_IMAGE_BYTES), or ImageRejected saying why not.
    `uploads` reads our own upload URLs (the storage)."""
    if is_data_url(url):
        return decode_data_url(url)
    key = upload_key(url, settings)
    if key is not None:
        return await asyncio.to_thread(read_upload, key, uploads)
    return await _download(url, settings)


async def precheck_image_url(url: str, settings: Settings, uploads: UploadReader) -> None:
    """The checks cheap enough for task creation (400 / 1001 there instead of a failed task).

    http(s): syntax, host, DNS, and the address rules (nothing is downloaded). Data URLs carry
    the image itself, so they are decoded and checked in full. Uploads: it exists, within the cap.
    """
    if is_data_url(url):
        data = decode_data_url(url)
        await asyncio.to_thread(decode_image, data)
        return
    key = upload_key(url, settings)
    if key is not None:
        await asyncio.to_thread(read_upload, key, uploads)
        return
    target = parse_http_url(url)
    await resolve_allowed(
        dns_host(target), port_of(target), AllowList.parse(settings.fetch_allow),
        settings.fetch_connect_timeout,
    )  # fmt: skip


async def load_image(
    url: str, settings: Settings, uploads: UploadReader, *, reduce_to: int | None = None
) -> np.ndarray:
    """fetch_image then decode_image (in a thread: decoding a large photo takes CPU time)."""
    data = await fetch_image(url, settings, uploads)
    return await asyncio.to_thread(decode_image, data, reduce_to=reduce_to)


def parse_http_url(url: str, *, redirected: bool = False) -> httpx.URL:
    """`url` as an http(s) URL with a host, or ImageRejected naming the rule it breaks."""
    subject = "Image URL redirected to a URL that" if redirected else "image_url"
    if len(url) > MAX_URL_LENGTH:
        raise ImageRejected(f"{subject} is longer than {MAX_URL_LENGTH:,} characters.")
    try:
        return parse_web_url(url)
    except BadWebURL as bad:
        if bad.reason == "is not an http or https URL.":
            if redirected:
                raise ImageRejected("Image URL redirected to a URL that is not http or https; refused.") from None
            raise ImageRejected("image_url must be an http or https URL (or a data:image/ URL).") from None
        raise ImageRejected(f"{subject} {bad.reason}") from None


async def _download(url: str, settings: Settings) -> bytes:
    allow = AllowList.parse(settings.fetch_allow)
    timeout = httpx.Timeout(
        connect=settings.fetch_connect_timeout, read=settings.fetch_read_timeout,
        write=settings.fetch_read_timeout, pool=settings.fetch_connect_timeout,
    )  # fmt: skip
    tls = pinned_tls()  # loading the CA bundle takes time: once per download, not per hop
    try:
        async with asyncio.timeout(settings.fetch_total_timeout):
            current = parse_http_url(url)
            for hop in range(MAX_REDIRECTS + 1):
                addresses = await resolve_allowed(
                    dns_host(current), port_of(current), allow, settings.fetch_connect_timeout,
                    via_redirect=hop > 0,
                )  # fmt: skip
                async with send_pinned(
                    "GET", current, addresses, headers=_HEADERS, timeout=timeout, tls=tls
                ) as response:
                    if response.status_code not in _REDIRECT_STATUSES:
                        return await _read_image_body(response)
                    current = _redirect_target(current, response)
            raise ImageRejected(f"Image URL redirected more than {MAX_REDIRECTS} times; refused.")
    except TimeoutError:
        raise ImageRejected(
            f"Image download did not finish within {settings.fetch_total_timeout:g} s."
        ) from None
    except httpx.HTTPError as exc:
        raise ImageRejected(_transport_message(exc, settings)) from None


def _redirect_target(current: httpx.URL, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        raise ImageRejected(
            f"Image URL answered HTTP {response.status_code} (a redirect) without a Location."
        )
    try:
        # Joined against the URL with the real name, not the IP we connected to.
        target = str(current.join(location))
    except (httpx.InvalidURL, ValueError):
        raise ImageRejected(_BAD_REDIRECT) from None
    return parse_http_url(target, redirected=True)


async def _read_image_body(response: httpx.Response) -> bytes:
    """The body of a final answer: 200 only, within the size cap, not an HTML page."""
    if response.status_code != 200:
        raise ImageRejected(f"Image URL answered HTTP {response.status_code}.")
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"Image is larger than {MAX_IMAGE_MB} MB "
            f"(the server announced {int(announced):,} bytes)."
        )
    body = bytearray()
    sniffed = False
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_IMAGE_BYTES:
            raise ImageRejected(f"Image is larger than {MAX_IMAGE_MB} MB.")
        if not sniffed and len(body) >= _HTML_SNIFF_BYTES:
            _refuse_html(body)
            sniffed = True
    if not body:
        raise ImageRejected("Image URL answered with an empty body.")
    if not sniffed:
        _refuse_html(body)
    return bytes(body)


def _refuse_html(head: bytes | bytearray) -> None:
    if looks_like_html(bytes(head[:_HTML_SNIFF_BYTES])):
        raise ImageRejected("Image URL returned an HTML page, not an image.")


def _transport_message(exc: httpx.HTTPError, settings: Settings) -> str:
    """A user-facing sentence for a failed connection or transfer."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"Image URL did not accept a connection within {settings.fetch_connect_timeout:g} s."
    if isinstance(exc, httpx.ReadTimeout):
        return f"Image URL sent no data for {settings.fetch_read_timeout:g} s; timed out."
    if isinstance(exc, httpx.TimeoutException):
        return "Image URL timed out."
    if isinstance(exc, httpx.ConnectError):
        tls_error = _tls_cause(exc)
        if isinstance(tls_error, ssl.SSLCertVerificationError):
            return "Image URL's TLS certificate could not be verified; refused."
        if tls_error is not None:
            return "TLS handshake with the image URL's host failed."
        return "Could not connect to the image URL's host."
    if isinstance(exc, httpx.DecodingError):
        return "Image URL sent a body that could not be decoded."
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith(_HTTPX_BAD_LOCATION):
        return _BAD_REDIRECT
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return "Image URL closed the connection before the whole image arrived."
    return "Image could not be downloaded from image_url."


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error under an httpx exception (httpcore chains it as the cause), if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None

"""fetch_image / precheck_image_url over real HTTP on loopback: every failure has its message."""

from __future__ import annotations

import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx

import numpy as np
import pytest
import trustme

from stillmotion.config import Settings
from stillmotion.errors import ImageRejected
from stillmotion.inputs import MAX_IMAGE_BYTES, fetch_image, load_image, precheck_image_url
from stillmotion.inputs.fetch import _transport_message
from stillmotion.storage.local import LocalStorage
from tests.inputs.image_host import ImageServer, chunked, redirect, send_body, stall, trickle
from tests.inputs.sample_images import encode, gradient

PNG = encode(gradient(320, 300), "PNG")
HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Photo</title></head><body><img src=a.jpg></body></html>"
)


async def rejected(url: str, settings: Settings) -> str:
    with pytest.raises(ImageRejected) as caught:
        await fetch_image(url, settings, LocalStorage(settings))
    assert caught.value.code == 1001
    return caught.value.message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
async def test_every_format_is_fetched_and_decoded_whatever_the_content_type(
    fmt: str, image_server: ImageServer, settings: Settings
) -> None:
    data = encode(gradient(320, 300), fmt)
    # A wrong Content-Type on purpose: the format is sniffed from the bytes.
    url = image_server.add(f"/formats/photo.{fmt.lower()}", send_body(data, "text/plain"))
    assert await fetch_image(url, settings, LocalStorage(settings)) == data
    image = await load_image(url, settings, LocalStorage(settings))
    assert image.shape == (300, 320, 3) and image.dtype == np.uint8


async def test_request_is_a_plain_image_get(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/plain.png", send_body(PNG, "image/png"))
    await fetch_image(url, settings, LocalStorage(settings))
    request = next(seen for seen in image_server.seen if seen.path == "/plain.png")
    assert request.headers["host"] == f"127.0.0.1:{image_server.port}"
    assert request.headers["accept-encoding"] == "identity"
    assert request.headers["user-agent"].startswith("stillmotion/")


@pytest.mark.parametrize("status", [404, 403, 500, 204])
async def test_non_200_answers_name_the_status(
    status: int, image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add(f"/status/{status}", send_body(b"", "text/plain", status=status))
    assert await rejected(url, settings) == f"Image URL answered HTTP {status}."


async def test_unknown_path_is_a_404(image_server: ImageServer, settings: Settings) -> None:
    assert await rejected(image_server.url("/no/such/image.jpg"), settings) == (
        "Image URL answered HTTP 404."
    )


async def test_html_page_is_refused(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/page.html", send_body(HTML, "text/html; charset=utf-8"))
    assert await rejected(url, settings) == "Image URL returned an HTML page, not an image."


async def test_endless_html_page_is_refused_from_its_first_bytes(
    image_server: ImageServer, settings: Settings
) -> None:
    # 20 MB of page: had the fetcher read on, it would report the size cap instead.
    body = (HTML[:30] + b"x" * 65536 for _ in range(320))
    url = image_server.add("/endless.html", chunked(body, "text/html"))
    assert await rejected(url, settings) == "Image URL returned an HTML page, not an image."


async def test_announced_oversize_is_refused_before_reading(
    image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add(
        "/big-announced.png", send_body(PNG + bytes(MAX_IMAGE_BYTES), "image/png")
    )
    assert await rejected(url, settings) == (
        f"Image is larger than 10 MB (the server announced {len(PNG) + MAX_IMAGE_BYTES:,} bytes)."
    )


async def test_unannounced_oversize_is_refused_while_streaming(
    image_server: ImageServer, settings: Settings
) -> None:
    chunks = (PNG if i == 0 else bytes(65536) for i in range(200))  # ~13 MB, no Content-Length
    url = image_server.add("/big-chunked.png", chunked(chunks))
    assert await rejected(url, settings) == "Image is larger than 10 MB."


async def test_exactly_the_cap_is_accepted(image_server: ImageServer, settings: Settings) -> None:
    body = PNG + bytes(MAX_IMAGE_BYTES - len(PNG))
    url = image_server.add("/exactly-10mb.png", chunked(iter([body[:65536], body[65536:]])))
    assert len(await fetch_image(url, settings, LocalStorage(settings))) == MAX_IMAGE_BYTES


async def test_empty_body_is_refused(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/empty.png", send_body(b"", "image/png"))
    assert await rejected(url, settings) == "Image URL answered with an empty body."


async def test_silent_server_hits_the_read_timeout(
    image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add("/silent.png", stall(1.5, send_body(PNG, "image/png")))
    assert await rejected(url, settings) == "Image URL sent no data for 0.5 s; timed out."


async def test_trickling_server_hits_the_total_deadline(
    image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add("/trickle.png", chunked(trickle(pause=0.1, seconds=4.0)))
    quick = settings.model_copy(update={"fetch_total_timeout": 1.0})
    assert await rejected(url, quick) == "Image download did not finish within 1 s."


async def test_refused_connection(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/photo.png"
    assert await rejected(url, settings) == "Could not connect to the image URL's host."


# Redirects -----------------------------------------------------------------------------------


def redirect_chain(server: ImageServer, name: str, hops: int, final: str) -> str:
    """/name/0 -> /name/1 -> ... -> /name/{hops-1} -> final; returns the first URL."""
    for hop in range(hops):
        target = final if hop == hops - 1 else f"/{name}/{hop + 1}"
        server.add(f"/{name}/{hop}", redirect(target, status=(301, 302, 307, 308)[hop % 4]))
    return server.url(f"/{name}/0")


async def test_three_redirects_are_followed(image_server: ImageServer, settings: Settings) -> None:
    image_server.add("/chain-target.png", send_body(PNG, "image/png"))
    url = redirect_chain(image_server, "three", 3, image_server.url("/chain-target.png"))
    assert await fetch_image(url, settings, LocalStorage(settings)) == PNG


async def test_relative_redirect_is_resolved_against_the_real_url(
    image_server: ImageServer, settings: Settings
) -> None:
    image_server.add("/relative/target.png", send_body(PNG, "image/png"))
    url = image_server.add("/relative/start", redirect("target.png", status=303))
    assert await fetch_image(url, settings, LocalStorage(settings)) == PNG


async def test_a_fourth_redirect_is_refused(image_server: ImageServer, settings: Settings) -> None:
    image_server.add("/four-target.png", send_body(PNG, "image/png"))
    url = redirect_chain(image_server, "four", 4, "/four-target.png")
    assert await rejected(url, settings) == "Image URL redirected more than 3 times; refused."


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://127.0.0.2:{port}/photo.png", "loopback"),  # loopback, but not the allowed address
        ("http://10.1.2.3/photo.png", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://[::1]:{port}/photo.png", "loopback"),
        ("http://0.0.0.0:{port}/photo.png", "unspecified"),
    ],
)
async def test_redirect_to_a_refused_address(
    target: str, kind: str, image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add(f"/to-{kind}", redirect(target.format(port=image_server.port)))
    assert await rejected(url, settings) == f"Image URL redirects to a {kind} address; refused."


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/"])
async def test_redirect_to_another_scheme(
    target: str, image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add(f"/to-scheme-{target.split(':')[0]}", redirect(target))
    assert await rejected(url, settings) == (
        "Image URL redirected to a URL that is not http or https; refused."
    )


async def test_redirect_without_location(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/no-location", send_body(b"", status=302))
    assert await rejected(url, settings) == (
        "Image URL answered HTTP 302 (a redirect) without a Location."
    )


# Address rules and the allow-list ------------------------------------------------------------


async def test_loopback_is_refused_without_the_allow_list(
    image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add("/guarded.png", send_body(PNG, "image/png"))
    closed = settings.model_copy(update={"fetch_allow": []})
    assert await rejected(url, closed) == "Image URL resolves to a loopback address; refused."
    assert "/guarded.png" not in [seen.path for seen in image_server.seen]  # never connected


@pytest.mark.parametrize(
    ("allow", "host"),
    [(["127.0.0.0/8"], "127.0.0.1"), (["localhost"], "localhost"), (["LOCALHOST."], "localhost")],
)
async def test_allow_list_takes_networks_and_hostnames(
    allow: list[str], host: str, image_server: ImageServer, settings: Settings
) -> None:
    image_server.add("/allowed.png", send_body(PNG, "image/png"))
    opened = settings.model_copy(update={"fetch_allow": allow})
    assert await fetch_image(image_server.url("/allowed.png", host=host), opened, LocalStorage(opened)) == PNG


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """Names -> successive answers (the last one repeats; [] is NXDOMAIN, ["slow"] hangs for
    a second); other names resolve normally. Tests never depend on the machine's resolver."""
    answers: dict[str, list[list[str]]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, *args, **kwargs)
        queue = answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if addresses == ["slow"]:
            time.sleep(1.0)
            addresses = ["93.184.216.34"]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


async def test_connection_goes_to_the_checked_address_not_a_second_dns_answer(
    fake_dns: dict[str, list[list[str]]], image_server: ImageServer, settings: Settings
) -> None:
    # DNS rebinding: the first answer passes the check, any later one points elsewhere.
    fake_dns["images.test"] = [["127.0.0.1"], ["10.255.255.1"]]
    image_server.add("/rebind.png", send_body(PNG, "image/png"))
    url = image_server.url("/rebind.png", host="images.test")
    assert await fetch_image(url, settings, LocalStorage(settings)) == PNG
    assert fake_dns["images.test"] == [["10.255.255.1"]]  # asked exactly once
    request = next(seen for seen in image_server.seen if seen.path == "/rebind.png")
    assert request.headers["host"] == f"images.test:{image_server.port}"


async def test_next_address_is_tried_when_one_refuses_the_connection(
    fake_dns: dict[str, list[list[str]]], image_server: ImageServer, settings: Settings
) -> None:
    fake_dns["two.test"] = [["127.0.0.9", "127.0.0.1"]]  # nothing listens on 127.0.0.9
    image_server.add("/two.png", send_body(PNG, "image/png"))
    loopback = settings.model_copy(update={"fetch_allow": ["127.0.0.0/8"]})
    assert await fetch_image(image_server.url("/two.png", host="two.test"), loopback, LocalStorage(loopback)) == PNG


async def test_a_name_with_any_private_answer_is_refused(
    fake_dns: dict[str, list[list[str]]], settings: Settings
) -> None:
    fake_dns["mixed.test"] = [["93.184.216.34", "192.168.0.7"]]
    assert await rejected("http://mixed.test/photo.png", settings) == (
        "Image URL resolves to a private address; refused."
    )


@pytest.fixture
def trusted_ca(tls_authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test CA in the bundle the fetcher trusts (SSL_CERT_FILE, as an operator would)."""
    bundle = tmp_path / "ca.pem"
    tls_authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


async def test_https_verifies_the_certificate_against_the_name_while_pinned(
    trusted_ca: None,
    fake_dns: dict[str, list[list[str]]],
    tls_image_server: ImageServer,
    settings: Settings,
) -> None:
    fake_dns["images.test"] = [["127.0.0.1"]]
    tls_image_server.add("/secure.png", send_body(PNG, "image/png"))
    # Connected to 127.0.0.1, yet the server name sent and checked is images.test.
    assert (
        await fetch_image(tls_image_server.url("/secure.png", host="images.test"), settings, LocalStorage(settings)) == PNG
    )
    # The certificate does not name 127.0.0.1: verification must fail, not be skipped.
    assert await rejected(tls_image_server.url("/secure.png"), settings) == (
        "Image URL's TLS certificate could not be verified; refused."
    )


# Create-time precheck ------------------------------------------------------------------------


async def precheck_rejected(url: str, settings: Settings) -> str:
    with pytest.raises(ImageRejected) as caught:
        await precheck_image_url(url, settings, LocalStorage(settings))
    return caught.value.message


async def test_precheck_does_not_download(image_server: ImageServer, settings: Settings) -> None:
    image_server.add("/precheck.png", send_body(PNG, "image/png"))
    await precheck_image_url(image_server.url("/precheck.png"), settings, LocalStorage(settings))
    assert "/precheck.png" not in [seen.path for seen in image_server.seen]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ftp://example.com/a.png",
            "image_url must be an http or https URL (or a data:image/ URL).",
        ),
        ("file:///etc/passwd", "image_url must be an http or https URL (or a data:image/ URL)."),
        ("photo.png", "image_url must be an http or https URL (or a data:image/ URL)."),
        ("http:///photo.png", "image_url has no host."),
        ("http://exa mple.com/a.png", "image_url is not a valid URL."),
        ("http://[::1/a.png", "image_url is not a valid URL."),
        ("http://example.com:99999/a.png", "image_url has a port outside 1..65535."),
        ("http://example.com:0/a.png", "image_url has a port outside 1..65535."),
        ("http://example.com:65536/a.png", "image_url has a port outside 1..65535."),
        ("http://example.com/" + "a" * 2048, "image_url is longer than 2,048 characters."),
        ("http://10.0.0.1/a.png", "Image URL resolves to a private address; refused."),
        ("http://[::ffff:127.0.0.2]/a.png", "Image URL resolves to a loopback address; refused."),
        ("http://224.0.0.1/a.png", "Image URL resolves to a multicast address; refused."),
        (
            "http://2130706434/a.png",
            "Image URL resolves to a loopback address; refused.",
        ),  # 127.0.0.2
        ("http://0x7f.0.0.2/a.png", "Image URL resolves to a loopback address; refused."),
        ("http://[fe80::1%25eth0]/a.png", "image_url is not a valid URL."),
        ("http://240.0.0.1/a.png", "Image URL resolves to a reserved address; refused."),
        ("http://100.64.0.1/a.png", "Image URL resolves to a non-public address; refused."),
    ],
)
async def test_precheck_refusals(url: str, message: str, settings: Settings) -> None:
    assert await precheck_rejected(url, settings) == message


async def test_https_url_on_a_plain_http_server(
    image_server: ImageServer, settings: Settings
) -> None:
    image_server.add("/plain-only.png", send_body(PNG, "image/png"))
    url = image_server.url("/plain-only.png").replace("http://", "https://")
    assert await rejected(url, settings) == "TLS handshake with the image URL's host failed."


async def test_unknown_host(fake_dns: dict[str, list[list[str]]], settings: Settings) -> None:
    fake_dns["nothing.invalid"] = [[]]
    message = "Image URL host nothing.invalid could not be resolved."
    assert await precheck_rejected("http://nothing.invalid/a.png", settings) == message
    assert await rejected("http://nothing.invalid/a.png", settings) == message


async def test_slow_resolver(fake_dns: dict[str, list[list[str]]], settings: Settings) -> None:
    fake_dns["slow.test"] = [["slow"]]
    quick = settings.model_copy(update={"fetch_connect_timeout": 0.2})
    assert await precheck_rejected("http://slow.test/a.png", quick) == (
        "Image URL host slow.test could not be resolved within 0.2 s."
    )
    # The download resolves under the same deadline, not only under the whole download's.
    assert await rejected("http://slow.test/a.png", quick) == (
        "Image URL host slow.test could not be resolved within 0.2 s."
    )


async def test_redirect_to_an_unparseable_url(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/to-bad-port", redirect("http://images.test:xx/photo.png"))
    assert await rejected(url, settings) == "Image URL redirected to a URL that is not valid."


def _cut_short(handler: BaseHTTPRequestHandler) -> None:
    """Announce 5000 bytes, send 2000, hang up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(PNG[:2000])
    handler.close_connection = True


async def test_connection_closed_mid_body(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/cut-short.png", _cut_short)
    assert await rejected(url, settings) == (
        "Image URL closed the connection before the whole image arrived."
    )


def _false_gzip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Encoding", "gzip")  # although we asked for identity
    handler.send_header("Content-Length", str(len(PNG)))
    handler.end_headers()
    handler.wfile.write(PNG)


async def test_body_in_a_broken_transfer_encoding(image_server: ImageServer, settings: Settings) -> None:
    url = image_server.add("/false-gzip.png", _false_gzip)
    assert await rejected(url, settings) == "Image URL sent a body that could not be decoded."


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ConnectTimeout("t"), "Image URL did not accept a connection within 2 s."),
        (httpx.ReadTimeout("t"), "Image URL sent no data for 0.5 s; timed out."),
        (httpx.WriteTimeout("t"), "Image URL timed out."),
        (httpx.PoolTimeout("t"), "Image URL timed out."),
        (httpx.ConnectError("c"), "Could not connect to the image URL's host."),
        (httpx.DecodingError("d"), "Image URL sent a body that could not be decoded."),
        (httpx.RemoteProtocolError("r"), "Image URL closed the connection before the whole image arrived."),
        (httpx.ReadError("r"), "Image URL closed the connection before the whole image arrived."),
        (httpx.LocalProtocolError("l"), "Image could not be downloaded from image_url."),
        (httpx.WriteError("w"), "Image could not be downloaded from image_url."),
    ],
)
def test_every_transport_failure_has_its_sentence(
    error: httpx.HTTPError, message: str, settings: Settings
) -> None:
    # The failures a loopback server cannot provoke on demand (a full send buffer, an exhausted
    # pool, a request httpx itself refuses to write) are mapped here, exception by exception.
    assert _transport_message(error, settings) == message


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://images.test:99999/a.png", "Image URL redirected to a URL that has a port outside 1..65535."),
        ("http://images.test/" + "a" * 2048, "Image URL redirected to a URL that is longer than 2,048 characters."),
    ],
)
async def test_redirect_targets_are_checked_like_image_url(
    location: str, message: str, image_server: ImageServer, settings: Settings
) -> None:
    url = image_server.add(f"/to-{len(location)}", redirect(location))
    assert await rejected(url, settings) == message


async def test_precheck_boundaries(image_server: ImageServer, settings: Settings) -> None:
    # Exactly 2,048 characters, and the ports 1 and 65535, are allowed (nothing is connected to).
    base = image_server.url("/")
    await precheck_image_url(base + "a" * (2048 - len(base)), settings, LocalStorage(settings))
    for port in (1, 65535):
        await precheck_image_url(f"http://127.0.0.1:{port}/a.png", settings, LocalStorage(settings))


async def test_announced_size_of_exactly_the_cap_is_read(
    image_server: ImageServer, settings: Settings
) -> None:
    body = PNG + bytes(MAX_IMAGE_BYTES - len(PNG))
    url = image_server.add("/announced-10mb.png", send_body(body, "image/png"))
    assert len(await fetch_image(url, settings, LocalStorage(settings))) == MAX_IMAGE_BYTES


async def test_a_host_that_never_accepts_hits_the_connect_timeout(settings: Settings) -> None:
    # A listening socket whose accept queue is full: Linux drops further SYNs, so connect()
    # hangs as it does towards a firewalled host, until the connect timeout (not the deadline).
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.1)
            quick = settings.model_copy(update={"fetch_connect_timeout": 0.3})
            assert await rejected(f"http://127.0.0.1:{port}/a.png", quick) == (
                "Image URL did not accept a connection within 0.3 s."
            )
        finally:
            for filler in fillers:
                filler.close()

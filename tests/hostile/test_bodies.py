"""Bodies that cannot be parsed, or are too large however they are sent: each one answers its
documented status and code in the envelope, never 500 or a bare 400."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.hostile.envelope import assert_answer
from tests.support.images import landscape
from tests.support.keyed_server import KeyedServer
from tests.support.tasks import TASKS

UPLOADS = "/api/vdr/uploads"
JSON = {"Content-Type": "application/json"}
LIMIT = 16 * 1024 * 1024  # STILLMOTION_MAX_BODY_BYTES's default

_VALID = b'{"model_name": "bach-1.0-preview", "image_url": "http://images.invalid/a.jpg", "resolution": "720p", "duration": 1}'
UNPARSABLE_JSON = [
    pytest.param(b'{"model_name": ', "json object", id="truncated"),
    pytest.param(b'{"prompt": "caf\xe9"}', "utf-8", id="latin1-byte"),
    pytest.param(b'{"prompt": "\xc0\xaf"}', "utf-8", id="overlong-utf8-slash"),
    pytest.param(b'{"prompt": "\xe0\x80\xaf"}', "utf-8", id="overlong-utf8-3byte"),
    pytest.param(b'{"prompt": "\xf4\x90\x80\x80"}', "utf-8", id="beyond-u10ffff"),
    pytest.param(b'{"prompt": "\xed\xa0\x80"}', "cannot be stored", id="utf8-encoded-surrogate"),
    pytest.param(b"[" * 200_000 + b"]" * 200_000, "json object", id="nested-200k-deep"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "json object", id="nested-objects"),
    pytest.param(b"[]", "json object", id="array"),
    pytest.param(b"null", "json object", id="null"),
    pytest.param(b'"text"', "json object", id="string"),
    pytest.param(b"\xef\xbb\xbf{}", "model_name", id="bom-then-empty-object"),
    pytest.param(_VALID[:-1] + b', "duration": NaN}', "duration", id="nan"),
    pytest.param(_VALID[:-1] + b', "cfg_scale": Infinity}', "cfg_scale", id="infinity"),
    pytest.param(_VALID[:-1] + b', "seed": 1e400}', "seed", id="float-overflow"),
    pytest.param(_VALID[:-1] + b', "seed": ' + b"9" * 5000 + b"}", "json object", id="5000-digit-integer"),
]


@pytest.mark.parametrize(("body", "contains"), UNPARSABLE_JSON)
def test_unparsable_json_is_a_1000(alice: httpx.Client, body: bytes, contains: str) -> None:
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, contains)


def test_unparsable_json_is_a_1000_before_authentication(anonymous: httpx.Client) -> None:
    assert_answer(anonymous.post(TASKS, content=b'{"prompt": "\xff"}', headers=JSON), 400, 1000, "utf-8")


def _chunks(total: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b" " * part


@pytest.mark.parametrize("path", [TASKS, UPLOADS])
def test_chunked_body_over_the_limit_is_413(alice: httpx.Client, path: str) -> None:
    """No Content-Length: the limit is counted while the body arrives."""
    response = alice.post(path, content=_chunks(LIMIT + 1024 * 1024), headers=JSON)
    assert_answer(response, 413, 1003)


def test_chunked_multipart_over_the_limit_is_413(alice: httpx.Client) -> None:
    boundary = b"xyz"
    head = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n"

    def body() -> Iterator[bytes]:
        yield head
        yield from _chunks(LIMIT + 1024 * 1024)

    response = alice.post(
        UPLOADS, content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"}
    )
    assert_answer(response, 413, 1003)


def test_announced_body_over_the_limit_is_413(alice: httpx.Client) -> None:
    assert_answer(alice.post(TASKS, content=b" " * (LIMIT + 1), headers=JSON), 413, 1003)


MALFORMED_MULTIPART = [
    pytest.param({"Content-Type": "multipart/form-data"}, b"--x\r\n\r\n--x--\r\n", "boundary", id="missing-boundary"),
    pytest.param(
        {"Content-Type": "multipart/form-data; boundary=x"},
        b"".join(b'--x\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(1001)) + b"--x--\r\n",
        "too many fields",
        id="too-many-fields",
    ),
    pytest.param(
        {"Content-Type": "multipart/form-data; boundary=x"},
        b"".join(
            b'--x\r\nContent-Disposition: form-data; name="f%d"; filename="a"\r\n\r\nv\r\n' % i for i in range(1001)
        ) + b"--x--\r\n",
        "too many files",
        id="too-many-files",
    ),
    pytest.param(
        {"Content-Type": "multipart/form-data; boundary=x"},
        b'--x\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + b"v" * (1024 * 1024 + 1) + b"\r\n--x--\r\n",
        "part exceeded",
        id="field-over-1mb",
    ),
    pytest.param({"Content-Type": "multipart/form-data; boundary=x"}, b"garbage", "invalid multipart", id="no-parts"),
]


@pytest.mark.parametrize(("headers", "body", "contains"), MALFORMED_MULTIPART)
def test_malformed_multipart_is_a_1000(alice: httpx.Client, headers: dict[str, str], body: bytes, contains: str) -> None:
    assert_answer(alice.post(UPLOADS, content=body, headers=headers), 400, 1000, contains)


WRONG_UPLOADS = [
    pytest.param({"files": {"image": ("a.jpg", b"x", "image/jpeg")}}, id="wrong-field-name"),
    pytest.param({"data": {"file": "not a file"}}, id="field-not-a-file"),
    pytest.param({"json": {"file": "x"}}, id="json-body"),
    pytest.param({}, id="no-body"),
]


@pytest.mark.parametrize("kwargs", WRONG_UPLOADS)
def test_upload_without_the_file_field_names_it(alice: httpx.Client, kwargs: dict[str, object]) -> None:
    assert_answer(alice.post(UPLOADS, **kwargs), 400, 1000, "multipart/form-data field named file")  # type: ignore[arg-type]


def _mpo() -> bytes:
    """A multi-picture JPEG (a phone's MPO: the main picture plus a second one), as Pillow writes it."""
    frames = [Image.fromarray(landscape(640, 400, seed)) for seed in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="MPO", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_multi_picture_jpeg_upload_is_stored_as_jpeg(alice: httpx.Client, server: KeyedServer) -> None:
    data = _mpo()
    with Image.open(io.BytesIO(data)) as probe:
        assert probe.format == "MPO" and getattr(probe, "n_frames", 1) == 2  # the case, not a plain JPEG
    response = alice.post(UPLOADS, files={"file": ("phone.jpg", data, "image/jpeg")})
    assert response.status_code == 200, response.text
    url = response.json()["data"]["image_url"]
    assert url.endswith(".jpg")
    served = httpx.get(url, timeout=10)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == data

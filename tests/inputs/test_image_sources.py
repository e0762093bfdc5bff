"""The two sources that are not an HTTP download: data URLs and our own uploads."""

from __future__ import annotations

import base64

import pytest

from stillmotion.config import Settings
from stillmotion.errors import ImageRejected
from stillmotion.inputs import (
    MAX_IMAGE_BYTES,
    fetch_image,
    load_image,
    precheck_image_url,
    upload_key,
    upload_url,
)
from stillmotion.storage.local import LocalStorage
from tests.inputs.sample_images import encode, gradient

PNG = encode(gradient(320, 300), "PNG")


def data_url(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode()


async def fetch_rejected(url: str, settings: Settings) -> str:
    with pytest.raises(ImageRejected) as caught:
        await fetch_image(url, settings, LocalStorage(settings))
    return caught.value.message


async def precheck_rejected(url: str, settings: Settings) -> str:
    with pytest.raises(ImageRejected) as caught:
        await precheck_image_url(url, settings, LocalStorage(settings))
    return caught.value.message


# Data URLs -----------------------------------------------------------------------------------


async def test_data_url_gives_its_bytes(settings: Settings) -> None:
    url = data_url(PNG)
    await precheck_image_url(url, settings, LocalStorage(settings))
    assert await fetch_image(url, settings, LocalStorage(settings)) == PNG
    assert (await load_image(url, settings, LocalStorage(settings))).shape == (300, 320, 3)


@pytest.mark.parametrize(
    "spelling",
    [
        "DATA:image/png;BASE64,{b64}",  # scheme and encoding names are case-insensitive
        "data:image/png;name=photo.png;base64,{b64}",  # parameters before base64
        "data:image/jpeg;base64,{b64}",  # a wrong subtype: the bytes decide the format
        "data:image/png;base64,{wrapped}",  # line-wrapped payload
        "data:image/png;base64,{escaped}",  # percent-escaped payload
    ],
)
async def test_data_url_spellings(spelling: str, settings: Settings) -> None:
    b64 = base64.b64encode(PNG).decode()
    wrapped = "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    escaped = b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    url = spelling.format(b64=b64, wrapped=wrapped, escaped=escaped)
    assert await fetch_image(url, settings, LocalStorage(settings)) == PNG


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "data:text/html;base64,PGh0bWw+",
            "image_url data URL must carry an image (data:image/...;base64,...).",
        ),
        (
            "data:image/png,rawbytes",
            "image_url data URL must be base64-encoded (data:image/...;base64,...).",
        ),
        (
            "data:image/png;base64",
            "image_url is a malformed data URL; expected data:image/...;base64,...",
        ),
        ("data:image/png;base64,", "image_url data URL is empty."),
        ("data:image/png;base64,iVBOR$$$", "image_url data URL is not valid base64."),
        ("data:image/png;base64,iVBORw0", "image_url data URL is not valid base64."),
        # Data after the padding: a lenient decoder would join both halves into "\x89PNG".
        ("data:image/png;base64,iVBORw==iVBORw==", "image_url data URL is not valid base64."),
        (
            "data:image/png;base64,iVBOR\u00e9",
            "image_url data URL contains characters that are not base64.",
        ),
    ],
)
async def test_bad_data_urls(url: str, message: str, settings: Settings) -> None:
    assert await fetch_rejected(url, settings) == message
    assert await precheck_rejected(url, settings) == message


async def test_data_url_over_the_cap_is_refused_before_decoding(settings: Settings) -> None:
    url = "data:image/png;base64," + "A" * (MAX_IMAGE_BYTES // 3 * 4 + 8)
    assert await fetch_rejected(url, settings) == "Image is larger than 10 MB."


async def test_data_url_at_the_cap_decodes(settings: Settings) -> None:
    body = PNG + bytes(MAX_IMAGE_BYTES - len(PNG))
    assert len(await fetch_image(data_url(body), settings, LocalStorage(settings))) == MAX_IMAGE_BYTES


async def test_precheck_decodes_a_data_url_in_full(settings: Settings) -> None:
    small = data_url(encode(gradient(200, 150), "PNG"))
    assert (
        await precheck_rejected(small, settings)
        == "Image is 200x150 pixels; the minimum is 300x300."
    )
    svg = data_url(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")
    assert (await precheck_rejected(svg, settings)).startswith(
        "Image is an SVG image, not a supported"
    )
    jpeg = encode(gradient(400, 400), "JPEG")
    truncated = data_url(jpeg[: len(jpeg) // 2])
    assert "truncated or corrupt" in await precheck_rejected(truncated, settings)


# Uploads -------------------------------------------------------------------------------------


@pytest.fixture
def stored_upload(settings: Settings) -> str:
    LocalStorage(settings)
    (settings.data_dir / "uploads" / "3f2a_photo-1.png").write_bytes(PNG)
    return upload_url("3f2a_photo-1.png", settings)


async def test_upload_url_is_read_from_storage_not_fetched(
    stored_upload: str, settings: Settings
) -> None:
    # public_url names a host that does not resolve: only a local read can succeed.
    assert stored_upload == "http://stillmotion.test:8000/files/uploads/3f2a_photo-1.png"
    await precheck_image_url(stored_upload, settings, LocalStorage(settings))
    assert await fetch_image(stored_upload, settings, LocalStorage(settings)) == PNG


async def test_missing_upload(settings: Settings) -> None:
    url = upload_url("gone.png", settings)
    message = "image_url names an upload that does not exist."
    assert await precheck_rejected(url, settings) == message
    assert await fetch_rejected(url, settings) == message


@pytest.mark.parametrize(
    "name",
    [
        "../secret.png",
        "..%2Fsecret.png",
        "%2e%2e/secret.png",
        "sub/photo.png",
        "photo.png?x=1",
        "photo.png#x",
        "photo",
        ".png",
        "a.b.png",
        "photo.png/",
        "ph oto.png",
        "\u00e9t\u00e9.png",
    ],
)
async def test_upload_names_cannot_leave_the_directory(name: str, settings: Settings) -> None:
    (settings.data_dir / "secret.png").write_bytes(PNG)  # what a traversal would reach
    LocalStorage(settings)
    (settings.data_dir / "uploads" / "photo.png").write_bytes(PNG)
    url = settings.resolved_public_url + "/files/uploads/" + name
    assert await fetch_rejected(url, settings) == "image_url names an upload that does not exist."
    with pytest.raises(ValueError):
        upload_url(name, settings)


async def test_oversized_upload_is_refused(settings: Settings) -> None:
    LocalStorage(settings)
    (settings.data_dir / "uploads" / "huge.png").write_bytes(bytes(MAX_IMAGE_BYTES + 1))
    url = upload_url("huge.png", settings)
    assert await precheck_rejected(url, settings) == "Image is larger than 10 MB."
    assert await fetch_rejected(url, settings) == "Image is larger than 10 MB."


def test_upload_key_only_claims_our_prefix(settings: Settings) -> None:
    assert upload_key("https://example.com/files/uploads/a.png", settings) is None
    assert upload_key(upload_url("a.png", settings), settings) == "a.png"


async def test_saved_upload_reads_back_through_its_url(settings: Settings) -> None:
    storage = LocalStorage(settings)
    url = storage.save_upload(PNG, "png")
    assert await fetch_image(url, settings, storage) == PNG
    assert list((settings.data_dir / "uploads").iterdir()) == [settings.data_dir / "uploads" / url.rsplit("/", 1)[1]]


async def test_data_url_one_byte_over_the_cap_is_refused_after_decoding(settings: Settings) -> None:
    # Its base64 is within the length allowed before decoding (a multiple of 4 characters can
    # carry up to 2 bytes more than the cap), so the decoded size decides.
    body = PNG + bytes(MAX_IMAGE_BYTES + 1 - len(PNG))
    assert await fetch_rejected(data_url(body), settings) == "Image is larger than 10 MB."


async def test_upload_of_exactly_the_cap_is_read(settings: Settings) -> None:
    LocalStorage(settings)
    body = PNG + bytes(MAX_IMAGE_BYTES - len(PNG))
    (settings.data_dir / "uploads" / "full.png").write_bytes(body)
    assert await fetch_image(upload_url("full.png", settings), settings, LocalStorage(settings)) == body


def test_upload_url_refuses_a_bad_key_by_name(settings: Settings) -> None:
    with pytest.raises(ValueError, match=r"^not a valid upload key: '\.\./x\.png'$"):
        upload_url("../x.png", settings)


async def test_load_image_reads_uploads_and_reduces_jpegs(
    stored_upload: str, settings: Settings
) -> None:
    image = await load_image(stored_upload, settings, LocalStorage(settings))
    assert image.shape == (300, 320, 3)
    jpeg = data_url(encode(gradient(1200, 1200), "JPEG"), "image/jpeg")
    assert (await load_image(jpeg, settings, LocalStorage(settings), reduce_to=500)).shape == (600, 600, 3)
    assert (await load_image(jpeg, settings, LocalStorage(settings))).shape == (1200, 1200, 3)

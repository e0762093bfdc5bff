"""decode_image: every accepted format and colour mode to RGB, and every refusal named."""

from __future__ import annotations

import io
import struct
import time

import numpy as np
import pytest
from PIL import Image, ImageCms

from stillmotion.errors import ImageRejected
from stillmotion.inputs import MAX_IMAGE_PIXELS, check_image_header, decode_image
from stillmotion.inputs.colour import to_srgb
from tests.inputs.sample_images import (
    P3_PRIMARIES_D50,
    encode,
    gradient,
    icc_cmyk_profile,
    icc_rgb_profile,
    png_bomb,
    png_rgb16,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)


def rejected(data: bytes) -> str:
    with pytest.raises(ImageRejected) as caught:
        decode_image(data)
    assert caught.value.code == 1001
    return caught.value.message


@pytest.mark.parametrize(
    ("fmt", "params", "tolerance"),
    [
        ("JPEG", {"quality": 95}, 12),
        ("PNG", {}, 0),
        ("WEBP", {"lossless": True}, 0),
        ("BMP", {}, 0),
        ("TIFF", {}, 0),
        ("TIFF", {"compression": "tiff_lzw"}, 0),
    ],
)
def test_each_accepted_format_decodes_to_the_same_rgb(
    fmt: str, params: dict[str, object], tolerance: int
) -> None:
    source = gradient(320, 300)
    decoded = decode_image(encode(source, fmt, **params))
    assert decoded.shape == (300, 320, 3)
    assert decoded.dtype == np.uint8
    error = np.abs(decoded.astype(int) - np.asarray(source, dtype=int))
    assert error.mean() <= tolerance / 4 and error.max() <= tolerance * 4


def test_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (300, 300), colour) for colour in (RED, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    decoded = decode_image(data)
    assert tuple(decoded[150, 150]) == RED


def test_exif_orientation_is_applied() -> None:
    # Stored 400 wide x 300 high with a red top-left corner; Orientation 6 means "rotate 90
    # degrees clockwise to display", so it shows 300 wide x 400 high, red corner top-right.
    stored = Image.new("RGB", (400, 300), BLUE)
    stored.paste(RED, (0, 0, 60, 60))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    decoded = decode_image(encode(stored, "JPEG", quality=95, exif=exif))
    assert decoded.shape == (400, 300, 3)
    top_right, top_left = decoded[20, 280].astype(int), decoded[20, 20].astype(int)
    assert top_right[0] > 200 and top_right[2] < 60
    assert top_left[2] > 200 and top_left[0] < 60


def test_alpha_is_composited_over_white() -> None:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))  # fully transparent black
    image.paste((255, 0, 0, 128), (0, 0, 150, 300))  # half-transparent red on the left
    decoded = decode_image(encode(image, "PNG"))
    assert tuple(decoded[150, 250]) == (255, 255, 255)
    assert tuple(decoded[150, 50]) == (255, 127, 127) or tuple(decoded[150, 50]) == (255, 128, 128)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "LA"), ("WEBP", "RGBA"), ("TIFF", "RGBA")])
def test_alpha_over_white_in_other_modes_and_formats(fmt: str, mode: str) -> None:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0)).convert(mode)
    params = {"lossless": True} if fmt == "WEBP" else {}
    assert (decode_image(encode(image, fmt, **params)) == 255).all()


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_transparency_becomes_white(fmt: str) -> None:
    palette = Image.new("P", (300, 300), 0)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 * 3 - 6))
    palette.paste(1, (0, 0, 100, 300))
    decoded = decode_image(encode(palette, fmt, transparency=0))
    assert tuple(decoded[150, 50]) == RED
    assert tuple(decoded[150, 250]) == (255, 255, 255)


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_becomes_rgb(fmt: str) -> None:
    cyan = Image.new("CMYK", (300, 300), (255, 0, 0, 0))
    pixel = decode_image(encode(cyan, fmt)).astype(int)[150, 150]
    assert pixel[0] < 20 and pixel[1] > 235 and pixel[2] > 235


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_with_a_press_profile_is_converted_by_that_profile(fmt: str) -> None:
    """A print file's black is the press's (here a fifth of the light is left), not the screen's
    0: the plain formula would make it black."""
    icc = icc_cmyk_profile("Test press", black_floor=0.2)
    image = Image.new("CMYK", (300, 300), (0, 0, 0, 255))
    image.paste((255, 0, 0, 0), (0, 0, 150, 300))  # cyan ink alone
    decoded = decode_image(encode(image, fmt, icc_profile=icc)).astype(int)
    assert np.abs(decoded[150, 225] - 51).max() <= 2
    assert np.abs(decoded[150, 75] - (0, 255, 255)).max() <= 2


def test_a_colour_mode_pillow_cannot_convert_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """No file of the six formats was found that Pillow opens and cannot convert to RGB (every mode
    it writes in them converts), so the conversion is made to fail here: the refusal names the
    mode, it is not a 500."""
    from stillmotion.inputs import decode as decode_module

    def unconvertible(image: Image.Image) -> Image.Image:
        raise ValueError("conversion not supported")

    monkeypatch.setattr(decode_module, "_to_rgb", unconvertible)
    with pytest.raises(ImageRejected) as refused:
        decode_image(encode(Image.new("CMYK", (300, 300)), "TIFF"))
    assert refused.value.message == "Image colour mode CMYK is not supported."


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey_is_scaled_not_clipped(fmt: str) -> None:
    ramp = np.tile(np.linspace(0, 65535, 320).astype(np.uint16), (300, 1))
    decoded = decode_image(encode(Image.fromarray(ramp), fmt))
    assert decoded[0, 0].tolist() == [0, 0, 0]
    assert decoded[0, -1].tolist() == [255, 255, 255]
    assert abs(int(decoded[0, 160, 0]) - 128) <= 1  # Pillow's own convert() would give 255


def test_16_bit_rgb_png() -> None:
    values = np.zeros((300, 300, 3), dtype=np.uint16)
    values[..., 0], values[..., 2] = 65535, 32896  # 32896 = 128 * 257
    pixel = decode_image(png_rgb16(values))[10, 10]
    assert pixel.tolist() == [255, 0, 128]


def test_lab_tiff() -> None:
    lab = Image.new("LAB", (300, 300), (255, 128, 128))  # L* = 100, a* = b* = 0: white
    assert (decode_image(encode(lab, "TIFF")).astype(int) >= 250).all()


def test_float_grey_with_nan_and_infinity() -> None:
    values = np.full((300, 300), 0.5, dtype=np.float32)
    values[0, :3] = [np.nan, np.inf, -np.inf]
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert decoded[0, :3, 0].tolist() == [0, 0, 0] and abs(int(decoded[1, 1, 0]) - 128) <= 1


def test_32_bit_integer_and_float_grey() -> None:
    ints = Image.fromarray(np.full((300, 300), 65535, dtype=np.int32))
    assert (decode_image(encode(ints, "TIFF")) == 255).all()
    floats = Image.fromarray(np.full((300, 300), 0.5, dtype=np.float32))
    assert abs(int(decode_image(encode(floats, "TIFF"))[0, 0, 0]) - 128) <= 1


@pytest.mark.parametrize(
    ("mode", "fmt"), [("1", "BMP"), ("L", "JPEG"), ("P", "BMP"), ("YCbCr", "JPEG")]
)
def test_other_modes_become_rgb(mode: str, fmt: str) -> None:
    decoded = decode_image(encode(gradient(300, 300, mode), fmt))
    assert decoded.shape == (300, 300, 3) and decoded.dtype == np.uint8
    assert decoded.std() > 10  # still a picture, not a flat fill


def test_too_small_states_the_size() -> None:
    assert rejected(encode(gradient(299, 400), "PNG")) == (
        "Image is 299x400 pixels; the minimum is 300x300."
    )
    decode_image(encode(gradient(300, 300), "PNG"))  # the boundary itself is accepted


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8193, 8193),  # just over our limit, under Pillow's own: our check decides
        (10_000, 9_000),  # over Pillow's warning threshold
        (100_000, 100_000),  # over Pillow's hard error threshold
    ],
)
def test_decompression_bombs_are_refused_from_the_header(width: int, height: int) -> None:
    assert width * height > MAX_IMAGE_PIXELS
    bomb = png_bomb(width, height)
    assert len(bomb) < 10_000  # tiny file, huge declared size
    started = time.perf_counter()
    message = rejected(bomb)
    assert "decompression bomb" in message
    # Refused from the header alone: decoding even the declared first rows would take longer.
    print(f"bomb {width}x{height} refused in {1000 * (time.perf_counter() - started):.1f} ms")


def test_bomb_message_names_the_declared_size() -> None:
    assert rejected(png_bomb(8193, 8193)) == (
        "Image declares 8193x8193 = 67,125,249 pixels, more than 67,108,864 "
        "(decompression bomb); refused."
    )


def test_gif_bomb_is_refused_from_its_screen_descriptor() -> None:
    gif = bytearray(encode(gradient(300, 300), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen width, height
    assert "decompression bomb" in rejected(bytes(gif))


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"<!DOCTYPE html><html><body>hello</body></html>", "an HTML page"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "a HEIC image"),
    ],
)
def test_well_known_non_images_are_named(data: bytes, named: str) -> None:
    assert rejected(data) == (
        f"Image is {named}, not a supported image format (use JPEG, PNG, WebP, GIF, BMP or TIFF)."
    )


def test_formats_outside_the_list_are_refused_even_if_pillow_reads_them() -> None:
    ico = encode(gradient(256, 256), "ICO")
    assert Image.open(io.BytesIO(ico)).format == "ICO"  # Pillow could decode it
    assert rejected(ico) == (
        "Image is an ICO icon, not a supported image format "
        "(use JPEG, PNG, WebP, GIF, BMP or TIFF)."
    )
    assert "not a supported image format" in rejected(encode(gradient(300, 300), "PPM"))


@pytest.mark.parametrize("data", [b"", b"hello world", bytes(range(256)) * 4])
def test_garbage_is_not_an_image(data: bytes) -> None:
    assert rejected(data).startswith("Image is not a supported image format")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file_is_reported(fmt: str) -> None:
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 300, 3), np.uint8))
    data = encode(noisy, fmt)
    assert rejected(data[: len(data) // 2]) == (
        "Image file is truncated or corrupt; it could not be decoded."
    )


# LittleCMS's built-in sRGB primaries, adapted to D50 (the ICC connection space's white).
SRGB_PRIMARIES_D50 = ((0.4360747, 0.2225045, 0.0139322), (0.3850649, 0.7168786, 0.0971045),
                      (0.1430804, 0.0606169, 0.7141733))  # fmt: skip
P3_SAMPLES = [(200, 60, 40), (60, 160, 90), (30, 60, 200), (128, 128, 128)]


def p3_to_srgb_reference(rgb: tuple[int, int, int], gamma: float) -> np.ndarray:
    """The colorimetric conversion done by hand: decode, P3 -> XYZ (D50) -> sRGB, encode."""
    linear = (np.array(rgb) / 255.0) ** gamma
    xyz = np.array(P3_PRIMARIES_D50).T @ linear
    srgb_linear = np.clip(np.linalg.solve(np.array(SRGB_PRIMARIES_D50).T, xyz), 0.0, 1.0)
    encoded = np.where(
        srgb_linear <= 0.0031308, 12.92 * srgb_linear, 1.055 * srgb_linear ** (1 / 2.4) - 0.055
    )
    return np.rint(encoded * 255.0)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_embedded_colour_profile_is_converted_to_srgb(fmt: str) -> None:
    icc = icc_rgb_profile("Test Display P3", P3_PRIMARIES_D50, gamma=2.2)
    image = Image.new("RGB", (300 * len(P3_SAMPLES), 300))
    for index, colour in enumerate(P3_SAMPLES):
        image.paste(colour, (300 * index, 0, 300 * (index + 1), 300))
    lossless: dict[str, dict[str, object]] = {
        "JPEG": {"quality": 100, "subsampling": 0},
        "WEBP": {"lossless": True},
    }
    decoded = decode_image(encode(image, fmt, icc_profile=icc, **lossless.get(fmt, {})))
    # The curve is stored as 8.8 fixed point: 2.2 becomes 563/256.
    for index, colour in enumerate(P3_SAMPLES):
        expected = p3_to_srgb_reference(colour, gamma=563 / 256)
        got = decoded[150, 300 * index + 150].astype(float)
        assert np.abs(got - expected).max() <= 3, (colour, got, expected)
    assert np.abs(decoded[150, 150].astype(int) - [200, 60, 40]).max() > 10  # not left as-is


def test_colour_profile_and_exif_orientation_together() -> None:
    icc = icc_rgb_profile("Test Display P3", P3_PRIMARIES_D50, gamma=2.2)
    stored = Image.new("RGB", (400, 300), (200, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = 8  # Orientation: rotate 90 degrees counter-clockwise to display
    decoded = decode_image(encode(stored, "JPEG", quality=100, icc_profile=icc, exif=exif))
    assert decoded.shape == (400, 300, 3)
    expected = p3_to_srgb_reference((200, 60, 40), gamma=563 / 256)
    assert np.abs(decoded[200, 150].astype(float) - expected).max() <= 3


def test_unreadable_colour_profile_is_ignored() -> None:
    image = Image.new("RGB", (300, 300), (200, 60, 40))
    decoded = decode_image(encode(image, "PNG", icc_profile=b"not an icc profile at all"))
    assert decoded[0, 0].tolist() == [200, 60, 40]


@pytest.mark.parametrize(("reduce_to", "side"), [(None, 1200), (700, 1200), (500, 600), (300, 300)])
def test_jpeg_is_decoded_no_larger_than_needed(reduce_to: int | None, side: int) -> None:
    data = encode(gradient(1200, 1200), "JPEG", quality=95)
    decoded = decode_image(data, reduce_to=reduce_to)
    assert decoded.shape == (side, side, 3)
    full = np.asarray(Image.open(io.BytesIO(data)).convert("RGB").resize((side, side)), dtype=int)
    assert np.abs(decoded.astype(int) - full).mean() < 3  # the same picture, only smaller


def test_reduce_to_leaves_other_formats_and_the_size_rules_alone() -> None:
    assert decode_image(encode(gradient(800, 800), "PNG"), reduce_to=300).shape == (800, 800, 3)
    # 700 px declared: accepted, although 1/2 scale decoding gives 350 px.
    assert decode_image(encode(gradient(700, 700), "JPEG"), reduce_to=300).shape == (350, 350, 3)


# High bit depths: the white level, exactly --------------------------------------------------


def test_16_bit_grey_is_scaled_exactly_from_65535() -> None:
    # Every 16-bit value once (then zeros): each must land on round(v * 255 / 65535), which
    # pins both the scale and the white level (65536 or 256/65535 would move 127 or all values).
    values = np.zeros(300 * 300, dtype=np.uint16)
    values[:65536] = np.arange(65536)
    decoded = decode_image(encode(Image.fromarray(values.reshape(300, 300)), "PNG"))
    expected = np.rint(values.astype(np.float64) * 255.0 / 65535.0).astype(np.uint8)
    assert np.array_equal(decoded[..., 0].ravel(), expected)
    assert np.array_equal(decoded[..., 0], decoded[..., 2])


def test_8_bit_data_stored_in_16_bits_keeps_its_values() -> None:
    # Peak exactly 255: the white level is 255, so 255 stays 255 and 100 stays 100.
    values = np.full((300, 300), 100, dtype=np.uint16)
    values[0, 0] = 255
    decoded = decode_image(encode(Image.fromarray(values), "PNG"))
    assert decoded[0, 0].tolist() == [255, 255, 255]
    assert decoded[5, 5].tolist() == [100, 100, 100]


def test_32_bit_counts_past_65535_are_scaled_by_their_own_peak() -> None:
    values = np.full((300, 300), 65535, dtype=np.int32)
    values[0, 0] = 131070  # peak: twice the 16-bit white
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert decoded[0, 0].tolist() == [255, 255, 255]
    assert decoded[5, 5].tolist() == [128, 128, 128]  # 65535 * 255 / 131070 = 127.5 -> 128


def test_hdr_floats_are_scaled_by_their_peak_and_negatives_clip_to_black() -> None:
    values = np.full((300, 300), 1.0, dtype=np.float32)
    values[0, 0] = 2.0  # brighter than the nominal white 1.0
    values[0, 1] = -0.25
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert decoded[0, :2, 0].tolist() == [255, 0]
    assert decoded[5, 5].tolist() == [128, 128, 128]  # 1.0 * 255 / 2.0 = 127.5 -> 128


def test_float_samples_are_scaled_in_double_precision() -> None:
    # float32 0.3 is 0.30000001...: x 255 = 76.5000003, which is 77; float32 arithmetic
    # rounds the product to 76.5 first and then to the even 76.
    values = np.full((300, 300), 0.3, dtype=np.float32)
    assert decode_image(encode(Image.fromarray(values), "TIFF"))[0, 0].tolist() == [77, 77, 77]


# Header checks without decoding ------------------------------------------------------------


def test_check_image_header_gives_the_size_and_applies_the_rules() -> None:
    assert check_image_header(encode(gradient(320, 300), "PNG")) == (320, 300)
    with pytest.raises(ImageRejected) as caught:
        check_image_header(encode(gradient(299, 400), "PNG"))
    assert caught.value.message == "Image is 299x400 pixels; the minimum is 300x300."
    with pytest.raises(ImageRejected, match="decompression bomb"):
        check_image_header(png_bomb(8193, 8193))
    assert check_image_header(png_bomb(8192, 8192)) == (8192, 8192)  # the limit itself passes


# Colour profiles: sRGB is left alone --------------------------------------------------------


def test_an_srgb_profile_is_not_transformed() -> None:
    # Most web images carry an sRGB profile: converting sRGB to sRGB is a full-image pass for
    # nothing, so the image comes back as the very same object.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.open(io.BytesIO(encode(gradient(300, 300), "PNG", icc_profile=srgb)))
    image.load()
    assert image.info["icc_profile"] == srgb
    assert to_srgb(image) is image
    p3 = icc_rgb_profile("Test Display P3", P3_PRIMARIES_D50, gamma=2.2)
    tagged = Image.open(io.BytesIO(encode(gradient(300, 300), "PNG", icc_profile=p3)))
    tagged.load()
    assert to_srgb(tagged) is not tagged  # the check above is not "never convert"


@pytest.mark.parametrize(
    ("fmt", "keep"), [("PNG", 16), ("JPEG", 100), ("BMP", 20)], ids=["png", "jpeg", "bmp"]
)
def test_a_header_cut_short_is_reported(fmt: str, keep: int) -> None:
    data = encode(gradient(300, 300), fmt)[:keep]  # the format is recognised, its header is not whole
    assert rejected(data) == "Image file is corrupt; its header could not be read."


@pytest.mark.parametrize(("width", "height"), [(10_000, 9_000), (100_000, 100_000)])
def test_bombs_that_pillow_flags_while_opening(width: int, height: int) -> None:
    assert rejected(png_bomb(width, height)) == (
        "Image declares more than 67,108,864 pixels (decompression bomb); refused."
    )


def test_a_warning_while_opening_is_not_an_error() -> None:
    # Pillow warns "Corrupt EXIF data" on a TIFF whose first directory lies past the end; only
    # its bomb warning is made an error, so this one ends as the ordinary refusal.
    tiff = encode(gradient(300, 300), "TIFF")
    broken = tiff[:4] + struct.pack("<I", 10**9) + tiff[8:]
    assert rejected(broken) == (
        "Image is not a supported image format (use JPEG, PNG, WebP, GIF, BMP or TIFF)."
    )


def test_rgb_with_a_transparent_colour_key_is_composited() -> None:
    image = Image.new("RGB", (300, 300), (0, 0, 0))
    image.paste(RED, (0, 0, 100, 300))
    decoded = decode_image(encode(image, "PNG", transparency=(0, 0, 0)))  # black is transparent
    assert tuple(decoded[150, 50]) == RED
    assert tuple(decoded[150, 250]) == (255, 255, 255)
